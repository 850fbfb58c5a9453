import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createAdapters, normalizesCase } from "../composition-root.js";
import { readConfig } from "../config.js";
import { LruMap } from "../core/lru-map.js";
import type { Embedder } from "../ports/embedder.js";
import { CachedQueryEmbedder } from "./cached-query-embedder.js";
import { CaseNormalizingEmbedder } from "./case-normalizing-embedder.js";

/** The real local embedder (the Universal Sentence Encoder), recording the texts it is given. */
function recording(inner: Embedder) {
  const seen = { queries: [] as string[], documents: [] as string[][] };
  const embedder: Embedder = {
    model: inner.model,
    maxBatchSize: inner.maxBatchSize,
    describe: () => inner.describe(),
    embedDocuments: (texts) => {
      seen.documents.push(texts);
      return inner.embedDocuments(texts);
    },
    embedQuery: (text, options) => {
      seen.queries.push(text);
      return inner.embedQuery(text, options);
    },
  };
  return { embedder, seen };
}

let raw: Embedder;
beforeAll(async () => {
  raw = (await createAdapters({ ...env, EMBEDDING_NORMALIZE_CASE: "off" })).embedder;
});

describe("CaseNormalizingEmbedder", () => {
  it("hands the model queries and passages with their shouting lower-cased, everything else as it was", async () => {
    const { embedder, seen } = recording(raw);
    const normalizing = new CaseNormalizingEmbedder(embedder);
    await normalizing.embedQuery("HOW DO I GET A REFUND?");
    await normalizing.embedDocuments(["REFUND POLICY\nRefunds reach the original card within 5 days.", "What is the HTTP API?"]);
    expect(seen.queries).toEqual(["how do i get a refund?"]);
    expect(seen.documents).toEqual([["refund policy\nRefunds reach the original card within 5 days.", "What is the HTTP API?"]]);
    expect(normalizing.model).toBe(raw.model);
    expect(normalizing.maxBatchSize).toBe(raw.maxBatchSize);
    expect(await normalizing.describe()).toEqual(await raw.describe());
  });

  it("above the query cache, a question in capitals and in lower case share one entry", async () => {
    const { embedder, seen } = recording(raw);
    const normalizing = new CaseNormalizingEmbedder(new CachedQueryEmbedder(embedder, { cache: new LruMap(10) }));
    const caps = await normalizing.embedQuery("WHERE IS MY ORDER", { scope: "t1" });
    const lower = await normalizing.embedQuery("where is my order", { scope: "t1" });
    expect(seen.queries).toEqual(["where is my order"]);
    expect(lower).toEqual(caps);
  });
});

describe("the embedder the composition root builds", () => {
  it("normalises for the Universal Sentence Encoder by default: a question in capitals embeds as in lower case", async () => {
    const adapters = await createAdapters(env);
    expect(adapters.config.embedding.model).toBe("@local/universal-sentence-encoder");
    expect(adapters.embedder).toBeInstanceOf(CaseNormalizingEmbedder);
    const [caps, lower, unnormalized] = await Promise.all([
      adapters.embedder.embedQuery("HOW DO I CANCEL MY SUBSCRIPTION?"),
      adapters.embedder.embedQuery("how do i cancel my subscription?"),
      raw.embedQuery("HOW DO I CANCEL MY SUBSCRIPTION?"),
    ]);
    expect(caps).toEqual(lower);
    // With EMBEDDING_NORMALIZE_CASE=off the same question embeds elsewhere.
    expect(unnormalized).not.toEqual(lower);
  });

  it("EMBEDDING_NORMALIZE_CASE: auto follows the model, on and off override it", () => {
    const config = (source: Record<string, string>) => readConfig(source, "local");
    expect(normalizesCase(config({ EMBEDDING_MODEL: "@local/universal-sentence-encoder" }))).toBe(true);
    expect(normalizesCase(config({ EMBEDDING_MODEL: "@local/universal-sentence-encoder", EMBEDDING_NORMALIZE_CASE: "off" }))).toBe(false);
    // Uncased: the tokenizer lower-cases anyway.
    expect(normalizesCase(config({ EMBEDDING_MODEL: "@local/feature-hashing-512" }))).toBe(false);
    expect(normalizesCase(config({ EMBEDDING_MODEL: "@cf/baai/bge-base-en-v1.5" }))).toBe(false);
    // Not known to be cased: left alone unless asked.
    expect(normalizesCase(config({ EMBEDDING_MODEL: "@cf/baai/bge-m3" }))).toBe(false);
    const openai = { EMBEDDING_PROVIDER: "openai", EMBEDDING_MODEL: "text-embedding-3-small", EMBEDDING_BASE_URL: "https://api.openai.com/v1" };
    expect(normalizesCase(config(openai))).toBe(false);
    expect(normalizesCase(config({ ...openai, EMBEDDING_NORMALIZE_CASE: "on" }))).toBe(true);
  });
});
