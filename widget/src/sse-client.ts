/**
 * The streaming client of POST /v1/chat: Server-Sent Events over a fetch POST
 * (EventSource can only GET and cannot send an Authorization header). One
 * request per question and never a reconnect: aborting stops the answer for
 * good, and a broken stream is reported, not silently retried.
 */
import { parseSse } from "../../src/core/sse/sse-parser.js";

/** A numbered source, as the `sources` event sends it. */
export interface ChatSource {
  n: number;
  document_id: string;
  chunk_id: string;
  title: string;
  text: string;
  /** Plain text (Markdown removed) around the matched terms, when the API sends it; `text` is the raw passage. */
  snippet?: string;
  /** The matched terms in `snippet`: [start, end) UTF-16 offsets. */
  snippet_highlights?: [number, number][];
  heading?: string;
  source_url?: string;
}

export interface ChatTurn {
  role: "user" | "assistant";
  content: string;
}

/** `grounded` is false when the API declined (the documents do not answer the question). */
export type ChatStreamEvent = { type: "sources"; sources: ChatSource[] } | { type: "delta"; text: string } | { type: "done"; grounded: boolean };

/**
 * Why an answer failed. `code` is the API's error code (`RATE_LIMITED`,
 * `UNAUTHORIZED`, ...) or one of the client's own: `NETWORK` (no response),
 * `BAD_RESPONSE` (not the expected stream) and `INCOMPLETE` (the stream ended
 * before `done`).
 */
export class ChatStreamError extends Error {
  override readonly name = "ChatStreamError";
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    /** From `Retry-After` on 429/503 answers. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface ChatStreamRequest {
  /** The full URL of the chat endpoint. */
  url: string;
  /** Bearer key. */
  key: string;
  body: { messages: ChatTurn[]; top_k?: number; filter?: unknown };
  signal?: AbortSignal;
  /** Injected in tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/**
 * Sends the question and yields `sources`, then `delta`s, then `done`. Throws
 * a `ChatStreamError` for HTTP errors, `error` events and broken streams; if
 * `signal` aborts, throws the abort reason and cancels the response body.
 */
export async function* streamChat(request: ChatStreamRequest): AsyncGenerator<ChatStreamEvent> {
  const doFetch = request.fetch ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  try {
    response = await doFetch(request.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${request.key}`,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify(request.body),
      signal: request.signal,
      // A bearer key, never cookies: the API allows any origin without credentials.
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    if (request.signal?.aborted) throw request.signal.reason;
    throw new ChatStreamError("NETWORK", error instanceof Error ? error.message : String(error));
  }

  if (!response.ok) throw await httpError(response);
  const contentType = response.headers.get("content-type") ?? "";
  if (!response.body || !/^text\/event-stream\b/i.test(contentType)) {
    await response.body?.cancel().catch(() => undefined);
    throw new ChatStreamError("BAD_RESPONSE", "the server did not answer with an event stream", response.status);
  }

  for await (const message of parseSse(response.body, { signal: request.signal })) {
    switch (message.event) {
      case "sources": {
        const data = parseData(message.data) as { sources?: unknown };
        yield { type: "sources", sources: Array.isArray(data?.sources) ? (data.sources as ChatSource[]) : [] };
        break;
      }
      case "delta": {
        const data = parseData(message.data) as { text?: unknown };
        if (typeof data?.text === "string" && data.text !== "") yield { type: "delta", text: data.text };
        break;
      }
      case "done":
        yield { type: "done", grounded: (parseData(message.data) as { grounded?: unknown } | undefined)?.grounded !== false };
        return; // leaving the loop cancels the rest of the body
      case "error": {
        const data = parseData(message.data) as { code?: unknown; message?: unknown };
        throw new ChatStreamError(String(data?.code ?? "INTERNAL"), String(data?.message ?? "the answer failed"), response.status);
      }
      default:
        break; // unknown events are for newer clients
    }
  }
  throw new ChatStreamError("INCOMPLETE", "the answer ended before it was complete", response.status);
}

function parseData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new ChatStreamError("BAD_RESPONSE", "the server sent an unreadable event");
  }
}

async function httpError(response: Response): Promise<ChatStreamError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || "request failed";
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string") message = body.error.message;
  } catch {
    // Not our JSON error shape (a proxy's page, say): keep the status.
  }
  if (response.status === 429) code = "RATE_LIMITED";
  return new ChatStreamError(code, message, response.status, retryAfter(response.headers.get("retry-after")));
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
