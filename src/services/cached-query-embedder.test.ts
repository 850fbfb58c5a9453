import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createAdapters } from "../composition-root.js";
import { LruMap } from "../core/lru-map.js";
import type { Embedder } from "../ports/embedder.js";
import { CachedQueryEmbedder } from "./cached-query-embedder.js";

/** The real local embedder, counting its query calls and failing on demand. */
function counting(inner: Embedder) {
  const counts = { queries: 0, documents: 0 };
  let failNext = false;
  const embedder: Embedder = {
    model: inner.model,
    maxBatchSize: inner.maxBatchSize,
    describe: () => inner.describe(),
    embedDocuments: (texts) => {
      counts.documents += 1;
      return inner.embedDocuments(texts);
    },
    embedQuery: async (text) => {
      counts.queries += 1;
      if (failNext) {
        failNext = false;
        throw new Error("embedding failed");
      }
      return inner.embedQuery(text);
    },
  };
  return { embedder, counts, failOnce: () => (failNext = true) };
}

let real: Embedder;
beforeAll(async () => {
  real = (await createAdapters(env)).embedder;
});

describe("CachedQueryEmbedder", () => {
  it("embeds a repeated query once and answers the same vector", async () => {
    const { embedder, counts } = counting(real);
    const cached = new CachedQueryEmbedder(embedder, { cache: new LruMap(10) });
    const first = await cached.embedQuery("how do heat pumps defrost?");
    const second = await cached.embedQuery("how do heat pumps defrost?");
    expect(counts.queries).toBe(1);
    expect(second).toEqual(first);
    await cached.embedQuery("a different question");
    expect(counts.queries).toBe(2);
  });

  it("never answers one scope (tenant) from another's entry", async () => {
    const { embedder, counts } = counting(real);
    const cached = new CachedQueryEmbedder(embedder, { cache: new LruMap(10) });
    await cached.embedQuery("what is our refund policy?", { scope: "t_a" });
    await cached.embedQuery("what is our refund policy?", { scope: "t_b" });
    expect(counts.queries).toBe(2);
    await cached.embedQuery("what is our refund policy?", { scope: "t_a" });
    expect(counts.queries).toBe(2);
  });

  it("hands out copies: changing an answer does not change the cache", async () => {
    const cached = new CachedQueryEmbedder(counting(real).embedder, { cache: new LruMap(10) });
    const first = await cached.embedQuery("copy check");
    const expected = [...first];
    first.fill(0);
    expect(await cached.embedQuery("copy check")).toEqual(expected);
  });

  it("never remembers a failure", async () => {
    const { embedder, counts, failOnce } = counting(real);
    const cached = new CachedQueryEmbedder(embedder, { cache: new LruMap(10) });
    failOnce();
    await expect(cached.embedQuery("flaky question")).rejects.toThrow("embedding failed");
    expect(await cached.embedQuery("flaky question")).toHaveLength((await real.describe()).dimensions);
    expect(counts.queries).toBe(2);
  });

  it("forgets the least recently used query beyond its capacity", async () => {
    const { embedder, counts } = counting(real);
    const cached = new CachedQueryEmbedder(embedder, { cache: new LruMap(2) });
    for (const text of ["one", "two", "one", "three", "one", "two"]) await cached.embedQuery(text);
    // one, two, (one cached), three evicts two, (one cached), two again.
    expect(counts.queries).toBe(4);
  });

  it("passes passages through uncached", async () => {
    const { embedder, counts } = counting(real);
    const cached = new CachedQueryEmbedder(embedder, { cache: new LruMap(10) });
    await cached.embedDocuments(["a passage"]);
    await cached.embedDocuments(["a passage"]);
    expect(counts.documents).toBe(2);
  });

  it("keeps one cache per model in the isolate, shared by instances", async () => {
    const { embedder, counts } = counting(real);
    const other = { ...counting(real).embedder, model: `${real.model}#other` };
    let otherCalls = 0;
    const otherCounting: Embedder = { ...other, embedQuery: (text) => ((otherCalls += 1), other.embedQuery(text)) };
    await new CachedQueryEmbedder(embedder, { capacity: 7 }).embedQuery("shared across requests");
    await new CachedQueryEmbedder(embedder, { capacity: 7 }).embedQuery("shared across requests");
    expect(counts.queries).toBe(1);
    await new CachedQueryEmbedder(otherCounting, { capacity: 7 }).embedQuery("shared across requests");
    expect(otherCalls).toBe(1);
  });
});
