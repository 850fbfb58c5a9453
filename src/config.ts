/**
 * Reads the worker's variables and secrets into a typed configuration, with
 * the defaults of each mode. Invalid values fail loudly (MISCONFIGURED) instead
 * of silently falling back.
 */
import { AppError } from "./core/errors.js";
import { defaultChunkingOptions, type ChunkingOptions } from "./core/chunking/chunker.js";
import { parseGroundingGateSettings, type GroundingGateSettings } from "./core/answer/grounding-gate.js";
import { defaultFusionSettings, type FusionSettings } from "./core/search/hybrid-fusion.js";
import { defaultKeywordExpansion, type KeywordExpansionOptions } from "./core/search/keyword-expansion.js";
import { defaultAnswerCacheSimilarity } from "./core/answer-cache/question-match.js";
import { logLevels, type LogLevel } from "./services/logger.js";
import { defaultUsageLimits, limitNames, limitVariable, type UsageLimitValues } from "./services/usage-limits.js";

export type Mode = "local" | "cloudflare";

export type { FusionSettings };

export type EmbeddingConfig =
  | { provider: "workers-ai"; model: string }
  | { provider: "openai"; model: string; baseUrl: string; apiKey?: string; dimensions?: number };

/** EMBEDDING_NORMALIZE_CASE: lower-case all-caps text before embedding — for models known to be cased (auto), always (on) or never (off). */
export type CaseNormalization = "auto" | "on" | "off";

export type GeneratorConfig =
  | { kind: "workers-ai"; model: string; maxTokens: number }
  | { kind: "openai"; model: string; baseUrl: string; apiKey?: string; maxTokens: number }
  | { kind: "anthropic"; model: string; baseUrl: string; apiKey: string; maxTokens: number }
  | { kind: "extractive"; model: "extractive" };

export interface RerankConfig {
  /** Cross-encoder model; undefined disables reranking. */
  model: string | undefined;
  /** Default for searches that do not say (an index's own setting overrides it). */
  byDefault: boolean;
  /** How many fused candidates the reranker re-scores. */
  candidates: number;
}

export const defaultRerankModel = "@cf/baai/bge-reranker-base";

export interface ResilienceConfig {
  /** Attempts per provider call; undefined keeps each call's own default (2–4). */
  maxAttempts: number | undefined;
  /** Failures in a row that open a provider's circuit breaker (MAX_SAFE_INTEGER: no breaker). */
  breakerFailures: number;
  breakerCooldownMs: number;
  /**
   * Per-attempt limits (undefined: the defaults of services/resilient-*.ts,
   * sized for Workers AI). Local mode runs models on the CPU of the machine
   * and defaults to far longer limits.
   */
  queryEmbeddingTimeoutMs: number | undefined;
  documentEmbeddingTimeoutMs: number | undefined;
  rerankTimeoutMs: number | undefined;
  firstTokenTimeoutMs: number | undefined;
  vectorQueryTimeoutMs: number | undefined;
}

export interface AppConfig {
  mode: Mode;
  /** The admin key. Undefined only when it is missing in production (every request then fails). */
  apiKey: string | undefined;
  embedding: EmbeddingConfig;
  /** Whether all-caps text is lower-cased before embedding (services/case-normalizing-embedder.ts). */
  embeddingNormalizeCase: CaseNormalization;
  generator: GeneratorConfig;
  chunking: ChunkingOptions;
  /** Default fusion settings; an index's own setting (PUT /v1/index/settings) overrides them. */
  fusion: FusionSettings;
  /** First retry delay of a failed ingestion attempt, doubling per attempt. */
  ingestRetryBaseSeconds: number;
  /** How often an ingestion message is put back while a provider is down before ordinary retries take over. */
  ingestMaxDeferrals: number;
  /** Unfinished documents a tenant may have before ingestion answers 429 (0: no bound). */
  ingestMaxBacklog: number;
  /** Retry-After of that 429. */
  ingestBacklogRetryAfterSeconds: number;
  /** Largest file POST /v1/documents accepts as an upload (multipart/form-data). */
  uploadMaxBytes: number;
  /** Website sources (POST /v1/sources): the SSRF guard's local-testing switch, the max_pages ceiling, fetches per second per source. */
  sources: { allowPrivateHosts: boolean; maxPagesCeiling: number; fetchesPerSecond: number };
  /** Keyword-leg pseudo-relevance feedback (KEYWORD_EXPANSION=rm3), or null when off (the default). */
  keywordExpansion: KeywordExpansionOptions | null;
  /** Largest `top_k` /v1/search accepts (≤ 100, Vectorize's own limit). */
  searchMaxTopK: number;
  /** Query embeddings remembered per isolate and model (0: none). */
  queryEmbeddingCacheSize: number;
  rerank: RerankConfig;
  /** Timeouts, retries and circuit breakers of provider calls (see services/resilient-*.ts). */
  resilience: ResilienceConfig;
  /** Default rate limits and daily budgets of tenant keys (0 = off); a tenant's own limits override them. */
  limits: UsageLimitValues;
  logLevel: LogLevel;
  /** The retrieval-confidence gate before generation (GROUNDING_*; core/answer/grounding-gate.ts). */
  grounding: GroundingGateSettings;
  /** Chat's answer cache (ANSWER_CACHE_*; services/answer-cache/answer-cache.ts): TTL (0: off), entries per tenant, near-duplicate similarity, seconds after a content change with nothing stored. */
  answerCache: { ttlSeconds: number; maxEntries: number; similarity: number; settleSeconds: number };
}

