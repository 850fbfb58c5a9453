/**
 * Hybrid search: the keyword leg (D1 FTS5, bm25) and the vector leg
 * (embedding + vector index) run concurrently, each scoped to the tenant and
 * the metadata filter inside its own query; the index's fusion setting orders
 * the union (weighted RRF or a convex combination of normalised scores); an
 * optional cross-encoder reranks the head of that list. The final order is
 * the order of the response (and of chat sources).
 *
 * Degrades instead of failing: in hybrid mode, when the embedding model or the
 * vector index is unavailable, the answer comes from the keyword leg alone
 * with `degraded: ["vector"]`; when the reranker is unavailable, results keep
 * the fused order with `degraded: ["rerank"]`. A search that asked for the
 * vector leg only, or a keyword leg that fails (D1), still fails.
 *
 * Observability: given the request's spans, each stage runs in a span of its
 * name — keyword, embed, vector (query + visibility join), fuse, rerank —
 * carrying the request id and tenant; `timings` reports the same stages in
 * milliseconds (for Server-Timing). Each search records one `query` metric
 * (tenant, mode, degraded) unless the caller counts queries itself (chat).
 */
import { buildFtsQuery } from "../core/search/fts-query.js";
import { fuseLegs } from "../core/search/hybrid-fusion.js";
import { applyRerank, planRerank } from "../core/search/rerank.js";
import { AppError } from "../core/errors.js";
import type { SpanHandle, SpanRecorder } from "../core/observability/span-recorder.js";
import { noopMetrics, type Metrics } from "../ports/metrics.js";
import type { ColumnWeights, DocumentMetadata, DocumentStore, VisibleChunk } from "../ports/document-store.js";
import type { Embedder } from "../ports/embedder.js";
import type { Reranker } from "../ports/reranker.js";
import type { VectorIndex } from "../ports/vector-index.js";
import type { IndexGuard } from "./index-guard.js";
import { requireRerankModel, type IndexSettings } from "./index-settings.js";
import { elapsedMs } from "./timing.js";
import type { Logger } from "./logger.js";
import { classifyFailure } from "../core/resilience/failure-classification.js";
import { isProviderUnavailable } from "../core/resilience/provider-errors.js";

/** A provider that is down, throttled, timing out or behind an open breaker: worth degrading around, not failing. */
const providerUnavailable = isProviderUnavailable;

/** Default time limit of a vector index query. */
export const defaultVectorQueryTimeoutMs = 5_000;

class VectorQueryTimeout extends Error {
  override name = "TimeoutError";
}

/** `promise`, or a VectorQueryTimeout after `ms` (the query itself is left to finish on its own). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new VectorQueryTimeout(`the vector index did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export type SearchMode = "hybrid" | "vector" | "keyword";

export interface SearchRequest {
  tenantId: string;
  query: string;
  topK: number;
  mode: SearchMode;
  filter?: VectorizeVectorMetadataFilter;
  /** Rerank with the cross-encoder; undefined follows the index's setting. */
  rerank?: boolean;
  signal?: AbortSignal;
  /** The request's spans: each stage runs in a span of its name (see the file comment). */
  spans?: Pick<SpanRecorder, "time">;
  /** Record a `query` metric for this search (default true; chat records one per answer instead). */
  countQuery?: boolean;
}

/** The pipeline stages of a search, as span and Server-Timing names. */
export type SearchStage = "embed" | "vector" | "keyword" | "fuse" | "rerank";

/** Runs `fn` in a span named `name` when the request has spans, else just runs it. */
function stage<T>(request: Pick<SearchRequest, "spans">, name: SearchStage, fn: (span: SpanHandle | undefined) => Promise<T> | T): Promise<T> {
  if (request.spans) return request.spans.time(name, fn);
  return (async () => fn(undefined))();
}

export interface SearchResult {
  chunk_id: string;
  document_id: string;
  title: string;
  heading: string;
  text: string;
  score: number;
  source_url: string | null;
  metadata: DocumentMetadata;
}

