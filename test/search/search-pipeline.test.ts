/**
 * The hybrid pipeline's schedule and its D1 round trips, forced with gates
 * around the real adapters (D1, the local vector index and embedder): the
 * keyword leg's D1 query is issued once the query embedding has arrived and
 * runs while the vector index has not answered yet; the vector matches are
 * hydrated in one D1 call that skips the chunks the keyword leg already
 * returned.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createAdapters, type Adapters } from "../../src/composition-root.js";
import type { DocumentStore } from "../../src/ports/document-store.js";
import { IndexSettings } from "../../src/services/index-settings.js";
import { SearchService } from "../../src/services/search-service.js";
import { ingest } from "../helpers.js";
import { Gate, pauseAt } from "../reliability/harness.js";

let adapters: Adapters;

beforeAll(async () => {
  await ingest([
    { id: "pipeline-otters", title: "Sea otters", content: "Sea otters hold hands while sleeping so that they do not drift apart on the kelp." },
    { id: "pipeline-kelp", title: "Kelp forests", content: "Kelp forests shelter otters, urchins and fish along cold rocky coasts." },
  ]);
  adapters = await createAdapters(env);
});

function serviceWith(parts: Partial<Pick<Adapters, "store" | "embedder" | "vectors">>): SearchService {
  const store = parts.store ?? adapters.store;
  return new SearchService({
    store,
    embedder: parts.embedder ?? adapters.embedder,
    vectors: parts.vectors ?? adapters.vectors,
    guard: adapters.guard,
    settings: new IndexSettings(store, { fusion: adapters.config.fusion, rerank: adapters.config.rerank }),
  });
}

/** Records the store's calls by method name. */
function recordingStore(calls: { method: string; args: unknown[] }[]): DocumentStore {
  return new Proxy(adapters.store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), args });
        return value.apply(target, args);
      };
    },
  });
}

const request = { tenantId: "default", query: "otters sleeping kelp", topK: 5, mode: "hybrid" as const };

describe("hybrid search schedule", () => {
  it("issues the keyword query only once the query embedding has arrived", async () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const embedded = new Gate();
    const embedder = pauseAt(adapters.embedder, "embedQuery", embedded, { at: "after" });
    const search = serviceWith({ store: recordingStore(calls), embedder }).search(request);
    await embedded.reached;
    expect(calls.map((call) => call.method)).not.toContain("keywordSearch");
    embedded.release();
    const response = await search;
    expect(calls.map((call) => call.method)).toContain("keywordSearch");
    expect(response.results.map((result) => result.document_id)).toContain("pipeline-otters");
  });

  it("runs the keyword query while the vector index has not answered", async () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const answered = new Gate();
    const vectors = pauseAt(adapters.vectors, "query", answered, { at: "after" });
    const store = recordingStore(calls);
    let keywordDone = false;
    const keywordSearch = store.keywordSearch.bind(store);
    store.keywordSearch = async (...args) => {
      const hits = await keywordSearch(...args);
      keywordDone = true;
      return hits;
    };
    const search = serviceWith({ store, vectors }).search(request);
    await answered.reached;
    // The vector index holds its answer; the keyword leg must finish regardless.
    await expect.poll(() => keywordDone).toBe(true);
    answered.release();
    const response = await search;
    expect(response.results.length).toBeGreaterThan(0);
  });

  it("starts at once when there is no vector leg (keyword mode)", async () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const embedded = new Gate();
    const embedder = pauseAt(adapters.embedder, "embedQuery", embedded);
    const response = await serviceWith({ store: recordingStore(calls), embedder }).search({ ...request, mode: "keyword" });
    expect(embedded.hits).toBe(0);
    expect(response.results.map((result) => result.document_id)).toContain("pipeline-otters");
  });
});

describe("hydration of the vector matches", () => {
  it("takes one D1 call, for the ids the keyword leg did not return", async () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const response = await serviceWith({ store: recordingStore(calls) }).search(request);
    const keywordIds = new Set(
      (await adapters.store.keywordSearch("default", '"otters" OR "sleeping" OR "kelp"', { limit: 20, weights: { title: 2, heading: 1.5, text: 1 } })).map((hit) => hit.chunkId),
    );
    const hydrations = calls.filter((call) => call.method === "visibleChunks");
    expect(hydrations.length).toBeLessThanOrEqual(1);
    const hydrated = (hydrations[0]?.args[1] as string[] | undefined) ?? [];
    for (const id of hydrated) expect(keywordIds.has(id)).toBe(false);
    expect(response.results.length).toBeGreaterThan(0);
    expect(Object.keys(response.timings)).toContain("hydrate_ms");
  });

  it("vector mode hydrates every match in one D1 call, and drops what is not visible", async () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const ghost = { id: "not-a-chunk-anymore", score: 2 };
    const vectors = new Proxy(adapters.vectors, {
      get(target, property, receiver) {
        if (property !== "query") return Reflect.get(target, property, receiver);
        return async (...args: Parameters<typeof target.query>) => {
          const answer = await target.query(...args);
          return { ...answer, matches: [ghost, ...answer.matches] };
        };
      },
    });
    const response = await serviceWith({ store: recordingStore(calls), vectors }).search({ ...request, mode: "vector" });
    const hydrations = calls.filter((call) => call.method === "visibleChunks");
    expect(hydrations).toHaveLength(1);
    expect(hydrations[0]!.args[1]).toContain(ghost.id);
    expect(response.results.map((result) => result.chunk_id)).not.toContain(ghost.id);
    expect(response.results.length).toBeGreaterThan(0);
  });
});
