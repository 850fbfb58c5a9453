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

  it("refuses Workers AI generation in local mode", () => {
    expect(() => readConfig({ GENERATOR: "workers-ai" }, "local")).toThrow(/local mode/);
  });
});
