/**
 * The composition root: the only place that reads `Env` and picks adapters.
 *
 * - Cloudflare mode: Workers AI (`env.AI`), Vectorize (`env.VECTORIZE`).
 *   Answers may come from an OpenAI-compatible endpoint or Anthropic's
 *   Messages API instead (GENERATOR, in either mode).
 * - Local mode (the LOCAL_SERVICES binding is present, added by the dev
 *   launcher and the test pool): the same Workers AI protocol and Vectorize
 *   interface, served by stand-ins in the host Node process.
 * D1, Queues and the rate limiter's Durable Objects are real in both.
 *
 * Metrics: Workers Analytics Engine (`env.METRICS`, one writer per request
 * or queue batch, as its 250-points-per-invocation limit asks) in Cloudflare
 * mode; in local mode one in-memory instance per isolate (miniflare's
 * Analytics Engine drops every point), which GET /v1/stats reads.
 */
import { AnalyticsEngineMetrics } from "./adapters/cloudflare/analytics-engine-metrics.js";
import { D1ConsistencyStore } from "./adapters/cloudflare/d1-consistency-store.js";
import { D1DocumentStore } from "./adapters/cloudflare/d1-document-store.js";
import { D1TenantStore } from "./adapters/cloudflare/d1-tenant-store.js";
import { D1FeedbackStore } from "./adapters/cloudflare/d1-feedback-store.js";
import { D1StatsStore } from "./adapters/cloudflare/d1-stats-store.js";
import { D1SourceStore } from "./adapters/cloudflare/d1-source-store.js";
import { crawlerAgent, GuardedWebFetcher } from "./adapters/web/guarded-web-fetcher.js";
import { WebsiteSources } from "./services/sources/website-sources.js";
import { DurableObjectRateLimiter } from "./adapters/cloudflare/durable-object-rate-limiter.js";
import { QueueIngestQueue } from "./adapters/cloudflare/queue-ingest-queue.js";
import { R2OriginalStore } from "./adapters/cloudflare/r2-original-store.js";
import { knownCaseSensitivity, WorkersAiEmbedder } from "./adapters/cloudflare/workers-ai-embedder.js";
import { WorkersAiReranker } from "./adapters/cloudflare/workers-ai-reranker.js";
import { WorkersAiGenerator } from "./adapters/cloudflare/workers-ai-generator.js";
import { ExtractiveGenerator } from "./adapters/extractive/extractive-generator.js";
import { InMemoryMetrics } from "./adapters/local/in-memory-metrics.js";
import { LocalAi } from "./adapters/local/local-ai.js";
import { ensureLocalVectorIndex, LocalVectorizeIndex } from "./adapters/local/local-vectorize-index.js";
import { OpenAiCompatibleEmbedder } from "./adapters/openai/openai-compatible-embedder.js";
import { OpenAiCompatibleGenerator } from "./adapters/openai/openai-compatible-generator.js";
import { AnthropicGenerator } from "./adapters/anthropic/anthropic-generator.js";
import { readConfig, type AppConfig, type Mode } from "./config.js";
import { AppError } from "./core/errors.js";
import type { AiRunner } from "./ports/ai-runner.js";
import type { Embedder } from "./ports/embedder.js";
import type { Generator } from "./ports/generator.js";
import type { DocumentStore } from "./ports/document-store.js";
import type { IngestMessage, IngestQueue } from "./ports/ingest-queue.js";
import type { OriginalStore } from "./ports/original-store.js";
import { noopMetrics, type Metrics, type MetricsReader } from "./ports/metrics.js";
import type { Reranker } from "./ports/reranker.js";
import type { TenantStore } from "./ports/tenant-store.js";
import type { VectorIndex } from "./ports/vector-index.js";
import { ChatService } from "./services/chat-service.js";
import { AnswerCache } from "./services/answer-cache/answer-cache.js";
import { answerCacheFingerprint } from "./services/answer-cache/fingerprint.js";
import { D1AnswerCacheStore } from "./adapters/cloudflare/d1-answer-cache-store.js";
import { ChatModels } from "./services/chat-models.js";
import { ConsistencyService } from "./services/consistency-service.js";
import { DocumentService } from "./services/document-service.js";
import { FeedbackService } from "./services/feedback-service.js";
import { DemoService } from "./services/demo-service.js";
import { createIndexGuard, type IndexGuard } from "./services/index-guard.js";
import { IngestProcessor } from "./services/ingest/ingest-processor.js";
import { HealthService } from "./services/health-service.js";
import { MaintenanceService } from "./services/maintenance-service.js";
import { createConsoleLogger, type Logger } from "./services/logger.js";
import { AccessService } from "./services/access-service.js";
import { IndexSettings } from "./services/index-settings.js";
import { TenantService } from "./services/tenant-service.js";
import { QueryRewriter } from "./services/query-rewriter.js";
import { providerBreakers } from "./services/provider-breakers.js";
import { ResilientEmbedder } from "./services/resilient-embedder.js";
import type { BindingCallCounter } from "./adapters/instrumentation/binding-call-counter.js";
import { CachedQueryEmbedder } from "./services/cached-query-embedder.js";
import { CaseNormalizingEmbedder } from "./services/case-normalizing-embedder.js";
import { queryRewriteGenerationPolicy, ResilientGenerator } from "./services/resilient-generator.js";
import { ResilientReranker } from "./services/resilient-reranker.js";
import { SearchService } from "./services/search-service.js";
import { StatsService } from "./services/stats-service.js";
import { UsageLimits } from "./services/usage-limits.js";
import type { Services } from "./services/services.js";

