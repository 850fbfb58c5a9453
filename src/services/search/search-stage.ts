/**
 * What the stages of a search share: the request, the stage names (span and
 * Server-Timing names), and a helper that runs a stage in a span of its name.
 */
import type { SpanHandle, SpanRecorder } from "../../core/observability/span-recorder.js";
import type { VisibleChunk } from "../../ports/document-store.js";

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
  /** The request's spans: each stage runs in a span of its name. */
  spans?: Pick<SpanRecorder, "time">;
  /** Record a `query` metric for this search (default true; chat records one per answer instead). */
  countQuery?: boolean;
  /**
   * Build each result's snippet (default true). Chat says false: it builds
   * its sources' snippets from the text the prompt kept, with every query
   * searched, so the search's own would be built and thrown away.
   */
  snippets?: boolean;
}

/** The pipeline stages of a search, as span and Server-Timing names. */
export type SearchStage = "embed" | "vector" | "keyword" | "keyword_expanded" | "hydrate" | "fuse" | "rerank";

/** A visible chunk with a leg's (or fusion's) score, higher is better. */
export interface ScoredChunk {
  chunk: VisibleChunk;
  score: number;
}

/** Runs `fn` in a span named `name` when the request has spans, else just runs it. */
export function stage<T>(request: Pick<SearchRequest, "spans">, name: SearchStage, fn: (span: SpanHandle | undefined) => Promise<T> | T): Promise<T> {
  if (request.spans) return request.spans.time(name, fn);
  return (async () => fn(undefined))();
}
