/**
 * Local cross-encoders (rerankers) run by transformers.js
 * (`@huggingface/transformers`) on ONNX Runtime's CPU backend in the host
 * Node process: `AutoTokenizer` + `AutoModelForSequenceClassification`, one
 * forward pass over (query, passage) pairs, score = `logits[:, 0]`.
 *
 * No real cross-encoder weights are reachable from this development machine
 * (the Hugging Face hub is offline here), so the tests run on a generated
 * tiny model with random weights (`testing/tiny-cross-encoder.ts`): they prove
 * the plumbing — tokenisation of pairs, segment ids, padding, truncation,
 * logits extraction, the `Ai.run` wire format — and nothing about ranking
 * quality. Reranking quality figures need real models, fetched as below.
 *
 * Getting real weights, offline-capable
 * -------------------------------------
 * Same layout as the embedding models (see `transformers-embedder.ts`), one
 * folder per model under `models/` (the registry's `modelsDir`):
 *
 *     models/Xenova/bge-reranker-base/      ← served as @cf/baai/bge-reranker-base
 *       config.json                         (XLMRobertaForSequenceClassification, 1 label)
 *       tokenizer.json
 *       tokenizer_config.json
 *       onnx/model.onnx                     (fp32; model_quantized.onnx for dtype "q8")
 *     models/Xenova/ms-marco-MiniLM-L-6-v2/ ← @local/transformers-reranker/Xenova/ms-marco-MiniLM-L-6-v2
 *       (same files; BertForSequenceClassification, 1 label)
 *
 * While online, once: `hf download Xenova/bge-reranker-base --include "*.json"
 * "onnx/model.onnx" --local-dir models/Xenova/bge-reranker-base` (the same for
 * `Xenova/ms-marco-MiniLM-L-6-v2`), or a `git lfs` clone of the hub repo, or
 * run local mode once with `LOCAL_ALLOW_REMOTE_MODELS=1` (downloads into
 * `.data/transformers-cache/<org>/<name>/`, used from there afterwards). Copy
 * the folders to any offline machine. `Xenova/bge-reranker-base` is the ONNX
 * export of `BAAI/bge-reranker-base`, the model Workers AI serves under that
 * name. Model weights do not belong in git.
 *
 * Scores
 * ------
 * Raw logits, no sigmoid. Cloudflare documents `score` only as "Score of the
 * context under the index" and repeats the model card's remark that the score
 * "can be mapped to a float value in [0,1] by sigmoid function", i.e. the
 * model's own output is the logit. A sigmoid is monotonic, so rankings are the
 * same either way; the `Reranker` port promises only that scores order the
 * passages of one call. Models with more than one label are refused.
 *
 * Long pairs are cut to the tokenizer's `model_max_length` from the end of the
 * passage, keeping the closing special token (`[SEP]`, `</s>`), as Hugging
 * Face's `longest_first` truncation does for a short query and a long passage.
 */
import { join } from "node:path";
import type { LocalRerankModel } from "./rerank-model.js";
import {
  defaultModelsDir,
  defaultTransformersCacheDir,
  locateTransformersModel,
  missingModelMessage,
  ModelFilesMissingError,
  requiredModelFiles,
  type TransformersDtype,
} from "./transformers-embedder.js";

export interface TransformersRerankerOptions {
  /** The model id the worker passes to `Ai.run`. */
  id: string;
  /**
   * A model directory (absolute, or starting with `.`), or a hub repo id
   * (`org/name`) looked up as `<modelsDir>/<org>/<name>`, then in `cacheDir`,
   * then on the hub when `allowRemoteModels` is on.
   */
  modelPath: string;
  /** Where local model folders live. Default `<cwd>/models`. */
  modelsDir?: string;
  /** Where hub downloads are cached. Default `<cwd>/.data/transformers-cache`. */
  cacheDir?: string;
  /** Download missing models from the Hugging Face hub. Default false. */
  allowRemoteModels?: boolean;
  /** Which ONNX file to load. Default "fp32" (`onnx/model.onnx`). */
  dtype?: TransformersDtype;
}