export type { Services };

export function modeOf(env: Env): Mode {
  return env.LOCAL_SERVICES ? "local" : "cloudflare";
}

/** Local mode's metrics: one per isolate, shared by its requests and queue batches. */
const localMetrics = new InMemoryMetrics();

/** The in-memory metrics local mode records into (tests read and reset them). */
export function inMemoryMetrics(): InMemoryMetrics {
  return localMetrics;
}

/** The ports of one environment, chosen by mode. Services are built from them; tests and tools may use them directly. */
export interface Adapters {
  mode: Mode;
  config: AppConfig;
  log: Logger;
  store: DocumentStore;
  tenants: TenantStore;
  queue: IngestQueue;
  /** Uploaded files (R2, real in both modes); undefined when the ORIGINALS binding is missing (uploads then answer 500 MISCONFIGURED). */
  originals: OriginalStore | undefined;
  vectors: VectorIndex;
  embedder: Embedder;
  /** Answers (resilient; the extractive generator as it is). */
  generator: Generator;
  /** The language model for query rewriting, under the rewriter's tighter budget; undefined with the extractive generator. */
  rewriter: Generator | undefined;
  reranker: Reranker | undefined;
  guard: IndexGuard;
  metrics: Metrics;
  /** The reading side of the metrics, where the mode has one (local: in-memory). */
  metricsReader: MetricsReader | undefined;
}

/** What `createAdapters` and `createServices` may be given besides `env`. */
export interface CompositionOptions {
  /** Counts the remote calls made through the DB, AI and vector index bindings (the queue consumer's per-batch figures). */
  calls?: BindingCallCounter;
}

/**
 * The local database's instance id (written once by the first migration, never
 * changed), read once per isolate and database: every request and queue batch
 * builds its adapters, and a D1 round trip each time was a tenth of a batch's.
 */
const instanceIds = new WeakMap<D1Database, string>();
async function localInstanceId(database: D1Database, store: D1DocumentStore): Promise<string> {
  // The value, not a promise: a read cancelled with its request must not leave later requests waiting.
  const known = instanceIds.get(database);
  if (known !== undefined) return known;
  const id = (await store.getSetting("instance_id")) ?? "default";
  instanceIds.set(database, id);
  return id;
}

