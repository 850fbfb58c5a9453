import { describe, expect, it } from "vitest";
import { readConfig } from "./config.js";

describe("readConfig", () => {
  it("defaults for local mode: local key, extractive answers", () => {
    const config = readConfig({ EMBEDDING_MODEL: "@local/universal-sentence-encoder" }, "local");
    expect(config.apiKey).toBe("local-dev-key");
    expect(config.generator).toEqual({ kind: "extractive", model: "extractive" });
    expect(config.embedding).toEqual({ provider: "workers-ai", model: "@local/universal-sentence-encoder" });
    expect(config.fusion).toEqual({ method: "rrf", k: 60, keywordWeight: 1, vectorWeight: 1, normalization: "minmax" });
  });

  it("defaults for Cloudflare mode: no key unless set, Workers AI", () => {
    const config = readConfig({}, "cloudflare");
    expect(config.apiKey).toBeUndefined();
    expect(config.generator.kind).toBe("workers-ai");
    expect(config.embedding.model).toBe("@cf/baai/bge-base-en-v1.5");
  });

  it("picks the OpenAI-compatible generator when LLM_BASE_URL is set", () => {
    const config = readConfig({ LLM_BASE_URL: "http://localhost:11434/v1", LLM_MODEL: "llama3.1", GENERATOR: "auto" }, "local");
    expect(config.generator).toMatchObject({ kind: "openai", baseUrl: "http://localhost:11434/v1", model: "llama3.1" });
  });

  it.each([
    [{ CHUNK_MAX_TOKENS: "abc" }, /CHUNK_MAX_TOKENS/],
    [{ CHUNK_MAX_TOKENS: "100", CHUNK_OVERLAP_TOKENS: "60" }, /CHUNK_OVERLAP_TOKENS/],
    [{ HYBRID_RRF_K: "-1" }, /HYBRID_RRF_K/],
    [{ HYBRID_KEYWORD_WEIGHT: "0", HYBRID_VECTOR_WEIGHT: "0" }, /both be 0/],
    [{ GENERATOR: "gpt" }, /GENERATOR/],
    [{ HYBRID_METHOD: "sum" }, /HYBRID_METHOD/],
    [{ HYBRID_NORMALIZATION: "rank" }, /HYBRID_NORMALIZATION/],
    [{ GENERATOR: "openai" }, /LLM_BASE_URL/],
    [{ EMBEDDING_PROVIDER: "openai" }, /EMBEDDING_MODEL/],
  ])("rejects invalid settings %j", (source, message) => {
    expect(() => readConfig(source, "local")).toThrow(message);
  });

  it("reads the Anthropic generator from GENERATOR=anthropic, in either mode", () => {
    const source = { GENERATOR: "anthropic", ANTHROPIC_API_KEY: "sk-ant-test", ANTHROPIC_MODEL: "claude-test", GENERATION_MAX_TOKENS: "512" };
    expect(readConfig(source, "cloudflare").generator).toEqual({ kind: "anthropic", model: "claude-test", baseUrl: "https://api.anthropic.com", apiKey: "sk-ant-test", maxTokens: 512 });
    expect(readConfig({ ...source, ANTHROPIC_BASE_URL: "http://127.0.0.1:9999" }, "local").generator).toMatchObject({ kind: "anthropic", baseUrl: "http://127.0.0.1:9999" });
    // Not picked by "auto": naming it is required.
    expect(readConfig({ ANTHROPIC_API_KEY: "k", ANTHROPIC_MODEL: "m" }, "local").generator.kind).toBe("extractive");
  });

  it.each([
    [{ GENERATOR: "anthropic", ANTHROPIC_MODEL: "claude-test" }, /ANTHROPIC_API_KEY/],
    [{ GENERATOR: "anthropic", ANTHROPIC_API_KEY: "k" }, /ANTHROPIC_MODEL/],
    [{ GENERATOR: "anthropic", ANTHROPIC_API_KEY: "k", ANTHROPIC_MODEL: "m", ANTHROPIC_BASE_URL: "api.anthropic.com" }, /ANTHROPIC_BASE_URL/],
  ])("rejects an incomplete Anthropic configuration %j", (source, message) => {
    expect(() => readConfig(source, "cloudflare")).toThrow(message);
  });

  it("refuses Workers AI generation in local mode", () => {
    expect(() => readConfig({ GENERATOR: "workers-ai" }, "local")).toThrow(/local mode/);
  });

  it("reads EMBEDDING_NORMALIZE_CASE: auto by default, on, off; anything else is refused", () => {
    expect(readConfig({}, "local").embeddingNormalizeCase).toBe("auto");
    expect(readConfig({ EMBEDDING_NORMALIZE_CASE: "on" }, "local").embeddingNormalizeCase).toBe("on");
    expect(readConfig({ EMBEDDING_NORMALIZE_CASE: " off " }, "cloudflare").embeddingNormalizeCase).toBe("off");
    expect(() => readConfig({ EMBEDDING_NORMALIZE_CASE: "yes" }, "local")).toThrow(/EMBEDDING_NORMALIZE_CASE/);
  });

  it("reads the grounding gate (GROUNDING_*): on with its defaults; invalid values are refused", () => {
    expect(readConfig({}, "local").grounding).toMatchObject({ enabled: true, minCoverage: 0.5, minVectorScore: 0.3, minRerankScore: null });
    expect(readConfig({ GROUNDING_GATE: "off", GROUNDING_MIN_COVERAGE: "0.6", GROUNDING_MIN_VECTOR_SCORE: "0.2" }, "cloudflare").grounding).toMatchObject({
      enabled: false,
      minCoverage: 0.6,
      minVectorScore: 0.2,
    });
    expect(() => readConfig({ GROUNDING_MIN_VECTOR_SCORE: "2" }, "local")).toThrow(/GROUNDING_MIN_VECTOR_SCORE/);
  });
});

describe("readConfig: the answer cache", () => {
  it("defaults to a day, 1000 entries per tenant and 0.8 similarity; 0 turns it off; bad values fail", () => {
    expect(readConfig({}, "local").answerCache).toEqual({ ttlSeconds: 86_400, maxEntries: 1000, similarity: 0.8, settleSeconds: 0 });
    expect(readConfig({}, "cloudflare").answerCache.settleSeconds).toBe(60);
    expect(readConfig({ ANSWER_CACHE_TTL_SECONDS: "0", ANSWER_CACHE_MAX_ENTRIES: "5", ANSWER_CACHE_SIMILARITY: "1", ANSWER_CACHE_SETTLE_SECONDS: "5" }, "cloudflare").answerCache).toEqual({
      ttlSeconds: 0,
      maxEntries: 5,
      similarity: 1,
      settleSeconds: 5,
    });
    expect(() => readConfig({ ANSWER_CACHE_SETTLE_SECONDS: "-1" }, "local")).toThrow(/ANSWER_CACHE_SETTLE_SECONDS/);
    expect(() => readConfig({ ANSWER_CACHE_TTL_SECONDS: "-1" }, "local")).toThrow(/ANSWER_CACHE_TTL_SECONDS/);
    expect(() => readConfig({ ANSWER_CACHE_MAX_ENTRIES: "0" }, "local")).toThrow(/ANSWER_CACHE_MAX_ENTRIES/);
    expect(() => readConfig({ ANSWER_CACHE_SIMILARITY: "1.5" }, "local")).toThrow(/ANSWER_CACHE_SIMILARITY/);
  });
});
