/** A text embedding model that runs in the host Node process (local mode). */
export interface LocalEmbeddingModel {
  /** The model id the worker passes to `Ai.run`. */
  readonly id: string;
  /** Known output size, when it is known before loading. */
  readonly dimensions?: number;
  /**
   * Characters of a text the model reads; the rest is ignored, as a real
   * model ignores tokens past its limit (see `input-cap.ts`). Undefined: the
   * model bounds its input itself (transformers.js truncates at the
   * tokenizer's `model_max_length`) or needs no bound (feature hashing).
   */
  readonly maxInputChars?: number;
  embed(texts: string[]): Promise<number[][]>;
}
