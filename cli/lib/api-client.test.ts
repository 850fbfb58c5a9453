import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, describeError, resolveConnection, retryAfter, UsageError } from "./api-client.js";

describe("resolveConnection", () => {
  it("takes flags over the environment over the defaults", () => {
    expect(resolveConnection({}, {})).toEqual({ api: new URL("http://127.0.0.1:8787"), key: "local-dev-key" });
    expect(resolveConnection({}, { EDGE_RAG_API: "https://rag.example.com/base", EDGE_RAG_KEY: "k1", EDGE_RAG_TENANT: "t_0123456789abcdef" })).toEqual({
      api: new URL("https://rag.example.com/base"),
      key: "k1",
      tenant: "t_0123456789abcdef",
    });
    expect(resolveConnection({ api: "http://localhost:9000", key: "k2" }, { EDGE_RAG_API: "https://x.example", EDGE_RAG_KEY: "k1" })).toEqual({
      api: new URL("http://localhost:9000"),
      key: "k2",
    });
  });

  it("assumes the local dev key only for a server on this machine", () => {
    expect(() => resolveConnection({ api: "https://rag.example.com" }, {})).toThrow(UsageError);
    expect(() => resolveConnection({ api: "https://rag.example.com" }, {})).toThrow(/--key/);
    expect(resolveConnection({ api: "http://localhost:8787" }, {}).key).toBe("local-dev-key");
  });

  it("refuses addresses that are not http(s) URLs", () => {
    expect(() => resolveConnection({ api: "nope" }, {})).toThrow(/not a URL/);
    expect(() => resolveConnection({ api: "ftp://example.com" }, {})).toThrow(/http\(s\)/);
  });
});

type Call = { url: string; method: string; headers: Record<string, string>; body?: string };

function fakeFetch(answers: (Response | Error)[]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), method: init?.method ?? "GET", headers: init?.headers as Record<string, string>, body: init?.body as string | undefined });
    const answer = answers.shift();
    if (!answer) throw new Error("no more answers");
    if (answer instanceof Error) throw answer;
    return answer;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("ApiClient", () => {
  it("sends the key, the tenant and JSON, below the API's path", async () => {
    const { fetch, calls } = fakeFetch([json({ ok: true })]);
    const client = new ApiClient({ api: new URL("https://rag.example.com/edge"), key: "k", tenant: "t_0123456789abcdef" }, { fetch });
    expect(await client.request("POST", "/v1/search", { body: { query: "q" } })).toEqual({ ok: true });
    expect(calls[0]).toMatchObject({
      url: "https://rag.example.com/edge/v1/search",
      method: "POST",
      headers: { authorization: "Bearer k", "x-tenant-id": "t_0123456789abcdef", "content-type": "application/json" },
      body: '{"query":"q"}',
    });
  });

  it("turns the API's error answer into an ApiError", async () => {
    const { fetch } = fakeFetch([json({ error: { code: "NOT_FOUND", message: 'document "x" does not exist' } }, 404)]);
    const client = new ApiClient({ api: new URL("http://127.0.0.1:8787"), key: "k" }, { fetch });
    const error = await client.request("GET", "/v1/documents/x").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(describeError(error)).toBe('NOT_FOUND (404): document "x" does not exist');
  });

  it("keeps the status of an answer that is not the API's", async () => {
    const { fetch } = fakeFetch([new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" })]);
    const client = new ApiClient({ api: new URL("http://127.0.0.1:8787"), key: "k" }, { fetch });
    expect(describeError(await client.request("GET", "/v1/index/stats").catch((caught: unknown) => caught))).toBe("HTTP_502 (502): Bad Gateway");
  });

  it("retries 429 and 503 after Retry-After and network failures, when allowed, and says so", async () => {
    const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } });
    const { fetch, calls } = fakeFetch([
      json({ error: { code: "RATE_LIMITED", message: "slow down" } }, 429, { "retry-after": "0" }),
      refused,
      json({ error: { code: "UPSTREAM_UNAVAILABLE", message: "later" } }, 503, { "retry-after": "0" }),
      json({ results: [] }, 202),
    ]);
    const retries: string[] = [];
    const client = new ApiClient({ api: new URL("http://127.0.0.1:8787"), key: "k" }, { fetch, onRetry: (reason) => retries.push(reason), maxRetryWaitSeconds: 0 });
    expect(await client.request("POST", "/v1/documents/batch", { body: {}, retries: 5 })).toEqual({ results: [] });
    expect(calls).toHaveLength(4);
    expect(retries).toEqual(["RATE_LIMITED: slow down", "NETWORK: cannot reach http://127.0.0.1:8787 (ECONNRESET)", "UPSTREAM_UNAVAILABLE: later"]);
  });

  it("does not retry by default, nor errors that cannot succeed later", async () => {
    const limited = fakeFetch([json({ error: { code: "RATE_LIMITED", message: "slow down" } }, 429, { "retry-after": "0" })]);
    await expect(new ApiClient({ api: new URL("http://127.0.0.1:8787"), key: "k" }, { fetch: limited.fetch }).request("POST", "/v1/search")).rejects.toMatchObject({ code: "RATE_LIMITED" });
    const invalid = fakeFetch([json({ error: { code: "VALIDATION_FAILED", message: "bad" } }, 400)]);
    await expect(new ApiClient({ api: new URL("http://127.0.0.1:8787"), key: "k" }, { fetch: invalid.fetch }).request("POST", "/v1/documents/batch", { retries: 5 })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    expect(invalid.calls).toHaveLength(1);
  });

  it("explains a refused connection", async () => {
    const { fetch } = fakeFetch([Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } })]);
    const error = await new ApiClient({ api: new URL("http://127.0.0.1:8787"), key: "k" }, { fetch }).request("GET", "/v1/index/stats").catch((caught: unknown) => caught);
    expect(describeError(error)).toMatch(/^NETWORK: cannot reach http:\/\/127\.0\.0\.1:8787 \(ECONNREFUSED\): is the server running\?/);
  });
});

describe("retryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(retryAfter("7")).toBe(7);
    expect(retryAfter(new Date(10_000).toUTCString(), 2_000)).toBe(8);
    expect(retryAfter(null)).toBeUndefined();
    expect(retryAfter("soon")).toBeUndefined();
  });
});
