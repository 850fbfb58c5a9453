/**
 * Hybrid search: the keyword leg (D1 FTS5, bm25) and the vector leg
 * (embedding + vector index) run concurrently, each scoped to the tenant and
 * the metadata filter inside its own query; the index's fusion setting orders
 * the union (weighted RRF or a convex combination of normalised scores); an
 * optional cross-encoder reranks the head of that list. The final order is
 * the order of the response (and of chat sources).
 */
import { buildFtsQuery } from "../core/search/fts-query.js";
import { fuseLegs } from "../core/search/hybrid-fusion.js";
import { applyRerank, planRerank } from "../core/search/rerank.js";
import { AppError } from "../core/errors.js";
import type { ColumnWeights, DocumentMetadata, DocumentStore, VisibleChunk } from "../ports/document-store.js";
import type { Embedder } from "../ports/embedder.js";
import type { Reranker } from "../ports/reranker.js";
import type { VectorIndex } from "../ports/vector-index.js";
import type { IndexGuard } from "./index-guard.js";
import type { IndexSettings } from "./index-settings.js";
import { elapsedMs } from "./timing.js";

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

export interface SearchResponse {
  results: SearchResult[];
  timings: SearchTimings;
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
      columnWeights?: ColumnWeights;
    },
  ) {}

  async search(request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const timings: SearchTimings = { embed_ms: 0, vector_ms: 0, keyword_ms: 0, fuse_ms: 0, rerank_ms: 0, total_ms: 0 };
    if (request.rerank && !this.deps.reranker) {
      throw new AppError("VALIDATION_FAILED", "rerank: no reranking model is configured (set RERANK_MODEL)");
    }
    // Each leg fetches a deeper pool than asked for, so fusion has overlap to work with.
    const poolSize = Math.min(100, Math.max(2 * request.topK, 20));

    const keywordLeg = request.mode === "vector" ? Promise.resolve<ScoredChunk[]>([]) : this.keywordLeg(request, poolSize, timings);
    const vectorLeg = request.mode === "keyword" ? Promise.resolve<ScoredChunk[]>([]) : this.vectorLeg(request, poolSize, timings);
    // The index's settings are read alongside the legs, costing no extra latency.
    const [keyword, vector, settings] = await Promise.all([keywordLeg, vectorLeg, this.deps.settings.get(request.tenantId)]);

    const fuseStarted = performance.now();
    let ranked: ScoredChunk[];
    if (request.mode === "hybrid") {
      ranked = fuseLegs(
        keyword.map((hit) => ({ item: hit.chunk, score: hit.score })),
        vector.map((hit) => ({ item: hit.chunk, score: hit.score })),
        (chunk) => chunk.chunkId,
        settings.fusion,
      ).map((fused) => ({ chunk: fused.item, score: fused.score }));
    } else {
      ranked = request.mode === "keyword" ? keyword : vector;
    }
    timings.fuse_ms = elapsedMs(fuseStarted);

    const reranker = this.deps.reranker;
    if (reranker && (request.rerank ?? settings.rerank.enabled) && ranked.length > 0) {
      const rerankStarted = performance.now();
      const plan = planRerank(ranked, request.topK, settings.rerank.candidates);
      const passages = plan.head.map(({ chunk }) => [chunk.title, chunk.heading, chunk.text].filter((part) => part !== "").join("\n"));
      const scores = await reranker.rerank(request.query, passages, { signal: request.signal });
      // Reranked items carry the cross-encoder's score; the rest keep theirs.
      ranked = applyRerank(plan, scores).map(({ item, score }) => ({ chunk: item.chunk, score: score ?? item.score }));
      timings.rerank_ms = elapsedMs(rerankStarted);
    }

    const results = ranked.slice(0, request.topK).map(({ chunk, score }) => toResult(chunk, score));
    timings.total_ms = elapsedMs(started);
    return { results, timings };
  }

  private async keywordLeg(request: SearchRequest, limit: number, timings: SearchTimings): Promise<ScoredChunk[]> {
    const started = performance.now();
    const ftsQuery = buildFtsQuery(request.query);
    if (ftsQuery === null) return [];
    const hits = await this.deps.store.keywordSearch(request.tenantId, ftsQuery, {
      limit,
      weights: this.deps.columnWeights ?? defaultColumnWeights,
      filter: request.filter,
    });
    timings.keyword_ms = elapsedMs(started);
    // bm25() is lower-is-better; report higher-is-better scores.
    return hits.map((hit) => ({ chunk: hit, score: -hit.bm25 }));
  }

  private async vectorLeg(request: SearchRequest, limit: number, timings: SearchTimings): Promise<ScoredChunk[]> {
    await this.deps.guard.check();
    const embedStarted = performance.now();
    const vector = await this.deps.embedder.embedQuery(request.query);
    timings.embed_ms = elapsedMs(embedStarted);

    const queryStarted = performance.now();
    const { matches } = await this.deps.vectors.query(vector, {
      topK: limit,
      namespace: request.tenantId,
      returnMetadata: "none",
      returnValues: false,
      ...(request.filter ? { filter: request.filter } : {}),
    });
    // The D1 join decides visibility: vectors of deleted documents or of
    // versions that are no longer active (Vectorize applies deletes
    // asynchronously) are dropped here.
    const chunks = await this.deps.store.visibleChunks(request.tenantId, matches.map((match) => match.id));
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
