/**
 * The resilience layer as deployed (the test pool turns retries and breakers
 * off for every other file, so a fault reaches the queue as injected): with
 * the default settings, a query embedding that fails twice is retried and
 * the search is whole; a run of failures opens the embedding model's circuit
 * breaker, after which searches degrade at once without calling the model,
 * until the cooldown lets a probe through; a vector index that does not
 * answer in time degrades the search instead of hanging it.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../src/worker.js";
import { createAdapters } from "../../src/composition-root.js";
import type { VectorIndex } from "../../src/ports/vector-index.js";
import { IndexSettings } from "../../src/services/index-settings.js";
import { SearchService } from "../../src/services/search-service.js";
import { apiKey, ingest, injectEmbeddingFaults } from "../helpers.js";

/** The defaults (an empty value reads as unset), with a short cooldown so the test can watch it end. */
const deployed = { PROVIDER_MAX_ATTEMPTS: "", PROVIDER_BREAKER_FAILURES: "", PROVIDER_BREAKER_COOLDOWN_SECONDS: "1" };

async function search(query: string) {
  const response = await worker.fetch(
    new Request("http://edge-rag.test/v1/search", {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ query }),
    }),
    { ...env, ...deployed },
    createExecutionContext(),
  );
  return { status: response.status, headers: response.headers, body: await response.json<any>() };
}

/** Embedding calls carrying `match` that reached the local model service so far. */
async function modelCallsWith(match: string): Promise<number> {
  const response = await env.LOCAL_SERVICES!.fetch("http://local/_test/faults", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ match, failures: 0 }),
  });
  return ((await response.json()) as { seen: number }).seen;
}

beforeAll(async () => {
  await ingest([{ id: "platypus", title: "Platypus", content: "The platypus lays eggs and hunts by electroreception." }]);
});

describe("with the deployed resilience settings", () => {
  it("retries a query embedding that fails twice: the search is whole", async () => {
    await injectEmbeddingFaults("twice-marker", 2);
    const response = await search("platypus electroreception twice-marker");
    expect(response.status).toBe(200);
    expect(response.body).not.toHaveProperty("degraded");
    expect(response.body.results.map((result: { document_id: string }) => result.document_id)).toContain("platypus");
  });

  it("opens the breaker after a run of failures, degrades without calling the model, and closes again after a probe", async () => {
    await injectEmbeddingFaults("down-marker", 1_000);
    // Two searches of 3 attempts each: 6 failures ≥ the threshold of 5.
    for (let i = 0; i < 2; i++) expect((await search(`platypus down-marker ${i}`)).body.degraded).toEqual(["vector"]);
    expect(await modelCallsWith("refused-marker")).toBe(0); // starts watching
    const refused = await search("platypus eggs refused-marker");
    expect(refused.status).toBe(200);
    expect(refused.body.degraded).toEqual(["vector"]);
    expect(await modelCallsWith("refused-marker")).toBe(0); // the breaker answered, not the model
    // After the cooldown a probe goes through; the model is healthy for this query, so the breaker closes.
    await vi.waitUntil(async () => !(await search("platypus eggs")).body.degraded, { timeout: 30_000, interval: 250 });
    expect((await search("platypus electroreception")).body).not.toHaveProperty("degraded");
  });
});

describe("a vector index that does not answer", () => {
  it("degrades the search after the time limit instead of hanging it", async () => {
    const adapters = await createAdapters(env);
    const hanging = new Proxy(adapters.vectors as VectorIndex, {
      get(target, property, receiver) {
        if (property === "query") return () => new Promise(() => {});
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const service = new SearchService({
      store: adapters.store,
      embedder: adapters.embedder,
      vectors: hanging,
      guard: adapters.guard,
      settings: new IndexSettings(adapters.store, { fusion: adapters.config.fusion, rerank: adapters.config.rerank }),
      vectorQueryTimeoutMs: 200,
    });
    const response = await service.search({ tenantId: "default", query: "platypus eggs", topK: 5, mode: "hybrid" });
    expect(response.degraded).toEqual(["vector"]);
    expect(response.results.map((result) => result.document_id)).toContain("platypus");
  });
});
