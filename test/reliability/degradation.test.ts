/**
 * Degrading instead of failing: a search whose embedding model is down answers
 * from the keyword leg, flagged; a reranker that is down leaves the fused
 * order, flagged; a chat whose language model is down answers extractively
 * after a `notice`. Real D1, vector index and HTTP routes; the failing
 * providers are the real adapters pointed at a dead endpoint or the local
 * model service told to fail, except the reranker, which no local service
 * can make fail on demand (a stand-in throwing the error the resilience layer
 * raises).
 */
import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/worker.js";
import { createAdapters } from "../../src/composition-root.js";
import { ProviderUnavailableError } from "../../src/core/resilience/provider-errors.js";
import type { Reranker } from "../../src/ports/reranker.js";
import { IndexSettings } from "../../src/services/index-settings.js";
import { SearchService } from "../../src/services/search-service.js";
import { api, apiKey, ingest, injectEmbeddingFaults, parseSseText } from "../helpers.js";

async function call(path: string, body: unknown, vars: Record<string, string> = {}) {
  const response = await worker.fetch(
    new Request(`http://edge-rag.test${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    { ...env, ...vars },
    createExecutionContext(),
  );
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // SSE
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

beforeAll(async () => {
  await ingest([
    { id: "wombats", title: "Wombats", content: "Wombats produce cube-shaped droppings, which they stack to mark territory." },
    { id: "echidnas", title: "Echidnas", content: "Echidnas are egg-laying mammals covered in spines." },
  ]);
});

describe("search with the embedding model down", () => {
  it("hybrid: answers from the keyword leg, flagged degraded: [\"vector\"]", async () => {
    await injectEmbeddingFaults("embedder-down-marker", 1);
    const response = await api("POST", "/v1/search", { query: "wombats cube droppings embedder-down-marker" });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.degraded).toEqual(["vector"]);
    expect(response.body.results.map((result: { document_id: string }) => result.document_id)).toContain("wombats");
  });

  it("a healthy search carries no degraded field", async () => {
    const response = await api("POST", "/v1/search", { query: "wombats cube droppings" });
    expect(response.status).toBe(200);
    expect(response.body).not.toHaveProperty("degraded");
  });

  it("vector mode cannot degrade: 503 with the JSON error", async () => {
    await injectEmbeddingFaults("vector-only-marker", 1);
    const response = await api("POST", "/v1/search", { query: "echidnas vector-only-marker", mode: "vector" });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(JSON.stringify(response.body)).not.toMatch(/injected|stack|at /);
  });

  it("chat: sources from the keyword leg, done lists the degradation", async () => {
    await injectEmbeddingFaults("chat-embedder-marker", 1);
    const response = await api("POST", "/v1/chat", { messages: [{ role: "user", content: "How do wombats mark territory? chat-embedder-marker" }] });
    expect(response.status).toBe(200);
    const events = parseSseText(response.body);
    expect(events[0]!.event).toBe("sources");
    expect(events[0]!.data.sources.map((source: { document_id: string }) => source.document_id)).toContain("wombats");
    expect(events.at(-1)).toMatchObject({ event: "done", data: { degraded: ["vector"] } });
  });
});

describe("search with the reranker down", () => {
  it("keeps the fused order, flagged degraded: [\"rerank\"]", async () => {
    const adapters = await createAdapters(env);
    const failing: Reranker = {
      model: "@cf/baai/bge-reranker-base",
      rerank: async () => {
        throw new ProviderUnavailableError("the reranker is unavailable", { provider: "workers-ai:@cf/baai/bge-reranker-base", attempts: 2, breaker: "closed" });
      },
    };
    const settings = new IndexSettings(adapters.store, { fusion: adapters.config.fusion, rerank: { ...adapters.config.rerank, model: failing.model } });
    const base = { store: adapters.store, embedder: adapters.embedder, vectors: adapters.vectors, guard: adapters.guard, settings };
    const request = { tenantId: "default", query: "wombats echidnas mammals", topK: 5, mode: "hybrid" as const };
    const fused = await new SearchService(base).search(request);
    const degraded = await new SearchService({ ...base, reranker: failing }).search({ ...request, rerank: true });
    expect(degraded.degraded).toEqual(["rerank"]);
    expect(degraded.results).toEqual(fused.results);
  });
});

describe("chat with the language model down", () => {
  // An OpenAI-compatible endpoint nobody listens on: every call fails to connect.
  const deadLlm = { GENERATOR: "openai", LLM_BASE_URL: "http://127.0.0.1:9/v1", LLM_MODEL: "any", PROVIDER_MAX_ATTEMPTS: "1" };

  it("streams an extractive answer after a notice, citing the sources", async () => {
    const response = await call("/v1/chat", { messages: [{ role: "user", content: "How do wombats mark their territory?" }] }, deadLlm);
    expect(response.status).toBe(200);
    const events = parseSseText(response.text);
    expect(events.map((event) => event.event)).toEqual(expect.arrayContaining(["sources", "notice", "delta", "done"]));
    expect(events[0]!.event).toBe("sources");
    expect(events[1]).toEqual({ event: "notice", data: { code: "GENERATOR_UNAVAILABLE", message: expect.stringMatching(/unavailable/) } });
    const answer = events.filter((event) => event.event === "delta").map((event) => event.data.text).join("");
    expect(answer).toMatch(/cube-shaped/);
    expect(answer).toMatch(/\[\d+\]/);
    expect(events.at(-1)).toMatchObject({ event: "done", data: { degraded: ["generator"] } });
    expect(events.some((event) => event.event === "error")).toBe(false);
  });

  it("the non-streaming answer says so too", async () => {
    const response = await call("/v1/chat", { messages: [{ role: "user", content: "Are echidnas mammals?" }], stream: false }, deadLlm);
    expect(response.status).toBe(200);
    expect(response.body.answer).toMatch(/egg-laying/);
    expect(response.body.degraded).toEqual(["generator"]);
    expect(response.body.notices).toEqual([{ code: "GENERATOR_UNAVAILABLE", message: expect.any(String) }]);
  });
});

describe("a very long chat question", () => {
  it("is answered, and retrieval reads a bounded query (head and tail)", async () => {
    const question = `Wombats ${"background detail that goes on and on. ".repeat(800)}How do wombats mark territory?`;
    expect(question.length).toBeGreaterThan(30_000);
    // A search at the same time is not held up by it.
    const [chat, search] = await Promise.all([
      api("POST", "/v1/chat", { messages: [{ role: "user", content: question }], stream: false }),
      api("POST", "/v1/search", { query: "echidnas spines" }),
    ]);
    expect(chat.status, JSON.stringify(chat.body).slice(0, 300)).toBe(200);
    expect(chat.body.retrieval_queries).toHaveLength(1);
    expect(chat.body.retrieval_queries[0].length).toBeLessThanOrEqual(4096);
    expect(chat.body.retrieval_queries[0]).toMatch(/^Wombats /);
    expect(chat.body.retrieval_queries[0]).toMatch(/How do wombats mark territory\?$/);
    expect(chat.body.sources.map((source: { document_id: string }) => source.document_id)).toContain("wombats");
    expect(search.status).toBe(200);
    expect(search.body.results.map((result: { document_id: string }) => result.document_id)).toContain("echidnas");
  });
});