/** Picks the adapters for `env`. Cheap: no I/O except, in local mode, one D1 read per isolate. */
export async function createAdapters(env: Env, options: CompositionOptions = {}): Promise<Adapters> {
  const mode = modeOf(env);
  const config = readConfig(env, mode);
  const log = createConsoleLogger(config.logLevel);
  const { calls } = options;
  const db = calls ? calls.d1(env.DB) : env.DB;
  const store = new D1DocumentStore(db);
  const tenants = new D1TenantStore(db);
  const queue = new QueueIngestQueue(env.INGEST_QUEUE as Queue<IngestMessage>);
  const originals = env.ORIGINALS ? new R2OriginalStore(env.ORIGINALS) : undefined;

  let ai: AiRunner | undefined;
  let vectors: VectorIndex;
  let indexKey: string;
  let prepare: ((info: { dimensions: number }) => Promise<void>) | undefined;
  if (env.LOCAL_SERVICES) {
    const service = env.LOCAL_SERVICES;
    ai = new LocalAi(service);
    // The local vector index belongs to this D1 database: a fresh local
    // database (or test file) starts with a fresh vector index.
    const instanceId = await localInstanceId(env.DB, store);
    indexKey = `local-${instanceId}`;
    vectors = new LocalVectorizeIndex(service, indexKey);
    prepare = async (info) => {
      await ensureLocalVectorIndex(service, indexKey, { dimensions: info.dimensions, metric: "cosine" });
    };
  } else {
    if (!env.VECTORIZE) throw misconfigured("the VECTORIZE binding is missing (see wrangler.toml)");
    // Indexes created today are Vectorize v2; see ports/vector-index.ts.
    vectors = env.VECTORIZE as unknown as VectorIndex;
    indexKey = "vectorize";
    ai = env.AI as AiRunner | undefined;
  }

  if (calls) {
    if (ai) ai = calls.ai(ai);
    vectors = calls.vectorize(vectors);
  }
  const { metrics, metricsReader } = createMetrics(env, log);

  // Every provider call goes through the resilience layer: per-attempt time
  // limits, retries with full-jitter backoff, one circuit breaker per provider
  // (per isolate: services/provider-breakers.ts).
  const { resilience } = config;
  // The registry is per isolate and keeps the handler set last: a change is recorded with the latest request's metrics.
  providerBreakers.onStateChange = (change) => {
    log.warn("provider.breaker", { provider: change.breaker, from: change.from, to: change.to, retry_after_ms: change.retryAfterMs });
    metrics.record({ kind: "provider_breaker", provider: change.breaker, state: change.to });
  };
  // A half-open probe that never settles (its request was cancelled) frees its slot after twice the provider's longest attempt.
  const breaker = (kind: string, model: string, longestAttemptMs = 30_000) =>
    providerBreakers.get(kind, model, {
      failureThreshold: resilience.breakerFailures,
      cooldownMs: resilience.breakerCooldownMs,
      probeTimeoutMs: Math.max(60_000, 2 * longestAttemptMs),
    });
  const attempts = resilience.maxAttempts === undefined ? {} : { maxAttempts: resilience.maxAttempts };
  const resilientEmbedder = new ResilientEmbedder(createEmbedder(config, ai), {
    breaker: breaker(config.embedding.provider, config.embedding.model, resilience.documentEmbeddingTimeoutMs),
    query: { ...attempts, attemptTimeoutMs: resilience.queryEmbeddingTimeoutMs, deadlineMs: resilience.queryEmbeddingTimeoutMs && 2 * resilience.queryEmbeddingTimeoutMs },
    documents: { ...attempts, attemptTimeoutMs: resilience.documentEmbeddingTimeoutMs, deadlineMs: resilience.documentEmbeddingTimeoutMs && 3 * resilience.documentEmbeddingTimeoutMs },
  });
  const cachedEmbedder = new CachedQueryEmbedder(resilientEmbedder, { capacity: config.queryEmbeddingCacheSize });
  // Outermost, so queries and passages alike are normalised and the query cache is keyed by the normalised text.
  const embedder = normalizesCase(config) ? new CaseNormalizingEmbedder(cachedEmbedder) : cachedEmbedder;
  const rawGenerator = createGenerator(config, ai);
  const generatorBreaker = breaker(config.generator.kind, config.generator.model);
  const generator =
    config.generator.kind === "extractive"
      ? rawGenerator
      : new ResilientGenerator(rawGenerator, { breaker: generatorBreaker, policy: { ...attempts, firstEventTimeoutMs: resilience.firstTokenTimeoutMs } });
  const rewriter =
    config.generator.kind === "extractive"
      ? undefined
      : // Its own breaker: the rewrite's tight budget must not trip the answer's breaker on a slow but healthy model.
        new ResilientGenerator(rawGenerator, { breaker: breaker(config.generator.kind, `${config.generator.model}#rewrite`), policy: queryRewriteGenerationPolicy });
  const guard = createIndexGuard({ key: indexKey, store, embedder, vectors, prepare });
  const reranker =
    config.rerank.model && ai
      ? new ResilientReranker(new WorkersAiReranker(ai, config.rerank.model), {
          breaker: breaker("workers-ai", config.rerank.model),
          policy: { ...attempts, attemptTimeoutMs: resilience.rerankTimeoutMs, deadlineMs: resilience.rerankTimeoutMs && 2 * resilience.rerankTimeoutMs },
        })
      : undefined;
  return { mode, config, log, store, tenants, queue, originals, vectors, embedder, generator, rewriter, reranker, guard, metrics, metricsReader };
}

