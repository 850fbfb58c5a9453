/**
 * Fixtures for the security suites: a raw API client (any key, any headers,
 * any body bytes), tenants and keys created through the API itself, ingestion
 * as a given key, and the checks every error answer must pass.
 */
import { SELF, createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { expect, vi } from "vitest";
import worker from "../../src/worker.js";
import { apiKey, parseSseText } from "../helpers.js";

export const operatorKey = apiKey;
export const baseUrl = "http://edge-rag.test";

export interface RawResponse<T = any> {
  status: number;
  headers: Headers;
  /** The body as text. */
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: T;
}

export interface CallOptions {
  /** Bearer key; `null` sends no Authorization header. Default: the operator's key. */
  key?: string | null;
  /** A JSON value (serialised), a string (sent as is) or bytes (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Go through `SELF.fetch` (the pool's entrypoint wrapper) instead of the
   * worker's own fetch handler. The pool (0.15) wraps its entrypoint's
   * prototype in one more Proxy per request (cloudflare/workers-sdk#15092),
   * so a file that sends thousands of requests through SELF slows down
   * quadratically and finally overflows the stack; the handler is the same.
   */
  viaSelf?: boolean;
}

/** Calls the worker with full control over key, headers and body. */
export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<RawResponse<T>> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? operatorKey : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let payload: BodyInit | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    payload = typeof options.body === "string" || options.body instanceof Uint8Array ? (options.body as BodyInit) : JSON.stringify(options.body);
  }
  Object.assign(headers, options.headers);
  for (const [name, value] of Object.entries(headers)) if (value === "") delete headers[name];
  const init = { method, headers, body: payload };
  let response: Response;
  let text: string;
  if (options.viaSelf) {
    response = await SELF.fetch(`${baseUrl}${path}`, init);
    text = await response.text();
  } else {
    const ctx = createExecutionContext();
    response = await worker.fetch(new Request(`${baseUrl}${path}`, init), env, ctx);
    text = await response.text();
    await waitOnExecutionContext(ctx);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: body as T };
}

export interface TenantKey {
  id: string;
  key: string;
  tenant_id: string;
  scopes: string[];
  origins: string[] | null;
}

/** Creates a tenant with the operator's key. */
export async function createTenant(name: string): Promise<string> {
  const response = await call("POST", "/v1/tenants", { body: { name } });
  expect(response.status, response.text).toBe(201);
  expect(response.body.id).toMatch(/^t_[0-9a-f]{16}$/);
  return response.body.id as string;
}

/** Creates a key for a tenant (with the operator's key unless `as` is given). */
export async function createKey(tenantId: string, scopes: string[], options: { origins?: string[]; as?: string } = {}): Promise<TenantKey> {
  const response = await call("POST", "/v1/keys", {
    key: options.as ?? operatorKey,
    body: { tenant_id: tenantId, scopes, ...(options.origins ? { origins: options.origins } : {}) },
  });
  expect(response.status, response.text).toBe(201);
  return response.body as TenantKey;
}

/** Headers a publishable key needs: its allowed origin. */
export function originHeaders(key: TenantKey): Record<string, string> {
  return key.origins ? { origin: key.origins[0]! } : {};
}

export interface DocumentInput {
  id: string;
  title?: string;
  content: string;
  format?: "text" | "markdown" | "html";
  metadata?: Record<string, string | number | boolean>;
  source_url?: string;
}

