/** A text embedding model that runs in the host Node process (local mode). */
export interface LocalEmbeddingModel {
  /** The model id the worker passes to `Ai.run`. */
  readonly id: string;
  /** Known output size, when it is known before loading. */
  readonly dimensions?: number;
  embed(texts: string[]): Promise<number[][]>;
}
