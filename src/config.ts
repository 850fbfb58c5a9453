/**
 * Reads the worker's variables and secrets into a typed configuration, with
 * the defaults of each mode. Invalid values fail loudly (MISCONFIGURED) instead
 * of silently falling back.
 */
import { AppError } from "./core/errors.js";
import { defaultChunkingOptions, type ChunkingOptions } from "./core/chunking/chunker.js";

export type Mode = "local" | "cloudflare";

export interface FusionSettings {
  /** RRF constant (default 60). */
  k: number;
  keywordWeight: number;
  vectorWeight: number;
}

export type EmbeddingConfig =
  | { provider: "workers-ai"; model: string }
  | { provider: "openai"; model: string; baseUrl: string; apiKey?: string; dimensions?: number };

export type GeneratorConfig =
  | { kind: "workers-ai"; model: string; maxTokens: number }
  | { kind: "openai"; model: string; baseUrl: string; apiKey?: string; maxTokens: number }
  | { kind: "extractive"; model: "extractive" };

export interface AppConfig {
  mode: Mode;
  /** The admin key. Undefined only when it is missing in production (every request then fails). */
  apiKey: string | undefined;
  embedding: EmbeddingConfig;
  generator: GeneratorConfig;
  chunking: ChunkingOptions;
  fusion: FusionSettings;
  /** First retry delay of a failed ingestion attempt, doubling per attempt. */
  ingestRetryBaseSeconds: number;
}

/** The variables this module reads; a structural subset of `Env`. */
export interface ConfigSource {
  API_KEY?: string;
  EMBEDDING_PROVIDER?: string;
  EMBEDDING_MODEL?: string;
  EMBEDDING_BASE_URL?: string;
  EMBEDDING_API_KEY?: string;
  EMBEDDING_DIMENSIONS?: string;
  GENERATOR?: string;
  GENERATION_MODEL?: string;
  GENERATION_MAX_TOKENS?: string;
  LLM_BASE_URL?: string;
  LLM_API_KEY?: string;
  LLM_MODEL?: string;
  CHUNK_MAX_TOKENS?: string;
  CHUNK_OVERLAP_TOKENS?: string;
  HYBRID_RRF_K?: string;
  HYBRID_KEYWORD_WEIGHT?: string;
  HYBRID_VECTOR_WEIGHT?: string;
  INGEST_RETRY_BASE_SECONDS?: string;
}

export const localDevApiKey = "local-dev-key";
export const defaultGenerationModel = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";
export const defaultEmbeddingModel = "@cf/baai/bge-base-en-v1.5";

export function readConfig(source: ConfigSource, mode: Mode): AppConfig {
  const value = (name: keyof ConfigSource): string | undefined => {
    const raw = source[name];
    return typeof raw === "string" && raw.trim() !== "" ? raw.trim() : undefined;
  };
  const number = (name: keyof ConfigSource, fallback: number, check: (n: number) => boolean, rule: string): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed) || !check(parsed)) throw misconfigured(`${name} must be ${rule} (got "${raw}")`);
    return parsed;
  };

  const llmBaseUrl = value("LLM_BASE_URL");

  const embeddingProvider = value("EMBEDDING_PROVIDER") ?? "workers-ai";
  let embedding: EmbeddingConfig;
  if (embeddingProvider === "workers-ai") {
    embedding = { provider: "workers-ai", model: value("EMBEDDING_MODEL") ?? defaultEmbeddingModel };
  } else if (embeddingProvider === "openai") {
    const baseUrl = value("EMBEDDING_BASE_URL") ?? llmBaseUrl;
    const model = value("EMBEDDING_MODEL");
    if (!baseUrl || !model) throw misconfigured("EMBEDDING_PROVIDER=openai needs EMBEDDING_MODEL and EMBEDDING_BASE_URL (or LLM_BASE_URL)");
    const dimensions = value("EMBEDDING_DIMENSIONS") === undefined
      ? undefined
      : number("EMBEDDING_DIMENSIONS", 0, (n) => Number.isInteger(n) && n > 0 && n <= 1536, "an integer between 1 and 1536");
    embedding = { provider: "openai", model, baseUrl, apiKey: value("EMBEDDING_API_KEY") ?? value("LLM_API_KEY"), dimensions };
  } else {
    throw misconfigured(`EMBEDDING_PROVIDER must be "workers-ai" or "openai" (got "${embeddingProvider}")`);
  }

  const maxTokens = number("GENERATION_MAX_TOKENS", 1024, (n) => Number.isInteger(n) && n >= 16 && n <= 8192, "an integer between 16 and 8192");
  let generatorKind = value("GENERATOR") ?? "auto";
  if (generatorKind === "auto") generatorKind = llmBaseUrl ? "openai" : mode === "local" ? "extractive" : "workers-ai";
  let generator: GeneratorConfig;
  if (generatorKind === "extractive") {
    generator = { kind: "extractive", model: "extractive" };
  } else if (generatorKind === "openai") {
    const model = value("LLM_MODEL");
    if (!llmBaseUrl || !model) throw misconfigured("GENERATOR=openai needs LLM_BASE_URL and LLM_MODEL");
    generator = { kind: "openai", model, baseUrl: llmBaseUrl, apiKey: value("LLM_API_KEY"), maxTokens };
  } else if (generatorKind === "workers-ai") {
    if (mode === "local") throw misconfigured("GENERATOR=workers-ai needs the Workers AI binding, which local mode does not have; use extractive or an OpenAI-compatible LLM_BASE_URL");
    generator = { kind: "workers-ai", model: value("GENERATION_MODEL") ?? defaultGenerationModel, maxTokens };
  } else {
    throw misconfigured(`GENERATOR must be "auto", "workers-ai", "openai" or "extractive" (got "${generatorKind}")`);
  }

  const chunkMax = number("CHUNK_MAX_TOKENS", defaultChunkingOptions.maxTokens, (n) => Number.isInteger(n) && n >= 16 && n <= 8192, "an integer between 16 and 8192");
  const chunkOverlap = number("CHUNK_OVERLAP_TOKENS", Math.min(defaultChunkingOptions.overlapTokens, Math.floor(chunkMax / 4)), (n) => Number.isInteger(n) && n >= 0 && n < chunkMax / 2, "a non-negative integer below half of CHUNK_MAX_TOKENS");

  const weight = (name: keyof ConfigSource) => number(name, 1, (n) => n >= 0 && n <= 100, "a number between 0 and 100");
  const fusion: FusionSettings = {
    k: number("HYBRID_RRF_K", 60, (n) => n >= 0 && n <= 1000, "a number between 0 and 1000"),
    keywordWeight: weight("HYBRID_KEYWORD_WEIGHT"),
    vectorWeight: weight("HYBRID_VECTOR_WEIGHT"),
  };
  if (fusion.keywordWeight === 0 && fusion.vectorWeight === 0) throw misconfigured("HYBRID_KEYWORD_WEIGHT and HYBRID_VECTOR_WEIGHT cannot both be 0");

  return {
    mode,
    apiKey: value("API_KEY") ?? (mode === "local" ? localDevApiKey : undefined),
    embedding,
    generator,
    chunking: { maxTokens: chunkMax, overlapTokens: chunkOverlap },
    fusion,
    ingestRetryBaseSeconds: number("INGEST_RETRY_BASE_SECONDS", 10, (n) => n >= 0 && n <= 300, "a number of seconds between 0 and 300"),
  };
}

function misconfigured(message: string): AppError {
  return new AppError("MISCONFIGURED", `configuration error: ${message}`);
}
