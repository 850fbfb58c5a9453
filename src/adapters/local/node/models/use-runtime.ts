/**
 * What the Universal Sentence Encoder needs from an inference runtime: token
 * ids in (one list per text, from `use-tokenizer.ts`), one L2-normalised
 * 512-d vector per text out, in order. Implemented by `use-onnx-runtime.ts`
 * (native kernels, the default) and `use-wasm-runtime.ts` (TF.js WASM, the
 * fallback); `universal-sentence-encoder.ts` chooses.
 */
export type UseRuntimeName = "onnxruntime-node" | "tfjs-wasm";

export interface UseRuntime {
  readonly name: UseRuntimeName;
  /** Versions and settings, for logs and benchmark reports. */
  readonly detail: string;
  /** Vectors for texts given as token ids; every list has at least one id. */
  embedIds(ids: number[][]): Promise<number[][]>;
  close(): Promise<void>;
}
