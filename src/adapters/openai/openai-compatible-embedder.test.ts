import { describe, expect, it } from "vitest";
import { OpenAiCompatibleEmbedder } from "./openai-compatible-embedder.js";
import { AppError } from "../../core/errors.js";
import { rejectionOf } from "../../../test/helpers.js";

/** A toy embeddings server: vector i of a request is [len(text), i, 1]; `reverse` returns data in reverse order. */
function fakeEmbeddingsApi(options: { dimensions?: number; reverse?: boolean; status?: number; drop?: boolean } = {}) {
  const requests: Array<{ url: string; headers: Headers; body: { model: string; input: string[] } }> = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = (await request.json()) as { model: string; input: string[] };
    requests.push({ url: request.url, headers: request.headers, body });
    if (options.status !== undefined) {
      return new Response(JSON.stringify({ error: { message: "secret upstream text" } }), { status: options.status });
    }
    const dims = options.dimensions ?? 3;
    let data = body.input.map((text, index) => ({
      object: "embedding",
      index,
      embedding: Array.from({ length: dims }, (_, d) => (d === 0 ? text.length : d === 1 ? index : 1)),
    }));
    if (options.reverse) data = data.reverse();
    if (options.drop) data = data.slice(1);
    return new Response(JSON.stringify({ object: "list", data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }), {
      headers: { "content-type": "application/json" },
    });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

const failure = rejectionOf;

describe("OpenAiCompatibleEmbedder", () => {
  it("posts {model, input} to /embeddings with the API key", async () => {
    const api = fakeEmbeddingsApi();
    const embedder = new OpenAiCompatibleEmbedder({ baseUrl: "https://emb.example/v1/", apiKey: "sk-1", model: "text-embedding-3-small", fetch: api.fetch });
    expect(embedder.model).toBe("text-embedding-3-small");
    expect(embedder.maxBatchSize).toBe(100);
    await embedder.embedDocuments(["a", "bb"]);
    expect(api.requests[0]?.url).toBe("https://emb.example/v1/embeddings");
    expect(api.requests[0]?.headers.get("authorization")).toBe("Bearer sk-1");
    expect(api.requests[0]?.body).toEqual({ model: "text-embedding-3-small", input: ["a", "bb"] });
  });

  it("splits into batches of maxBatchSize and keeps the input order", async () => {
    const api = fakeEmbeddingsApi({ reverse: true });
    const embedder = new OpenAiCompatibleEmbedder({ baseUrl: "https://x/v1", model: "m", fetch: api.fetch, maxBatchSize: 4 });
    const texts = Array.from({ length: 10 }, (_, i) => "x".repeat(i + 1));
    const vectors = await embedder.embedDocuments(texts);
    expect(api.requests.map((r) => r.body.input.length)).toEqual([4, 4, 2]);
    expect(vectors.map((v) => v[0])).toEqual(texts.map((t) => t.length));
  });

  it("makes no request for no texts", async () => {
    const api = fakeEmbeddingsApi();
    expect(await new OpenAiCompatibleEmbedder({ baseUrl: "https://x/v1", model: "m", fetch: api.fetch }).embedDocuments([])).toEqual([]);
    expect(api.requests).toHaveLength(0);
  });

  it("embeds a query as one text", async () => {
    const api = fakeEmbeddingsApi();
    const vector = await new OpenAiCompatibleEmbedder({ baseUrl: "https://x/v1", model: "m", fetch: api.fetch }).embedQuery("hello");
    expect(vector).toEqual([5, 0, 1]);
    expect(api.requests[0]?.body.input).toEqual(["hello"]);
  });

  it("describes configured dimensions without a request", async () => {
    const api = fakeEmbeddingsApi();
    const embedder = new OpenAiCompatibleEmbedder({ baseUrl: "https://x/v1", model: "m", dimensions: 3, fetch: api.fetch });
    expect(await embedder.describe()).toEqual({ model: "m", dimensions: 3 });
    expect(api.requests).toHaveLength(0);
  });

  it("probes the dimensions once when they are not configured", async () => {
    const api = fakeEmbeddingsApi({ dimensions: 5 });
    const embedder = new OpenAiCompatibleEmbedder({ baseUrl: "https://x/v1", model: "m", fetch: api.fetch });
    const [a, b] = await Promise.all([embedder.describe(), embedder.describe()]);
    expect(a).toEqual({ model: "m", dimensions: 5 });
    expect(b).toEqual(a);
    expect(await embedder.describe()).toEqual(a);
    expect(api.requests).toHaveLength(1);
  });

  it("retries the probe after a failure", async () => {
    let fail = true;
    const good = fakeEmbeddingsApi({ dimensions: 4 });
    const fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
      fail ? Promise.resolve(new Response("down", { status: 503 })) : good.fetch(input, init)) as typeof globalThis.fetch;
    const embedder = new OpenAiCompatibleEmbedder({ baseUrl: "https://x/v1", model: "m", fetch });
    await expect(embedder.describe()).rejects.toBeInstanceOf(AppError);
    fail = false;
    expect(await embedder.describe()).toEqual({ model: "m", dimensions: 4 });
  });

  it("rejects vectors whose size differs from the configured dimensions", async () => {
    const api = fakeEmbeddingsApi({ dimensions: 4 });
    const error = await failure(new OpenAiCompatibleEmbedder({ baseUrl: "https://x/v1", model: "m", dimensions: 3, fetch: api.fetch }).embedDocuments(["a"]));
    expect(error.code).toBe("EMBEDDER_MISMATCH");
  });

  it("rejects a response with the wrong number of vectors", async () => {
    const api = fakeEmbeddingsApi({ drop: true });
    const error = await failure(new OpenAiCompatibleEmbedder({ baseUrl: "https://x/v1", model: "m", fetch: api.fetch }).embedDocuments(["a", "b"]));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
  });

  it.each([
    [401, "MISCONFIGURED"],
    [429, "UPSTREAM_UNAVAILABLE"],
    [500, "UPSTREAM_UNAVAILABLE"],
  ] as const)("maps HTTP %i to a sanitised %s with the status in details", async (status, code) => {
    const api = fakeEmbeddingsApi({ status });
    const error = await failure(new OpenAiCompatibleEmbedder({ baseUrl: "https://x/v1", model: "m", fetch: api.fetch }).embedQuery("q"));
    expect(error.code).toBe(code);
    expect(error.details).toEqual({ status });
    expect(error.message).not.toContain("secret");
  });

  it("maps a network failure to UPSTREAM_UNAVAILABLE", async () => {
    const fetch = (() => Promise.reject(new TypeError("connect ECONNREFUSED"))) as unknown as typeof globalThis.fetch;
    const error = await failure(new OpenAiCompatibleEmbedder({ baseUrl: "https://x/v1", model: "m", fetch }).embedQuery("q"));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
  });
});