export interface SearchTimings {
  embed_ms: number;
  vector_ms: number;
  keyword_ms: number;
  fuse_ms: number;
  rerank_ms: number;
  total_ms: number;
}

/** A part of the pipeline that was skipped because its provider was unavailable. */
export type Degradation = "vector" | "rerank";

export interface SearchResponse {
  results: SearchResult[];
  timings: SearchTimings;
  /** Present when part of the pipeline was skipped (see the file comment). */
  degraded?: Degradation[];
}

/** bm25 weights for the FTS columns (title, heading, text). */
export const defaultColumnWeights: ColumnWeights = { title: 2, heading: 1.5, text: 1 };

interface ScoredChunk {
  chunk: VisibleChunk;
  score: number;
}

export class SearchService {
  constructor(
    private readonly deps: {
      store: DocumentStore;
      embedder: Embedder;
      vectors: VectorIndex;
      guard: IndexGuard;
      settings: IndexSettings;
      reranker?: Reranker;
      log?: Logger;
      columnWeights?: ColumnWeights;
      /** Largest top_k a search may ask for (SEARCH_MAX_TOP_K). */
      maxTopK?: number;
      /** How long the vector index may take to answer before the leg counts as unavailable. */
      vectorQueryTimeoutMs?: number;
      /** Queries by mode (default: recorded nowhere). */
      metrics?: Metrics;
    },
  ) {}

  async search(request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const timings: SearchTimings = { embed_ms: 0, vector_ms: 0, keyword_ms: 0, fuse_ms: 0, rerank_ms: 0, total_ms: 0 };
    const maxTopK = this.deps.maxTopK ?? 100;
    if (request.topK > maxTopK) {
      throw new AppError("VALIDATION_FAILED", `top_k: Too big: expected number to be <=${maxTopK}`, { details: [{ path: "top_k", message: `at most ${maxTopK} (SEARCH_MAX_TOP_K)` }] });
    }
    if (request.rerank && !this.deps.reranker) requireRerankModel(undefined, "rerank");
    // Each leg fetches a deeper pool than asked for, so fusion has overlap to work with.
    const poolSize = Math.min(100, Math.max(2 * request.topK, 20));

    const degraded: Degradation[] = [];
    const keywordLeg = request.mode === "vector" ? Promise.resolve<ScoredChunk[]>([]) : this.keywordLeg(request, poolSize, timings);
    const vectorLeg =
      request.mode === "keyword"
        ? Promise.resolve<ScoredChunk[]>([])
        : this.vectorLeg(request, poolSize, timings).catch((error: unknown) => {
            if (request.mode !== "hybrid" || !providerUnavailable(error)) throw error;
            degraded.push("vector");
            this.deps.log?.warn("search.degraded", { leg: "vector", tenant_id: request.tenantId, detail: describe(error) });
            return [];
          });
    // The index's settings are read alongside the legs, costing no extra latency.
    const [keyword, vector, settings] = await Promise.all([keywordLeg, vectorLeg, this.deps.settings.get(request.tenantId)]);

    const fuseStarted = performance.now();
    let ranked = await stage(request, "fuse", (): ScoredChunk[] => {
      if (request.mode !== "hybrid") return request.mode === "keyword" ? keyword : vector;
      return fuseLegs(
        keyword.map((hit) => ({ item: hit.chunk, score: hit.score })),
        vector.map((hit) => ({ item: hit.chunk, score: hit.score })),
        (chunk) => chunk.chunkId,
        settings.fusion,
      ).map((fused) => ({ chunk: fused.item, score: fused.score }));
    });
    timings.fuse_ms = elapsedMs(fuseStarted);

    const reranker = this.deps.reranker;
    if (reranker && (request.rerank ?? settings.rerank.enabled) && ranked.length > 0) {
      const rerankStarted = performance.now();
      const plan = planRerank(ranked, request.topK, settings.rerank.candidates);
      const passages = plan.head.map(({ chunk }) => [chunk.title, chunk.heading, chunk.text].filter((part) => part !== "").join("\n"));
      try {
        const scores = await stage(request, "rerank", (span) => {
          span?.setAttribute("candidates", passages.length);
          return reranker.rerank(request.query, passages, { signal: request.signal });
        });
        // Reranked items carry the cross-encoder's score; the rest keep theirs.
        ranked = applyRerank(plan, scores).map(({ item, score }) => ({ chunk: item.chunk, score: score ?? item.score }));
      } catch (error) {
        if (request.signal?.aborted || !providerUnavailable(error)) throw error;
        degraded.push("rerank");
        this.deps.log?.warn("search.degraded", { leg: "rerank", tenant_id: request.tenantId, detail: describe(error) });
      }
      timings.rerank_ms = elapsedMs(rerankStarted);
    }

    const results = ranked.slice(0, request.topK).map(({ chunk, score }) => toResult(chunk, score));
    timings.total_ms = elapsedMs(started);
    if (request.countQuery !== false) (this.deps.metrics ?? noopMetrics).record({ kind: "query", tenant: request.tenantId, mode: request.mode, degraded: degraded.length > 0 });
    return { results, timings, ...(degraded.length > 0 ? { degraded } : {}) };
  }