/** Ingests documents with `key` and waits until each is ready. */
export async function ingestAs(key: string, documents: DocumentInput[]): Promise<void> {
  const response = await call("POST", "/v1/documents/batch", { key, body: { documents } });
  expect(response.status, response.text).toBe(202);
  for (const doc of documents) {
    let last: RawResponse | undefined;
    await vi.waitUntil(
      async () => {
        last = await call("GET", `/v1/documents/${encodeURIComponent(doc.id)}`, { key });
        return last.status === 200 && (last.body.status === "ready" || last.body.status === "failed");
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(last!.body.status, last!.text).toBe("ready");
  }
}

/** POST /v1/chat, streamed: the parsed SSE events and the joined answer. */
export async function chatStream(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await call("POST", "/v1/chat", { key, body: { ...body, stream: true }, headers });
  const events = response.status === 200 ? parseSseText(response.text) : [];
  const sources = (events.find((event) => event.event === "sources")?.data.sources ?? []) as ChatSource[];
  const answer = events
    .filter((event) => event.event === "delta")
    .map((event) => event.data.text as string)
    .join("");
  return { response, events, sources, answer };
}

export interface ChatSource {
  n: number;
  document_id: string;
  chunk_id: string;
  title: string;
  text: string;
  heading?: string;
  source_url?: string;
}

/**
 * Text that must never appear in an error body: stack frames, source paths,
 * SQL engine messages and the statements' own vocabulary (none of which our
 * inputs contain), and the runtime's internals.
 */
const internalsPattern =
  /\bat [\w.<>$]+ \(|\bat (?:file|async)\b|node_modules|\/work\/|\.[mc]?[jt]s:\d+|\bstack\b|SQLITE|D1_|no such (?:table|column|function)|syntax error|fts5|chunks_fts|json_extract|json_type|json_each|strftime|RETURNING|workerd|TypeError|RangeError|ReferenceError|SyntaxError|Uncaught|\[object Object\]/i;

/** Checks an error answer: 4xx, JSON `{error: {code, message, details?}}`, nothing internal. */
export function expectSafeError(response: RawResponse, context = ""): void {
  const where = `${context} → ${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, where).toBeGreaterThanOrEqual(400);
  expect(response.status, where).toBeLessThan(500);
  expect(response.headers.get("content-type") ?? "", where).toMatch(/^application\/json/);
  expect(response.body, where).toBeTypeOf("object");
  expect(Object.keys(response.body), where).toEqual(["error"]);
  const { error } = response.body as { error: Record<string, unknown> };
  expect(Object.keys(error).filter((name) => !["code", "message", "details"].includes(name)), where).toEqual([]);
  expect(error.code, where).toMatch(/^[A-Z][A-Z_]+$/);
  expect(typeof error.message, where).toBe("string");
  expect((error.message as string).length, where).toBeGreaterThan(0);
  expect(response.text, where).not.toMatch(internalsPattern);
}

/** Row counts of a tenant in every table that carries a tenant id. */
export async function tenantRowCounts(tenantId: string): Promise<Record<string, number>> {
  const count = async (sql: string) => (await env.DB.prepare(sql).bind(tenantId).first<{ n: number }>())!.n;
  return {
    tenants: await count("SELECT COUNT(*) AS n FROM tenants WHERE id = ?"),
    documents: await count("SELECT COUNT(*) AS n FROM documents WHERE tenant_id = ?"),
    chunks: await count("SELECT COUNT(*) AS n FROM chunks WHERE tenant_id = ?"),
    feedback: await count("SELECT COUNT(*) AS n FROM feedback WHERE tenant_id = ?"),
    api_keys: await count("SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ?"),
    sources: await count("SELECT COUNT(*) AS n FROM sources WHERE tenant_id = ?"),
    source_pages: await count("SELECT COUNT(*) AS n FROM source_pages WHERE tenant_id = ?"),
  };
}

/**
 * Raises a tenant's rate limits and budgets to their maximum, so suites that
 * send many requests test what they are about rather than the limiter.
 */
export async function raiseLimits(tenantId: string): Promise<void> {
  const response = await call("PUT", `/v1/tenants/${tenantId}/limits`, {
    body: {
      requests_per_minute_per_key: 100_000,
      chat_per_minute_per_ip: 100_000,
      search_per_minute_per_ip: 100_000,
      ingest_per_minute_per_key: 100_000,
      daily_requests_per_key: 100_000_000,
      daily_tokens_per_key: 1_000_000_000,
    },
  });
  expect(response.status, response.text).toBe(200);
}

/** Waits until the document (read with `key`) is ready or failed, and returns it. */
export async function waitForDocumentAs(key: string, id: string): Promise<Record<string, any>> {
  let last: RawResponse | undefined;
  await vi.waitUntil(
    async () => {
      last = await call("GET", `/v1/documents/${id}`, { key });
      return last.status === 200 && (last.body.status === "ready" || last.body.status === "failed");
    },
    { timeout: 30_000, interval: 100 },
  );
  return last!.body;
}
