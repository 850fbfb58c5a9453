/**
 * Test fixture: writes a tiny cross-encoder (reranker) that transformers.js
 * loads with `AutoModelForSequenceClassification` exactly like a hub export,
 * offline and without Python: the tiny BERT of `tiny-bert.ts` (same
 * WordPiece tokenizer, same inputs `input_ids` / `attention_mask` /
 * `token_type_ids`) with BERT's single-label classification head, output
 * `logits` `[batch, 1]`, and a `config.json` declaring
 * `BertForSequenceClassification`, `num_labels: 1`.
 *
 * The weights are seeded random: scores are deterministic for a seed and
 * depend on both texts and on their order (segment ids), not on padding, but
 * they say nothing about relevance. Use it for plumbing tests only.
 */
import { writeTinyBert, type TinyBert } from "./tiny-bert.js";

export interface TinyCrossEncoderOptions {
  /** Directory the model folder is created in (e.g. a temp `modelsDir`). */
  dir: string;
  /** Folder name under `dir`; may contain `/` like a hub id. Default `tiny-cross-encoder`. */
  name?: string;
  /** Weight seed; the same seed gives the same weights. Default 1. */
  seed?: number;
  /** Hidden size. Default 16. */
  hiddenSize?: number;
}

/**
 * Writes the model folder (`config.json`, `tokenizer.json`,
 * `tokenizer_config.json`, `onnx/model.onnx`) and returns where it is.
 * Served by the local model registry as `@local/transformers-reranker/<name>`
 * when `dir` is its `modelsDir`.
 */
export function writeTinyCrossEncoder(options: TinyCrossEncoderOptions): Promise<TinyBert> {
  return writeTinyBert({
    dir: options.dir,
    name: options.name ?? "tiny-cross-encoder",
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.hiddenSize !== undefined ? { hiddenSize: options.hiddenSize } : {}),
    architecture: "BertForSequenceClassification",
  });
}