/** Pairs per forward pass; small passes let the event loop serve other requests in between. */
const passSize = 8;

/** What we use of a transformers.js tokenizer. */
interface PairTokenizer {
  (texts: string[], options: { text_pair: string[]; padding: false; truncation: false; return_tensor: false }): Record<string, number[][]>;
  readonly pad_token_id?: number | null;
  readonly padding_side: "left" | "right";
  readonly model_max_length: number;
  readonly all_special_ids: number[];
}

interface TensorLike {
  dims: number[];
  data: ArrayLike<number>;
  dispose?(): void;
}

interface Loaded {
  tokenizer: PairTokenizer;
  model: ((inputs: Record<string, unknown>) => Promise<{ logits?: TensorLike } & Record<string, unknown>>) & { dispose?(): Promise<unknown> };
  /** How many labels config.json declares (`num_labels`, else the size of `id2label`), when it says. */
  labels: number | undefined;
  Tensor: new (type: "int64", data: BigInt64Array, dims: number[]) => unknown;
}

/**
 * A cross-encoder on transformers.js, loaded on first use (once; a failed
 * load is retried on the next call). `rerank` returns raw logits aligned with
 * the passages.
 */
export function createTransformersReranker(options: TransformersRerankerOptions): LocalRerankModel {
  const modelsDir = options.modelsDir ?? defaultModelsDir();
  const cacheDir = options.cacheDir ?? defaultTransformersCacheDir();
  const allowRemoteModels = options.allowRemoteModels ?? false;
  const dtype = options.dtype ?? "fp32";
  const locate = () => locateTransformersModel({ modelPath: options.modelPath, modelsDir, cacheDir, allowRemoteModels, dtype });

  let loading: Promise<Loaded> | undefined;
  const load = () =>
    (loading ??= (async (): Promise<Loaded> => {
      const location = locate();
      if (location.kind === "missing") throw new ModelFilesMissingError(missingModelMessage(options.id, location, dtype));
      const { env, AutoTokenizer, AutoModelForSequenceClassification, Tensor } = await import("@huggingface/transformers");
      // Process-wide settings, the same values the embedders of a registry set;
      // the per-call options below are what actually bound loading.
      env.allowLocalModels = true;
      env.localModelPath = modelsDir;
      env.allowRemoteModels = allowRemoteModels;
      env.cacheDir = cacheDir;
      const source = location.kind === "directory" ? location.dir : location.repoId;
      const localFilesOnly = !(location.kind === "hub" && allowRemoteModels);
      let loaded: Loaded;
      try {
        const [tokenizer, model] = await Promise.all([
          AutoTokenizer.from_pretrained(source, { cache_dir: cacheDir, local_files_only: localFilesOnly }),
          AutoModelForSequenceClassification.from_pretrained(source, {
            dtype,
            device: "cpu",
            cache_dir: cacheDir,
            local_files_only: localFilesOnly,
          }),
        ]);
        loaded = {
          tokenizer: tokenizer as unknown as PairTokenizer,
          model: model as unknown as Loaded["model"],
          labels: declaredLabels(model.config),
          Tensor: Tensor as unknown as Loaded["Tensor"],
        };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (location.kind === "hub" && !location.cached) {
          const expectedDir = join(modelsDir, ...location.repoId.split("/"));
          throw new ModelFilesMissingError(
            `model "${options.id}": downloading ${location.repoId} from the Hugging Face hub failed (${reason}); ` +
              `to work offline, put the ONNX export under ${expectedDir} (${requiredModelFiles(dtype).join(", ")})`,
            { cause: error },
          );
        }
        throw new Error(`model "${options.id}" failed to load from ${source}: ${reason}`, { cause: error });
      }
      if (loaded.labels !== undefined && loaded.labels !== 1) {
        throw new Error(
          `model "${options.id}" declares ${loaded.labels} labels; a reranker must be a single-label cross-encoder (num_labels 1)`,
        );
      }
      return loaded;
    })().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));

  return {
    id: options.id,
    async close() {
      const pending = loading;
      loading = undefined;
      const loaded = await pending?.catch(() => undefined);
      await loaded?.model.dispose?.();
    },
    async rerank(query, passages) {
      if (passages.length === 0) return [];
      const loaded = await load();
      const scores: number[] = [];
      for (let start = 0; start < passages.length; start += passSize) {
        const pass = passages.slice(start, start + passSize);
        scores.push(...(await scorePass(loaded, options.id, query, pass)));
        // Yield so other requests (vector queries, embeddings) interleave with long rerank calls.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return scores;
    },
  };
}