  private async keywordLeg(request: SearchRequest, limit: number, timings: SearchTimings): Promise<ScoredChunk[]> {
    const started = performance.now();
    const ftsQuery = buildFtsQuery(request.query);
    if (ftsQuery === null) return [];
    const hits = await stage(request, "keyword", async (span) => {
      const found = await this.deps.store.keywordSearch(request.tenantId, ftsQuery, {
        limit,
        weights: this.deps.columnWeights ?? defaultColumnWeights,
        filter: request.filter,
      });
      span?.setAttribute("hits", found.length);
      return found;
    });
    timings.keyword_ms = elapsedMs(started);
    // bm25() is lower-is-better; report higher-is-better scores.
    return hits.map((hit) => ({ chunk: hit, score: -hit.bm25 }));
  }

  private async vectorLeg(request: SearchRequest, limit: number, timings: SearchTimings): Promise<ScoredChunk[]> {
    await this.deps.guard.check();
    const embedStarted = performance.now();
    const vector = await stage(request, "embed", () => this.deps.embedder.embedQuery(request.query));
    timings.embed_ms = elapsedMs(embedStarted);

    const queryStarted = performance.now();
    const { matches, chunks } = await stage(request, "vector", async (span) => {
      let matches: VectorizeMatch[];
      try {
        const query = this.deps.vectors.query(vector, {
          topK: limit,
          namespace: request.tenantId,
          returnMetadata: "none",
          returnValues: false,
          ...(request.filter ? { filter: request.filter } : {}),
        });
        ({ matches } = await withTimeout(query, this.deps.vectorQueryTimeoutMs ?? defaultVectorQueryTimeoutMs));
      } catch (error) {
        // A passing failure of the index (5xx, network, no answer in time) is the provider being unavailable; anything else stays an error.
        if (error instanceof VectorQueryTimeout || classifyFailure(error).retryable) {
          throw new AppError("UPSTREAM_UNAVAILABLE", "the vector index is unavailable", { cause: error });
        }
        throw error;
      }
      // The D1 join decides visibility: vectors of deleted documents or of
      // versions that are no longer active (Vectorize applies deletes
      // asynchronously) are dropped here.
      const chunks = await this.deps.store.visibleChunks(request.tenantId, matches.map((match) => match.id));
      span?.setAttributes({ matches: matches.length, visible: chunks.length });
      return { matches, chunks };
    });
    const scores = new Map(matches.map((match) => [match.id, match.score]));
    timings.vector_ms = elapsedMs(queryStarted);
    return chunks.map((chunk) => ({ chunk, score: scores.get(chunk.chunkId) ?? 0 }));
  }
}

function toResult(chunk: VisibleChunk, score: number): SearchResult {
  return {
    chunk_id: chunk.chunkId,
    document_id: chunk.documentId,
    title: chunk.title,
    heading: chunk.heading,
    text: chunk.text,
    score,
    source_url: chunk.sourceUrl,
    metadata: chunk.metadata,
  };
}
