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
  /** Embeds a search query (some models want a query instruction prefix). */
  embedQuery(text: string): Promise<number[]>;
}
