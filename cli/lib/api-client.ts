/**
 * The CLI's HTTP client for the v1 API: bearer key, optional `X-Tenant-Id`,
 * JSON in and out, the API's `{error: {code, message}}` turned into an
 * `ApiError`, and, for requests that are safe to repeat, retries on 429/503
 * (after `Retry-After`) and on network failures.
 */

export interface Connection {
  api: URL;
  key: string;
  /** Sent as `X-Tenant-Id` (only the operator's key may act on another tenant). */
  tenant?: string;
}

export const defaultApi = "http://127.0.0.1:8787";
/** The key `npm run dev` accepts unless API_KEY is set. */
export const localDevKey = "local-dev-key";

/** A mistake in how the CLI was called (exit code 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** An answer other than 2xx, or no answer at all (`status` undefined). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * The address and key from flags, else EDGE_RAG_API / EDGE_RAG_KEY /
 * EDGE_RAG_TENANT, else the local dev server and its key (the key is only
 * assumed for a server on this machine).
 */
export function resolveConnection(flags: { api?: string; key?: string; tenant?: string }, env: Record<string, string | undefined>): Connection {
  const raw = flags.api ?? (env.EDGE_RAG_API || undefined) ?? defaultApi;
  let api: URL;
  try {
    api = new URL(raw);
  } catch {
    throw new UsageError(`--api: not a URL: ${raw}`);
  }
  if (api.protocol !== "http:" && api.protocol !== "https:") throw new UsageError(`--api: must be an http(s) URL, got ${raw}`);
  const key = flags.key ?? (env.EDGE_RAG_KEY || undefined) ?? (isLoopback(api) ? localDevKey : undefined);
  if (key === undefined) throw new UsageError(`no API key for ${api.origin}: pass --key <key> or set EDGE_RAG_KEY`);
  const tenant = flags.tenant ?? (env.EDGE_RAG_TENANT || undefined);
  return { api, key, ...(tenant ? { tenant } : {}) };
}

function isLoopback(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

export interface RequestOptions {
  body?: unknown;
  /** Attempts after the first on 429, 503 and network failures (default 0: only for requests safe to repeat). */
  retries?: number;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  fetch?: typeof fetch;
  /** Per request (not for streams). Default 60 s. */
  timeoutMs?: number;
  /** Told before each retry, with the reason and the wait. */
  onRetry?: (reason: string, waitSeconds: number) => void;
  /** Longest wait between retries. Default 60 s. */
  maxRetryWaitSeconds?: number;
}

export class ApiClient {
  private readonly fetch: typeof fetch;

  constructor(
    readonly connection: Connection,
    private readonly options: ApiClientOptions = {},
  ) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Sends a request and returns the parsed JSON answer (undefined for 204). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const retries = options.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const signal = anySignal([options.signal, AbortSignal.timeout(this.options.timeoutMs ?? 60_000)]);
        const response = await this.send(method, path, options.body, signal, "application/json");
        if (!response.ok) throw await apiErrorFrom(response);
        if (response.status === 204) return undefined as T;
        const text = await response.text();
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new ApiError("BAD_RESPONSE", `${method} ${path} answered ${response.status} with something other than JSON`, response.status);
        }
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        const failure = error instanceof ApiError ? error : this.networkError(error);
        if (attempt >= retries || !retryable(failure)) throw failure;
        const wait = Math.min(this.options.maxRetryWaitSeconds ?? 60, failure.retryAfterSeconds ?? 2 ** attempt);
        this.options.onRetry?.(`${failure.code}: ${failure.message}`, wait);
        await sleep(wait * 1000, options.signal);
      }
    }
  }

  /** POSTs `body` asking for an event stream; returns the response once its headers are in (2xx only). */
  async stream(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await this.send("POST", path, body, signal, "text/event-stream");
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw this.networkError(error);
    }
    if (!response.ok) throw await apiErrorFrom(response);
    return response;
  }

  private send(method: string, path: string, body: unknown, signal: AbortSignal | undefined, accept: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.connection.key}`, accept, "user-agent": "edge-rag-cli" };
    if (this.connection.tenant) headers["x-tenant-id"] = this.connection.tenant;
    if (body !== undefined) headers["content-type"] = "application/json";
    return this.fetch(new URL(path.replace(/^\//, ""), withSlash(this.connection.api)), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  }

  private networkError(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    const origin = this.connection.api.origin;
    if (error instanceof Error && error.name === "TimeoutError") {
      return new ApiError("TIMEOUT", `no answer from ${origin} within ${Math.round((this.options.timeoutMs ?? 60_000) / 1000)} s`);
    }
    const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
    const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : undefined;
    const hint = detail === "ECONNREFUSED" ? ": is the server running? (`npm run dev` starts one on http://127.0.0.1:8787; --api points elsewhere)" : "";
    return new ApiError("NETWORK", `cannot reach ${origin}${detail ? ` (${detail})` : ""}${hint}`);
  }
}

/** `https://host/prefix` → `https://host/prefix/`, so relative paths resolve below it. */
function withSlash(url: URL): URL {
  const copy = new URL(url);
  if (!copy.pathname.endsWith("/")) copy.pathname += "/";
  copy.search = "";
  copy.hash = "";
  return copy;
}

function retryable(error: ApiError): boolean {
  return error.status === 429 || error.status === 503 || error.code === "NETWORK" || error.code === "TIMEOUT";
}

/** The API's error answer as an `ApiError` (a proxy's HTML page keeps its status). */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || "request failed";
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string") message = body.error.message;
  } catch {
    // Not the API's JSON error shape.
  }
  return new ApiError(code, message, response.status, retryAfter(response.headers.get("retry-after")));
}

/** `Retry-After` in seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** One line for the terminal: `NOT_FOUND (404): document "x" does not exist`. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}${error.status === undefined ? "" : ` (${error.status})`}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

function anySignal(signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return present.length === 1 ? present[0]! : AbortSignal.any(present);
}

/** Waits `ms`, or rejects with the abort reason. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
