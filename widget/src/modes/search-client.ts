/**
 * POST /v1/search for the search mode: one request per (debounced) query,
 * cancelled through its AbortSignal when a newer query starts.
 */

/** A result as /v1/search returns it (the fields the widget shows). */
export interface SearchResult {
  chunk_id: string;
  document_id: string;
  title: string;
  heading: string;
  text: string;
  source_url: string | null;
  /** Plain text around the matched terms, when the API sends it. */
  snippet?: string;
  /** The matched terms in `snippet`: [start, end) UTF-16 offsets. */
  snippet_highlights?: [number, number][];
}

/** `code`: the API's error code, or `NETWORK` when no answer came. */
export class SearchError extends Error {
  override readonly name = "SearchError";
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface SearchRequest {
  /** The full URL of the search endpoint. */
  url: string;
  key: string;
  query: string;
  topK: number;
  filter?: unknown;
  signal: AbortSignal;
}

/** The results, best first. Throws a `SearchError`, or the abort reason when `signal` aborted. */
export async function fetchSearch(request: SearchRequest): Promise<SearchResult[]> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: "POST",
      headers: { authorization: `Bearer ${request.key}`, "content-type": "application/json" },
      body: JSON.stringify({ query: request.query, top_k: request.topK, ...(request.filter !== undefined ? { filter: request.filter } : {}) }),
      signal: request.signal,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    if (request.signal.aborted) throw request.signal.reason;
    throw new SearchError("NETWORK", error instanceof Error ? error.message : String(error));
  }
  const body = (await response.json().catch(() => undefined)) as { results?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
  if (!response.ok) {
    const retryAfter = Number(response.headers.get("retry-after"));
    throw new SearchError(
      response.status === 429 ? "RATE_LIMITED" : typeof body?.error?.code === "string" ? body.error.code : `HTTP_${response.status}`,
      typeof body?.error?.message === "string" ? body.error.message : response.statusText,
      Number.isInteger(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
  return Array.isArray(body?.results) ? (body.results as SearchResult[]) : [];
}
