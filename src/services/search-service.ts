/**
 * Hybrid search: the keyword leg (`search/keyword-leg.ts`: D1 FTS5, bm25) and
 * the vector leg (`search/vector-leg.ts`: embedding + vector index) overlap,
 * each scoped to the tenant and the metadata filter inside its own query; the
 * vector matches are turned into visible chunks in one D1 round trip
 * (`search/hydrate-matches.ts`); the index's fusion setting orders the union
 * (weighted RRF or a convex combination of normalised scores); an optional
 * cross-encoder reranks the head of that list. The final order is the order
 * of the response (and of chat sources).
 *
 * Schedule: in hybrid mode the keyword leg starts when the query embedding has
 * arrived (at once on a cached embedding), so its D1 query runs while the
 * vector index answers. Starting both at the same instant gains nothing in
 * production (the embedding, then the index query, is the longer path) and
 * loses the overlap where D1 executes on the thread that also carries the
 * worker's other I/O (local mode): the embedding's answer would wait for the
 * FTS5 query, and the legs would add up instead of overlapping.
 *
 * Degrades instead of failing: in hybrid mode, when the embedding model or the
 * vector index is unavailable, the answer comes from the keyword leg alone
 * with `degraded: ["vector"]`; when the reranker is unavailable, results keep
 * the fused order with `degraded: ["rerank"]`. A search that asked for the
 * vector leg only, or a keyword leg that fails (D1), still fails.
 *
 * Observability: given the request's spans, each stage runs in a span of its
 * name — keyword, embed, vector (the index query), hydrate, fuse, rerank —
 * carrying the request id and tenant; `timings` reports the same stages in
 * milliseconds (for Server-Timing). Each search records one `query` metric
 * (tenant, mode, degraded) unless the caller counts queries itself (chat).
 */
import { legPositions, resultScoring, type ResultScoring } from "../core/search/result-scoring.js";
import type { KeywordExpansionOptions } from "../core/search/keyword-expansion.js";
import { fuseLegs } from "../core/search/hybrid-fusion.js";
import { applyRerank, planRerank } from "../core/search/rerank.js";
import { buildSnippet, queryMatchKeys, type Snippet } from "../core/search/snippet.js";
import { AppError } from "../core/errors.js";
import { isProviderUnavailable } from "../core/resilience/provider-errors.js";
import { noopMetrics, type Metrics } from "../ports/metrics.js";
import type { ColumnWeights, DocumentMetadata, DocumentStore, VisibleChunk } from "../ports/document-store.js";
import type { Embedder } from "../ports/embedder.js";
import type { Reranker } from "../ports/reranker.js";
import type { VectorIndex } from "../ports/vector-index.js";
import type { IndexGuard } from "./index-guard.js";
import { requireRerankModel, type IndexSettings, type SearchSettings } from "./index-settings.js";
import { elapsedMs } from "./timing.js";
import type { Logger } from "./logger.js";
import { hydrateMatches } from "./search/hydrate-matches.js";
import { runKeywordLeg } from "./search/keyword-leg.js";
import { stage, type ScoredChunk, type SearchRequest } from "./search/search-stage.js";
import { startVectorLeg, type VectorMatch } from "./search/vector-leg.js";

export { defaultColumnWeights } from "./search/keyword-leg.js";
export { defaultVectorQueryTimeoutMs } from "./search/vector-leg.js";
export type { SearchMode, SearchRequest, SearchStage } from "./search/search-stage.js";

/** A provider that is down, throttled, timing out or behind an open breaker: worth degrading around, not failing. */
const providerUnavailable = isProviderUnavailable;

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
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
  /** PDFs: the page the passage starts on and the page it ends on (1-based); absent for other formats. */
  page?: number;
  page_end?: number;
  /** Each leg's rank and score, the fused and the rerank score (null where a leg did not return it). */
  scoring: ResultScoring;
  /** Plain text around the query's words (core/search/snippet.ts) and where they are in it. */
  snippet: Snippet["snippet"];
  snippet_highlights: Snippet["snippet_highlights"];
}

export interface SearchTimings {
  embed_ms: number;
  vector_ms: number;
  keyword_ms: number;
  hydrate_ms: number;
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
      /** Pseudo-relevance feedback for the keyword leg (KEYWORD_EXPANSION=rm3); off when absent. */
      keywordExpansion?: KeywordExpansionOptions;
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
    const timings: SearchTimings = { embed_ms: 0, vector_ms: 0, keyword_ms: 0, hydrate_ms: 0, fuse_ms: 0, rerank_ms: 0, total_ms: 0 };
    const maxTopK = this.deps.maxTopK ?? 100;
    if (request.topK > maxTopK) {
      throw new AppError("VALIDATION_FAILED", `top_k: Too big: expected number to be <=${maxTopK}`, { details: [{ path: "top_k", message: `at most ${maxTopK} (SEARCH_MAX_TOP_K)` }] });
    }
    if (request.rerank && !this.deps.reranker) requireRerankModel(undefined, "rerank");
    // Each leg fetches a deeper pool than asked for, so fusion has overlap to work with.
    const poolSize = Math.min(100, Math.max(2 * request.topK, 20));

