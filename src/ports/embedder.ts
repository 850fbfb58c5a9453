/**
 * Port: turns text into vectors. Implementations: Workers AI (also serves the
 * local stand-in, which speaks the same `Ai.run` protocol), OpenAI-compatible
 * `/v1/embeddings`.
 */

export interface EmbedderInfo {
  /** Identifier recorded in the index, including anything that changes the vectors (pooling). */
  model: string;
  dimensions: number;
}

export interface Embedder {
  /** Same as `describe().model`, known without a network call. */
  readonly model: string;
  /** Largest number of texts one call may carry. */
  readonly maxBatchSize: number;
  describe(): Promise<EmbedderInfo>;
  /** Embeds passages for indexing. One vector per text, in order. */
  embedDocuments(texts: string[]): Promise<number[][]>;
  /**
   * Embeds a search query (some models want a query instruction prefix).
   * `scope` (the tenant) keeps a cache from answering one scope with what
   * another asked (a hit is visible in timings); embedders that do not cache
   * ignore it.
   */
  embedQuery(text: string, options?: { scope?: string }): Promise<number[]>;
}