/** Analytics Engine in Cloudflare mode (nothing when the METRICS binding is missing), the isolate's in-memory metrics locally. */
function createMetrics(env: Env, log: Logger): { metrics: Metrics; metricsReader: MetricsReader | undefined } {
  if (env.LOCAL_SERVICES) return { metrics: localMetrics, metricsReader: localMetrics };
  const dataset = env.METRICS;
  if (!dataset) return { metrics: noopMetrics, metricsReader: undefined };
  let reported = false;
  const metrics = new AnalyticsEngineMetrics(dataset, {
    onError(error) {
      if (reported) return;
      reported = true;
      log.warn("metrics.write_failed", { detail: String(error) });
    },
  });
  return { metrics, metricsReader: undefined };
}

/** Builds the services for one request or queue batch. */
export async function createServices(env: Env, options: CompositionOptions = {}): Promise<Services> {
  const adapters = await createAdapters(env, options);
  const { mode, config, log, store, tenants, queue, originals, vectors, embedder, generator, rewriter, reranker, guard, metrics, metricsReader } = adapters;
  const settings = new IndexSettings(store, { fusion: config.fusion, rerank: config.rerank });
  const search = new SearchService({
    store,
    embedder,
    vectors,
    guard,
    settings,
    reranker,
    maxTopK: config.searchMaxTopK,
    ...(config.keywordExpansion ? { keywordExpansion: config.keywordExpansion } : {}),
    vectorQueryTimeoutMs: config.resilience.vectorQueryTimeoutMs,
    log,
    metrics,
  });
  const documents = new DocumentService({
    store,
    queue,
    originals,
    log,
    options: { maxBacklog: config.ingestMaxBacklog, backlogRetryAfterSeconds: config.ingestBacklogRetryAfterSeconds, maxUploadBytes: config.uploadMaxBytes },
  });
  const chat = new ChatService({
    search,
    generator,
    // The extractive generator cannot rewrite queries; rules do it then.
    rewriter: new QueryRewriter({ llm: rewriter, log }),
    // When the language model is unavailable, answers quote the sources instead.
    fallback: config.generator.kind === "extractive" ? undefined : new ExtractiveGenerator(),
    log,
    metrics,
    grounding: config.grounding,
  });
  return {
    health: new HealthService({ mode, guard, embedderModel: embedder.model, generatorModel: generator.model, log }),
    documents,
    access: new AccessService({ tenants, bootstrapKey: config.apiKey }),
    tenants: new TenantService({ tenants, queue, log }),
    search,
    settings,
    chat,
    answerCache: new AnswerCache({ store: new D1AnswerCacheStore(env.DB), chat, fingerprint: answerCacheFingerprint(config), options: config.answerCache, log }),
    chatModels: new ChatModels({ generator: { model: generator.model, provider: config.generator.kind } }),
    feedback: new FeedbackService({ store: new D1FeedbackStore(env.DB) }),
    limits: new UsageLimits({ limiter: env.RATE_LIMITER ? new DurableObjectRateLimiter(env.RATE_LIMITER) : undefined, defaults: config.limits, log }),
    ingest: new IngestProcessor({
      store,
      embedder,
      vectors,
      guard,
      queue,
      tenants,
      originals,
      chunking: config.chunking,
      log,
      retryBaseSeconds: config.ingestRetryBaseSeconds,
      maxDeferrals: config.ingestMaxDeferrals,
      metrics,
      // Local mode puts each batch's spans in its log line.
      logSpans: mode === "local",
    }),
    maintenance: new MaintenanceService({ store, queue, vectors, log }),
    consistency: new ConsistencyService({ consistency: new D1ConsistencyStore(env.DB), store, vectors, queue, log }),
    demo: new DemoService({ mode, apiKey: config.apiKey }),
    stats: new StatsService({ store, stats: new D1StatsStore(env.DB), vectors, breakers: () => providerBreakers.snapshot(), reader: metricsReader, log }),
    sources: new WebsiteSources({
      store: new D1SourceStore(env.DB),
      fetcher: new GuardedWebFetcher({ allowPrivate: config.sources.allowPrivateHosts }),
      documents,
      queue,
      log,
      options: { ...config.sources, agent: crawlerAgent },
    }),
    log,
    metrics,
  };
}