    const degraded: Degradation[] = [];
    const vectorLeg = request.mode === "keyword" ? undefined : startVectorLeg(this.deps, request, poolSize);
    const vectorMatches = (vectorLeg?.matches ?? Promise.resolve<VectorMatch[]>([])).catch((error: unknown) => {
      if (request.mode !== "hybrid" || !providerUnavailable(error)) throw error;
      degraded.push("vector");
      this.deps.log?.warn("search.degraded", { leg: "vector", tenant_id: request.tenantId, detail: describe(error) });
      return [];
    });
    // The index's settings are read alongside the legs, costing no extra latency;
    // but after the keyword query, not before it: D1 answers one query at a
    // time, and the leg should not queue behind a read fusion needs only later.
    // (With keyword expansion, the leg's second query may queue behind it.) A
    // failed read surfaces once both legs have settled.
    let settingsRead: Promise<SearchSettings> | undefined;
    const readSettings = () => (settingsRead ??= this.deps.settings.get(request.tenantId));
    // See the file comment: in hybrid mode the keyword leg starts once the embedding is in.
    const keywordLeg =
      request.mode === "vector"
        ? Promise.resolve<ScoredChunk[]>([])
        : (vectorLeg?.embedded ?? Promise.resolve()).then(async () => {
            const started = performance.now();
            const leg = runKeywordLeg(this.deps, request, poolSize);
            // Handled when awaited below; this branch only keeps an early failure from counting as unhandled.
            readSettings().catch(() => undefined);
            try {
              return await leg;
            } finally {
              timings.keyword_ms = elapsedMs(started);
            }
          });
    if (request.mode === "vector") readSettings().catch(() => undefined);
    const [keyword, matches] = await Promise.all([keywordLeg, vectorMatches]);
    const settings = await readSettings();
    if (vectorLeg) Object.assign(timings, vectorLeg.timings);

    const hydrateStarted = performance.now();
    const vector = await hydrateMatches(this.deps, request, matches, keyword);
    timings.hydrate_ms = elapsedMs(hydrateStarted);

    const fuseStarted = performance.now();
    const chunkIdOf = (chunk: VisibleChunk) => chunk.chunkId;
    const scoringParts: Parameters<typeof resultScoring>[1] = {
      keyword: legPositions(keyword.map((hit) => ({ item: hit.chunk, score: hit.score })), chunkIdOf),
      vector: legPositions(vector.map((hit) => ({ item: hit.chunk, score: hit.score })), chunkIdOf),
    };
    let ranked = await stage(request, "fuse", (): ScoredChunk[] => {
      if (request.mode !== "hybrid") return request.mode === "keyword" ? keyword : vector;
      const fused = fuseLegs(
        keyword.map((hit) => ({ item: hit.chunk, score: hit.score })),
        vector.map((hit) => ({ item: hit.chunk, score: hit.score })),
        chunkIdOf,
        settings.fusion,
      ).map((entry) => ({ chunk: entry.item, score: entry.score }));
      scoringParts.fused = new Map(fused.map((entry) => [entry.chunk.chunkId, entry.score]));
      return fused;
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
        const reranked = applyRerank(plan, scores);
        scoringParts.rerank = new Map(reranked.flatMap(({ item, score }) => (score === null || score === undefined ? [] : [[item.chunk.chunkId, score] as const])));
        ranked = reranked.map(({ item, score }) => ({ chunk: item.chunk, score: score ?? item.score }));
      } catch (error) {
        if (request.signal?.aborted || !providerUnavailable(error)) throw error;
        degraded.push("rerank");
        this.deps.log?.warn("search.degraded", { leg: "rerank", tenant_id: request.tenantId, detail: describe(error) });
      }
      timings.rerank_ms = elapsedMs(rerankStarted);
    }

    const snippetKeys = request.snippets === false ? undefined : queryMatchKeys(request.query);
    const results = ranked
      .slice(0, request.topK)
      .map(({ chunk, score }) =>
        toResult(chunk, score, resultScoring(chunk.chunkId, scoringParts), snippetKeys ? buildSnippet(chunk.text, snippetKeys) : noSnippet),
      );
    timings.total_ms = elapsedMs(started);
    if (request.countQuery !== false) (this.deps.metrics ?? noopMetrics).record({ kind: "query", tenant: request.tenantId, mode: request.mode, degraded: degraded.length > 0 });
    return { results, timings, ...(degraded.length > 0 ? { degraded } : {}) };
  }
}

/** A result's snippet when the caller asked for none (`snippets: false`). */
const noSnippet: Snippet = { snippet: "", snippet_highlights: [] };

function toResult(chunk: VisibleChunk, score: number, scoring: ResultScoring, snippet: Snippet): SearchResult {
  return {
    chunk_id: chunk.chunkId,
    document_id: chunk.documentId,
    title: chunk.title,
    heading: chunk.heading,
    text: chunk.text,
    score,
    source_url: chunk.sourceUrl,
    metadata: chunk.metadata,
    ...(chunk.page === null ? {} : { page: chunk.page, page_end: chunk.pageEnd ?? chunk.page }),
    scoring,
    ...snippet,
  };
}
