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
  /**
   * true: the model keeps case and embeds text in capitals far from the same
   * text in lower case, so the worker lower-cases all-caps text before it
   * (EMBEDDING_NORMALIZE_CASE=auto); false: it ignores case; undefined: not
   * known. The worker reads this from its own table of model profiles
   * (`adapters/cloudflare/workers-ai-embedder.ts`), which a test keeps in
   * agreement with this field.
   */
  readonly caseSensitive?: boolean;
  embed(texts: string[]): Promise<number[][]>;
  /** Releases what loading took (inference sessions); a later `embed` loads again. */
  close?(): Promise<void>;
}
