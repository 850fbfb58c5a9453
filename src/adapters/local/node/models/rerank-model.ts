/** A cross-encoder (reranking) model that runs in the host Node process (local mode). */
export interface LocalRerankModel {
  /** The model id the worker passes to `Ai.run`. */
  readonly id: string;
  /**
   * Scores each (query, passage) pair; higher is more relevant. One score per
   * passage, aligned with `passages` (not sorted). Scores of one pair do not
   * depend on the other passages of the call.
   */
  rerank(query: string, passages: string[]): Promise<number[]>;
  /** Releases what loading took (inference sessions); a later `rerank` loads again. */
  close?(): Promise<void>;
}
