/**
 * The composition root: the only place that reads `Env` and picks adapters.
 *
 * - Cloudflare mode: Workers AI (`env.AI`), Vectorize (`env.VECTORIZE`).
 * - Local mode (the LOCAL_SERVICES binding is present, added by the dev
 *   launcher and the test pool): the same Workers AI protocol and Vectorize
 *   interface, served by stand-ins in the host Node process.
 * D1, Queues and the rate limiter's Durable Objects are real in both.
 */
import { D1DocumentStore } from "./adapters/cloudflare/d1-document-store.js";
import { D1TenantStore } from "./adapters/cloudflare/d1-tenant-store.js";
import { D1FeedbackStore } from "./adapters/cloudflare/d1-feedback-store.js";
import { DurableObjectRateLimiter } from "./adapters/cloudflare/durable-object-rate-limiter.js";
import { QueueIngestQueue } from "./adapters/cloudflare/queue-ingest-queue.js";
import { WorkersAiEmbedder } from "./adapters/cloudflare/workers-ai-embedder.js";
import { WorkersAiReranker } from "./adapters/cloudflare/workers-ai-reranker.js";
import { WorkersAiGenerator } from "./adapters/cloudflare/workers-ai-generator.js";
import { ExtractiveGenerator } from "./adapters/extractive/extractive-generator.js";
import { LocalAi } from "./adapters/local/local-ai.js";
import { ensureLocalVectorIndex, LocalVectorizeIndex } from "./adapters/local/local-vectorize-index.js";
import { OpenAiCompatibleEmbedder } from "./adapters/openai/openai-compatible-embedder.js";
import { OpenAiCompatibleGenerator } from "./adapters/openai/openai-compatible-generator.js";
import { readConfig, type AppConfig, type Mode } from "./config.js";
import { AppError } from "./core/errors.js";
import type { AiRunner } from "./ports/ai-runner.js";
import type { Embedder } from "./ports/embedder.js";
import type { Generator } from "./ports/generator.js";
import type { IngestMessage } from "./ports/ingest-queue.js";
import type { VectorIndex } from "./ports/vector-index.js";
import { ChatService } from "./services/chat-service.js";
import { DocumentService } from "./services/document-service.js";
import { FeedbackService } from "./services/feedback-service.js";
import { createIndexGuard } from "./services/index-guard.js";
import { IngestProcessor } from "./services/ingest-processor.js";
import { createConsoleLogger } from "./services/logger.js";
import { AccessService } from "./services/access-service.js";
import { IndexSettings } from "./services/index-settings.js";
import { TenantService } from "./services/tenant-service.js";
import { QueryRewriter } from "./services/query-rewriter.js";
import { SearchService } from "./services/search-service.js";
import { UsageLimits } from "./services/usage-limits.js";
import type { Services } from "./services/services.js";

export type { Services };

export function modeOf(env: Env): Mode {
  return env.LOCAL_SERVICES ? "local" : "cloudflare";
}

/** Builds the services for one request or queue batch. Cheap: no I/O except, in local mode, one D1 read. */
export async function createServices(env: Env): Promise<Services> {
  const mode = modeOf(env);
  const config = readConfig(env, mode);
  const log = createConsoleLogger(config.logLevel);
  const store = new D1DocumentStore(env.DB);
  const tenants = new D1TenantStore(env.DB);
  const queue = new QueueIngestQueue(env.INGEST_QUEUE as Queue<IngestMessage>);

  let ai: AiRunner | undefined;
  let vectors: VectorIndex;
  let indexKey: string;
  let prepare: ((info: { dimensions: number }) => Promise<void>) | undefined;
  if (env.LOCAL_SERVICES) {
    const service = env.LOCAL_SERVICES;
    ai = new LocalAi(service);
    // The local vector index belongs to this D1 database: a fresh local
    // database (or test file) starts with a fresh vector index.
    const instanceId = (await store.getSetting("instance_id")) ?? "default";
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

  const embedder = createEmbedder(config, ai);
  const generator = createGenerator(config, ai);
  const guard = createIndexGuard({ key: indexKey, store, embedder, vectors, prepare });
  const settings = new IndexSettings(store, { fusion: config.fusion, rerank: config.rerank });
  const reranker = config.rerank.model && ai ? new WorkersAiReranker(ai, config.rerank.model) : undefined;
  const search = new SearchService({ store, embedder, vectors, guard, settings, reranker });
  return {
    config,
    store,
    queue,
    embedder,
    generator,
    guard,
    documents: new DocumentService({ store, queue, log }),
    access: new AccessService({ tenants, bootstrapKey: config.apiKey }),
    tenants: new TenantService({ tenants, queue, log }),
    search,
    settings,
    chat: new ChatService({
      search,
      generator,
      // The extractive generator cannot rewrite queries; rules do it then.
      rewriter: new QueryRewriter({ llm: config.generator.kind === "extractive" ? undefined : generator, log }),
    }),
    feedback: new FeedbackService({ store: new D1FeedbackStore(env.DB) }),
    limits: new UsageLimits({ limiter: env.RATE_LIMITER ? new DurableObjectRateLimiter(env.RATE_LIMITER) : undefined, defaults: config.limits, log }),
    ingest: new IngestProcessor({
      store,
      embedder,
      vectors,
      guard,
      queue,
      tenants,
      chunking: config.chunking,
      log,
      retryBaseSeconds: config.ingestRetryBaseSeconds,
    }),
    log,
  };
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
    case "workers-ai":
      if (!ai) throw misconfigured("GENERATOR=workers-ai needs the AI binding (see wrangler.toml)");
      return new WorkersAiGenerator(ai, generator.model, { maxTokens: generator.maxTokens });
  }
}

function misconfigured(message: string): AppError {
  return new AppError("MISCONFIGURED", `configuration error: ${message}`);
}
