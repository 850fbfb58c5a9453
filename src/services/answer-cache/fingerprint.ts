/**
 * The deployment's answer-affecting configuration, as one string the answer
 * cache's scope includes: a cached answer is only served by a deployment that
 * would answer the same way. The generator and its model and length limit,
 * the embedding model, chunking, fusion defaults, keyword expansion,
 * reranking defaults and the grounding gate — never a secret (API keys are
 * left out). Code changes are not in it: after deploying a change to how
 * answers are written, purge the cache (DELETE /v1/cache) or bump
 * `cacheFormat`.
 */
import type { AppConfig } from "../../config.js";

/** Bumped when the stored payload or the way answers are written changes incompatibly. */
const cacheFormat = 1;

export function answerCacheFingerprint(config: Pick<AppConfig, "generator" | "embedding" | "embeddingNormalizeCase" | "chunking" | "fusion" | "keywordExpansion" | "rerank" | "grounding">): string {
  const { generator, embedding } = config;
  return JSON.stringify({
    format: cacheFormat,
    generator: {
      kind: generator.kind,
      model: generator.model,
      ...("maxTokens" in generator ? { maxTokens: generator.maxTokens } : {}),
      ...("baseUrl" in generator ? { baseUrl: generator.baseUrl } : {}),
    },
    embedding: { provider: embedding.provider, model: embedding.model, ...(embedding.provider === "openai" ? { dimensions: embedding.dimensions ?? null } : {}), normalizeCase: config.embeddingNormalizeCase },
    chunking: config.chunking,
    fusion: config.fusion,
    keywordExpansion: config.keywordExpansion,
    rerank: config.rerank,
    grounding: config.grounding,
  });
}
