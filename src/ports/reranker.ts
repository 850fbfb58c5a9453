/**
 * Port: a cross-encoder that scores (query, passage) pairs. Implementation:
 * `adapters/cloudflare/workers-ai-reranker.ts` over the Workers AI `run()`
 * protocol — `@cf/baai/bge-reranker-base` in production, local cross-encoder
 * models (transformers.js) served by the local AI stand-in.
 */

export interface RerankScore {
  /** Index into the `passages` given to `rerank`. */
  index: number;
  /** Relevance; higher is better. Comparable within one call only. */
  score: number;
}

export interface Reranker {
  readonly model: string;
  /** One score per passage, best first. */
  rerank(query: string, passages: string[], options?: { signal?: AbortSignal }): Promise<RerankScore[]>;
}