/** The variables this module reads; a structural subset of `Env`. */
export interface ConfigSource {
  API_KEY?: string;
  EMBEDDING_PROVIDER?: string;
  EMBEDDING_MODEL?: string;
  EMBEDDING_BASE_URL?: string;
  EMBEDDING_API_KEY?: string;
  EMBEDDING_DIMENSIONS?: string;
  EMBEDDING_NORMALIZE_CASE?: string;
  GENERATOR?: string;
  GENERATION_MODEL?: string;
  GENERATION_MAX_TOKENS?: string;
  LLM_BASE_URL?: string;
  LLM_API_KEY?: string;
  LLM_MODEL?: string;
  ANTHROPIC_API_KEY?: string;
  ANTHROPIC_MODEL?: string;
  ANTHROPIC_BASE_URL?: string;
  CHUNK_MAX_TOKENS?: string;
  CHUNK_OVERLAP_TOKENS?: string;
  HYBRID_METHOD?: string;
  KEYWORD_EXPANSION?: string;
  KEYWORD_EXPANSION_DOCS?: string;
  KEYWORD_EXPANSION_TERMS?: string;
  KEYWORD_EXPANSION_ORIGINAL_WEIGHT?: string;
  HYBRID_NORMALIZATION?: string;
  HYBRID_RRF_K?: string;
  HYBRID_KEYWORD_WEIGHT?: string;
  HYBRID_VECTOR_WEIGHT?: string;
  INGEST_RETRY_BASE_SECONDS?: string;
  INGEST_MAX_DEFERRALS?: string;
  INGEST_MAX_BACKLOG?: string;
  INGEST_BACKLOG_RETRY_AFTER_SECONDS?: string;
  UPLOAD_MAX_BYTES?: string;
  SOURCES_ALLOW_PRIVATE_HOSTS?: string;
  SOURCES_MAX_PAGES?: string;
  SOURCES_FETCHES_PER_SECOND?: string;
  SEARCH_MAX_TOP_K?: string;
  PROVIDER_MAX_ATTEMPTS?: string;
  PROVIDER_BREAKER_FAILURES?: string;
  PROVIDER_BREAKER_COOLDOWN_SECONDS?: string;
  EMBEDDING_QUERY_TIMEOUT_MS?: string;
  RERANK_TIMEOUT_MS?: string;
  GENERATION_FIRST_TOKEN_TIMEOUT_MS?: string;
  VECTOR_QUERY_TIMEOUT_MS?: string;
  QUERY_EMBEDDING_CACHE_SIZE?: string;
  LOG_LEVEL?: string;
  RERANK_MODEL?: string;
  RERANK_BY_DEFAULT?: string;
  RERANK_CANDIDATES?: string;
  GROUNDING_GATE?: string;
  GROUNDING_MIN_COVERAGE?: string;
  GROUNDING_MIN_VECTOR_SCORE?: string;
  GROUNDING_MIN_RERANK_SCORE?: string;
  RATE_LIMIT_REQUESTS_PER_MINUTE_PER_KEY?: string;
  RATE_LIMIT_CHAT_PER_MINUTE_PER_IP?: string;
  RATE_LIMIT_SEARCH_PER_MINUTE_PER_IP?: string;
  RATE_LIMIT_INGEST_PER_MINUTE_PER_KEY?: string;
  RATE_LIMIT_DAILY_REQUESTS_PER_KEY?: string;
  RATE_LIMIT_DAILY_TOKENS_PER_KEY?: string;
  ANSWER_CACHE_TTL_SECONDS?: string;
  ANSWER_CACHE_MAX_ENTRIES?: string;
  ANSWER_CACHE_SIMILARITY?: string;
  ANSWER_CACHE_SETTLE_SECONDS?: string;
}