/**
 * Whether all-caps text is lower-cased before embedding: EMBEDDING_NORMALIZE_CASE=on/off, or (auto)
 * for Workers AI and local models known to be cased. OpenAI-compatible models are left alone unless it is on.
 */
export function normalizesCase(config: Pick<AppConfig, "embedding" | "embeddingNormalizeCase">): boolean {
  if (config.embeddingNormalizeCase !== "auto") return config.embeddingNormalizeCase === "on";
  return config.embedding.provider === "workers-ai" && knownCaseSensitivity(config.embedding.model) === true;
}

function createEmbedder(config: AppConfig, ai: AiRunner | undefined): Embedder {
  const embedding = config.embedding;
  if (embedding.provider === "openai") {
    return new OpenAiCompatibleEmbedder({
      baseUrl: embedding.baseUrl,
      apiKey: embedding.apiKey,
      model: embedding.model,
      dimensions: embedding.dimensions,
    });
  }
  if (!ai) throw misconfigured("EMBEDDING_PROVIDER=workers-ai needs the AI binding (see wrangler.toml)");
  return new WorkersAiEmbedder(ai, embedding.model);
}

function createGenerator(config: AppConfig, ai: AiRunner | undefined): Generator {
  const generator = config.generator;
  switch (generator.kind) {
    case "extractive":
      return new ExtractiveGenerator();
    case "openai":
      return new OpenAiCompatibleGenerator({
        baseUrl: generator.baseUrl,
        apiKey: generator.apiKey,
        model: generator.model,
        maxTokens: generator.maxTokens,
      });
    case "anthropic":
      return new AnthropicGenerator({
        baseUrl: generator.baseUrl,
        apiKey: generator.apiKey,
        model: generator.model,
        maxTokens: generator.maxTokens,
      });
    case "workers-ai":
      if (!ai) throw misconfigured("GENERATOR=workers-ai needs the AI binding (see wrangler.toml)");
      return new WorkersAiGenerator(ai, generator.model, { maxTokens: generator.maxTokens });
  }
}

function misconfigured(message: string): AppError {
  return new AppError("MISCONFIGURED", `configuration error: ${message}`);
}