function declaredLabels(config: unknown): number | undefined {
  const { num_labels: count, id2label: labels } = (config ?? {}) as { num_labels?: unknown; id2label?: unknown };
  if (typeof count === "number") return count;
  if (typeof labels === "object" && labels !== null) return Object.keys(labels).length;
  return undefined;
}

async function scorePass(loaded: Loaded, id: string, query: string, passages: string[]): Promise<number[]> {
  const { tokenizer, model, Tensor } = loaded;
  const encoded = tokenizer(
    passages.map(() => query),
    { text_pair: passages, padding: false, truncation: false, return_tensor: false },
  );
  const inputs = padAndTruncate(encoded, {
    maxLength: tokenizer.model_max_length,
    padTokenId: tokenizer.pad_token_id ?? 0,
    paddingSide: tokenizer.padding_side,
    specialIds: new Set(tokenizer.all_special_ids),
  });
  const feeds: Record<string, unknown> = {};
  for (const [name, rows] of Object.entries(inputs)) {
    feeds[name] = new Tensor("int64", BigInt64Array.from(rows.flat(), (value) => BigInt(value)), [rows.length, rows[0]!.length]);
  }
  const output = await model(feeds);
  const logits = output.logits;
  if (!logits || !Array.isArray(logits.dims)) {
    throw new Error(`model "${id}" has no "logits" output: it is not a sequence-classification (cross-encoder) export`);
  }
  const [rows, labels] = logits.dims;
  if (rows !== passages.length || labels !== 1) {
    logits.dispose?.();
    throw new Error(`model "${id}" returned logits of shape [${logits.dims.join(", ")}]; expected [${passages.length}, 1]`);
  }
  const scores = Array.from(logits.data, Number);
  logits.dispose?.();
  return scores;
}

/**
 * Cuts every row to `maxLength` (keeping a final special token, so a long
 * passage loses its tail but the pair stays well-formed) and pads all rows to
 * the longest, as the tokenizer would with `padding: true`.
 */
export function padAndTruncate(
  encoded: Record<string, number[][]>,
  options: { maxLength: number; padTokenId: number; paddingSide: "left" | "right"; specialIds: ReadonlySet<number> },
): Record<string, number[][]> {
  const ids = encoded.input_ids;
  if (!ids) throw new Error("tokenizer returned no input_ids");
  const names = Object.keys(encoded);
  const rows = ids.map((_, row) => Object.fromEntries(names.map((name) => [name, [...encoded[name]![row]!]])));
  const maxLength = Number.isFinite(options.maxLength) && options.maxLength > 1 ? options.maxLength : Infinity;
  for (const row of rows) {
    const length = row.input_ids!.length;
    if (length <= maxLength) continue;
    const keepLast = options.specialIds.has(row.input_ids![length - 1]!);
    for (const name of names) {
      const values = row[name]!;
      row[name] = keepLast ? [...values.slice(0, maxLength - 1), values[length - 1]!] : values.slice(0, maxLength);
    }
  }
  const width = Math.max(...rows.map((row) => row.input_ids!.length));
  const result: Record<string, number[][]> = {};
  for (const name of names) {
    const fill = name === "input_ids" ? options.padTokenId : 0;
    result[name] = rows.map((row) => {
      const values = row[name]!;
      const padding = new Array<number>(width - values.length).fill(fill);
      return options.paddingSide === "left" ? [...padding, ...values] : [...values, ...padding];
    });
  }
  return result;
}