export const localDevApiKey = "local-dev-key";
/** UPLOAD_MAX_BYTES: its default (10 MiB) and its largest allowed value (32 MiB). */
export const defaultUploadMaxBytes = 10 * 1024 * 1024;
export const maxUploadMaxBytes = 32 * 1024 * 1024;
export const defaultGenerationModel = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";
export const defaultEmbeddingModel = "@cf/baai/bge-base-en-v1.5";
export const defaultAnthropicBaseUrl = "https://api.anthropic.com";

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
  const embeddingNormalizeCase = value("EMBEDDING_NORMALIZE_CASE") ?? "auto";
  if (!["auto", "on", "off"].includes(embeddingNormalizeCase)) {
    throw misconfigured(`EMBEDDING_NORMALIZE_CASE must be "auto", "on" or "off" (got "${embeddingNormalizeCase}")`);
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
  } else if (generatorKind === "anthropic") {
    const apiKey = value("ANTHROPIC_API_KEY");
    const model = value("ANTHROPIC_MODEL");
    if (!apiKey || !model) throw misconfigured("GENERATOR=anthropic needs ANTHROPIC_API_KEY and ANTHROPIC_MODEL");
    const baseUrl = value("ANTHROPIC_BASE_URL") ?? defaultAnthropicBaseUrl;
    if (!/^https?:\/\/[^\s/]/i.test(baseUrl)) throw misconfigured(`ANTHROPIC_BASE_URL must be an http(s) URL (got "${baseUrl}")`);
    generator = { kind: "anthropic", model, baseUrl, apiKey, maxTokens };
  } else if (generatorKind === "workers-ai") {
    if (mode === "local") throw misconfigured("GENERATOR=workers-ai needs the Workers AI binding, which local mode does not have; use extractive or an OpenAI-compatible LLM_BASE_URL");
    generator = { kind: "workers-ai", model: value("GENERATION_MODEL") ?? defaultGenerationModel, maxTokens };
  } else {
    throw misconfigured(`GENERATOR must be "auto", "workers-ai", "openai", "anthropic" or "extractive" (got "${generatorKind}")`);
  }

  const chunkMax = number("CHUNK_MAX_TOKENS", defaultChunkingOptions.maxTokens, (n) => Number.isInteger(n) && n >= 16 && n <= 8192, "an integer between 16 and 8192");
  const chunkOverlap = number("CHUNK_OVERLAP_TOKENS", Math.min(defaultChunkingOptions.overlapTokens, Math.floor(chunkMax / 4)), (n) => Number.isInteger(n) && n >= 0 && n < chunkMax / 2, "a non-negative integer below half of CHUNK_MAX_TOKENS");

  const weight = (name: keyof ConfigSource, fallback: number) => number(name, fallback, (n) => n >= 0 && n <= 100, "a number between 0 and 100");
  const method = value("HYBRID_METHOD") ?? defaultFusionSettings.method;
  if (method !== "rrf" && method !== "convex") throw misconfigured(`HYBRID_METHOD must be "rrf" or "convex" (got "${method}")`);
  const normalization = value("HYBRID_NORMALIZATION") ?? defaultFusionSettings.normalization;
  if (normalization !== "minmax" && normalization !== "zscore") throw misconfigured(`HYBRID_NORMALIZATION must be "minmax" or "zscore" (got "${normalization}")`);
  const fusion: FusionSettings = {
    method,
    k: number("HYBRID_RRF_K", defaultFusionSettings.k, (n) => n >= 0 && n <= 1000, "a number between 0 and 1000"),
    keywordWeight: weight("HYBRID_KEYWORD_WEIGHT", defaultFusionSettings.keywordWeight),
    vectorWeight: weight("HYBRID_VECTOR_WEIGHT", defaultFusionSettings.vectorWeight),
    normalization,
  };
  if (fusion.keywordWeight === 0 && fusion.vectorWeight === 0) throw misconfigured("HYBRID_KEYWORD_WEIGHT and HYBRID_VECTOR_WEIGHT cannot both be 0");

  // RERANK_MODEL = "" (as in [env.local]) turns reranking off; unset means the default model on Cloudflare.
  const rerankModel = source.RERANK_MODEL === undefined ? (mode === "cloudflare" ? defaultRerankModel : undefined) : value("RERANK_MODEL");
  const byDefault = value("RERANK_BY_DEFAULT") ?? "false";
  if (byDefault !== "true" && byDefault !== "false") throw misconfigured(`RERANK_BY_DEFAULT must be "true" or "false" (got "${byDefault}")`);
  if (byDefault === "true" && !rerankModel) throw misconfigured("RERANK_BY_DEFAULT=true needs RERANK_MODEL");
  const rerank: RerankConfig = {
    model: rerankModel,
    byDefault: byDefault === "true",
    candidates: number("RERANK_CANDIDATES", 20, (n) => Number.isInteger(n) && n >= 1 && n <= 100, "an integer between 1 and 100"),
  };

  const limits = { ...defaultUsageLimits };
  for (const name of limitNames) {
    limits[name] = number(limitVariable(name), defaultUsageLimits[name], (n) => Number.isInteger(n) && n >= 0 && n <= 1_000_000_000, "a whole number from 0 (no limit) to 1000000000");
  }

  const optional = (name: keyof ConfigSource, check: (n: number) => boolean, rule: string) => (value(name) === undefined ? undefined : number(name, 0, check, rule));
  const timeout = (name: keyof ConfigSource) => optional(name, (n) => Number.isInteger(n) && n >= 100 && n <= 600_000, "a number of milliseconds between 100 and 600000");
  const localDefault = (ms: number) => (mode === "local" ? ms : undefined);
  const breakerFailures = number("PROVIDER_BREAKER_FAILURES", 5, (n) => Number.isInteger(n) && n >= 0 && n <= 10_000, "an integer between 0 (no breaker) and 10000");
  const resilience: ResilienceConfig = {
    maxAttempts: optional("PROVIDER_MAX_ATTEMPTS", (n) => Number.isInteger(n) && n >= 1 && n <= 10, "an integer between 1 and 10"),
    breakerFailures: breakerFailures === 0 ? Number.MAX_SAFE_INTEGER : breakerFailures,
    breakerCooldownMs: 1000 * number("PROVIDER_BREAKER_COOLDOWN_SECONDS", 30, (n) => n >= 1 && n <= 3600, "a number of seconds between 1 and 3600"),
    queryEmbeddingTimeoutMs: timeout("EMBEDDING_QUERY_TIMEOUT_MS") ?? localDefault(30_000),
    documentEmbeddingTimeoutMs: localDefault(300_000),
    rerankTimeoutMs: timeout("RERANK_TIMEOUT_MS") ?? localDefault(30_000),
    firstTokenTimeoutMs: timeout("GENERATION_FIRST_TOKEN_TIMEOUT_MS"),
    vectorQueryTimeoutMs: timeout("VECTOR_QUERY_TIMEOUT_MS") ?? localDefault(30_000),
  };

  const flag = (name: keyof ConfigSource): boolean => {
    const raw = value(name) ?? "false";
    if (raw !== "true" && raw !== "false") throw misconfigured(`${name} must be "true" or "false" (got "${raw}")`);
    return raw === "true";
  };

  const logLevel = value("LOG_LEVEL") ?? "info";
  if (!(logLevels as readonly string[]).includes(logLevel)) throw misconfigured(`LOG_LEVEL must be one of ${logLevels.join(", ")} (got "${logLevel}")`);

  return {
    mode,
    apiKey: value("API_KEY") ?? (mode === "local" ? localDevApiKey : undefined),
    embedding,
    embeddingNormalizeCase: embeddingNormalizeCase as CaseNormalization,
    generator,
    chunking: { maxTokens: chunkMax, overlapTokens: chunkOverlap },
    fusion,
    ingestRetryBaseSeconds: number("INGEST_RETRY_BASE_SECONDS", 10, (n) => n >= 0 && n <= 300, "a number of seconds between 0 and 300"),
    ingestMaxDeferrals: number("INGEST_MAX_DEFERRALS", 144, (n) => Number.isInteger(n) && n >= 0 && n <= 10_000, "an integer between 0 and 10000"),
    ingestMaxBacklog: number("INGEST_MAX_BACKLOG", 10_000, (n) => Number.isInteger(n) && n >= 0 && n <= 100_000_000, "a whole number from 0 (no bound) to 100000000"),
    queryEmbeddingCacheSize: number("QUERY_EMBEDDING_CACHE_SIZE", 500, (n) => Number.isInteger(n) && n >= 0 && n <= 5_000, "an integer between 0 (no cache) and 5000"),
    ingestBacklogRetryAfterSeconds: number("INGEST_BACKLOG_RETRY_AFTER_SECONDS", 30, (n) => Number.isInteger(n) && n >= 1 && n <= 3600, "an integer between 1 and 3600"),
    // At most 32 MiB: the file, the request body and pdf.js's work on it must fit in a Worker's 128 MB.
    uploadMaxBytes: number("UPLOAD_MAX_BYTES", defaultUploadMaxBytes, (n) => Number.isInteger(n) && n >= 1 && n <= maxUploadMaxBytes, `a whole number of bytes from 1 to ${maxUploadMaxBytes}`),
    logLevel: logLevel as LogLevel,
    sources: {
      allowPrivateHosts: flag("SOURCES_ALLOW_PRIVATE_HOSTS"),
      maxPagesCeiling: number("SOURCES_MAX_PAGES", 1000, (n) => Number.isInteger(n) && n >= 1 && n <= 10_000, "a whole number from 1 to 10000"),
      fetchesPerSecond: number("SOURCES_FETCHES_PER_SECOND", 1, (n) => n > 0 && n <= 20, "a number above 0, at most 20"),
    },
    rerank,
    resilience,
    limits,
    searchMaxTopK: number("SEARCH_MAX_TOP_K", 50, (n) => Number.isInteger(n) && n >= 1 && n <= 100, "an integer between 1 and 100"),
    keywordExpansion: readKeywordExpansion(value, number),
    grounding: readGrounding(value),
    answerCache: {
      ttlSeconds: number("ANSWER_CACHE_TTL_SECONDS", 86_400, (n) => Number.isInteger(n) && n >= 0 && n <= 30 * 86_400, "a whole number of seconds from 0 (off) to 2592000 (30 days)"),
      maxEntries: number("ANSWER_CACHE_MAX_ENTRIES", 1000, (n) => Number.isInteger(n) && n >= 1 && n <= 100_000, "an integer between 1 and 100000"),
      similarity: number("ANSWER_CACHE_SIMILARITY", defaultAnswerCacheSimilarity, (n) => n > 0 && n <= 1, "a number above 0, at most 1 (1: the same word pairs only)"),
      // Vectorize applies writes seconds after acknowledging them; the local stand-in applies them at once.
      settleSeconds: number("ANSWER_CACHE_SETTLE_SECONDS", mode === "local" ? 0 : 60, (n) => Number.isInteger(n) && n >= 0 && n <= 3600, "a whole number of seconds from 0 to 3600"),
    },
  };
}

/** GROUNDING_GATE and its thresholds (core/answer/grounding-gate.ts). */
function readGrounding(value: (name: keyof ConfigSource) => string | undefined): GroundingGateSettings {
  const settings = parseGroundingGateSettings((name) => value(name as keyof ConfigSource));
  if (typeof settings === "string") throw misconfigured(settings);
  return settings;
}

/** KEYWORD_EXPANSION: "off" (default) or "rm3", with its KEYWORD_EXPANSION_* parameters. */
function readKeywordExpansion(
  value: (name: keyof ConfigSource) => string | undefined,
  number: (name: keyof ConfigSource, fallback: number, valid: (n: number) => boolean, expected: string) => number,
): KeywordExpansionOptions | null {
  const method = value("KEYWORD_EXPANSION") ?? "off";
  if (method !== "off" && method !== "rm3") throw misconfigured(`KEYWORD_EXPANSION must be "off" or "rm3" (got "${method}")`);
  if (method === "off") return null;
  return {
    feedbackDocs: number("KEYWORD_EXPANSION_DOCS", defaultKeywordExpansion.feedbackDocs, (n) => Number.isInteger(n) && n >= 1 && n <= 50, "an integer between 1 and 50"),
    terms: number("KEYWORD_EXPANSION_TERMS", defaultKeywordExpansion.terms, (n) => Number.isInteger(n) && n >= 1 && n <= 50, "an integer between 1 and 50"),
    originalWeight: number("KEYWORD_EXPANSION_ORIGINAL_WEIGHT", defaultKeywordExpansion.originalWeight, (n) => n >= 0 && n <= 1, "a number between 0 and 1"),
  };
}

function misconfigured(message: string): AppError {
  return new AppError("MISCONFIGURED", `configuration error: ${message}`);
}
