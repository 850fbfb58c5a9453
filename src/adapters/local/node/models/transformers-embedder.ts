/**
 * Local embedding models run by transformers.js (`@huggingface/transformers`)
 * on ONNX Runtime's CPU backend in the host Node process.
 *
 * Getting real weights, offline-capable
 * -------------------------------------
 * transformers.js loads ONNX exports laid out like the Xenova / onnx-community
 * repos on the Hugging Face hub. Put one folder per model under `models/`
 * (the registry's `modelsDir`, default `<project>/models`):
 *
 *     models/Xenova/bge-small-en-v1.5/
 *       config.json              (model_type, hidden_size, ...)
 *       tokenizer.json
 *       tokenizer_config.json
 *       onnx/model.onnx          (fp32; `model_quantized.onnx` for dtype "q8",
 *                                 `model_fp16.onnx` for "fp16", ...)
 *       1_Pooling/config.json    (optional, sentence-transformers pooling)
 *
 * Ways to fill it once while online, then work offline for good:
 * - `hf download Xenova/bge-small-en-v1.5 --include "*.json" "onnx/model.onnx"
 *   --local-dir models/Xenova/bge-small-en-v1.5` (huggingface_hub CLI; older
 *   releases call it `huggingface-cli download`), or a `git lfs` clone of
 *   https://huggingface.co/Xenova/bge-small-en-v1.5 (fetches every ONNX
 *   variant). The same for `Xenova/bge-base-en-v1.5` / `-large-`: the weights
 *   Workers AI serves as `@cf/baai/bge-*-en-v1.5`. Copy the folder to any
 *   offline machine.
 * - or run local mode once with `LOCAL_ALLOW_REMOTE_MODELS=1`: missing files
 *   are downloaded from the hub into `.data/transformers-cache/<org>/<name>/`
 *   (same layout) and used from there afterwards, also with remote loading
 *   off.
 *
 * Model weights do not belong in git: keep `models/` out of commits.
 *
 * Any other BERT-family ONNX export (e.g. `Xenova/all-MiniLM-L6-v2`) works
 * the same way under its own folder, as `@local/transformers/<org>/<name>`.
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { LocalEmbeddingModel } from "./embedding-model.js";

/** Weight precisions transformers.js can pick a file for (`onnx/model<suffix>.onnx`). */
export type TransformersDtype = "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4" | "q4f16" | "bnb4";

export interface TransformersEmbedderOptions {
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
  pooling: "cls" | "mean";
  normalize: boolean;
  /** Which ONNX file to load. Default "fp32" (`onnx/model.onnx`). */
  dtype?: TransformersDtype;
  /** Expected output size, when known before loading; otherwise read from `config.json` (`hidden_size`). */
  dimensions?: number;
}

/** The files are not where they must be and may not be downloaded. */
export class ModelFilesMissingError extends Error {
  override name = "ModelFilesMissingError";
}

export type ModelLocation =
  /** Load from this directory. */
  | { kind: "directory"; dir: string }
  /** Load by repo id: already in the download cache, or downloadable. */
  | { kind: "hub"; repoId: string; cached: boolean }
  | { kind: "missing"; expectedDir: string; missingFiles: string[]; repoId?: string };

/** Texts per forward pass; small passes let the event loop serve queries in between. */
const passSize = 8;

const dtypeSuffix: Record<TransformersDtype, string> = {
  fp32: "",
  fp16: "_fp16",
  q8: "_quantized",
  int8: "_int8",
  uint8: "_uint8",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
};

/** Same shape test transformers.js applies before it tries the hub. */
const hubRepoIdPattern = /^(\b[\w\-.]+\b\/)?\b[\w\-.]{1,96}\b$/;

export function isHubRepoId(modelPath: string): boolean {
  return hubRepoIdPattern.test(modelPath) && !modelPath.includes("..") && !modelPath.includes("--");
}

/** The files a model folder needs for `dtype`. */
export function requiredModelFiles(dtype: TransformersDtype = "fp32"): string[] {
  return ["config.json", "tokenizer.json", "tokenizer_config.json", `onnx/model${dtypeSuffix[dtype]}.onnx`];
}

export function defaultModelsDir(): string {
  return resolve(process.cwd(), "models");
}

export function defaultTransformersCacheDir(): string {
  return resolve(process.cwd(), ".data", "transformers-cache");
}

/** Finds a model without loading it (synchronous: only `existsSync`). */
export function locateTransformersModel(options: {
  modelPath: string;
  modelsDir?: string;
  cacheDir?: string;
  allowRemoteModels?: boolean;
  dtype?: TransformersDtype;
}): ModelLocation {
  const required = requiredModelFiles(options.dtype);
  const missingIn = (dir: string) => required.filter((file) => !existsSync(join(dir, ...file.split("/"))));
  const repoId = isExplicitDirectory(options.modelPath) ? undefined : options.modelPath;
  const dir = repoId ? join(options.modelsDir ?? defaultModelsDir(), ...repoId.split("/")) : resolve(options.modelPath);

  const missingFiles = missingIn(dir);
  if (missingFiles.length === 0) return { kind: "directory", dir };
  if (repoId && isHubRepoId(repoId)) {
    const cached = missingIn(join(options.cacheDir ?? defaultTransformersCacheDir(), ...repoId.split("/"))).length === 0;
    if (cached || options.allowRemoteModels) return { kind: "hub", repoId, cached };
  }
  return { kind: "missing", expectedDir: dir, missingFiles, ...(repoId ? { repoId } : {}) };
}

/** What to tell a user whose model is `missing`. */
export function missingModelMessage(id: string, location: Extract<ModelLocation, { kind: "missing" }>, dtype?: TransformersDtype): string {
  const shown = displayPath(location.expectedDir);
  const what = location.repoId ? `the ONNX export of ${location.repoId}` : "an ONNX model export";
  const files = requiredModelFiles(dtype).join(", ");
  const remote =
    location.repoId && isHubRepoId(location.repoId)
      ? ` or set LOCAL_ALLOW_REMOTE_MODELS=1 when online to download it from the Hugging Face hub`
      : "";
  return (
    `model "${id}" is not available locally: put ${what} under ${shown} (${files}; missing: ` +
    `${location.missingFiles.join(", ")})${remote}`
  );
}

/** Reads `hidden_size` (or `d_model` / `dim`) from a model folder's config.json. */
export function readHiddenSize(dir: string): number | undefined {
  try {
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
    for (const key of ["hidden_size", "d_model", "dim"]) {
      const value = config[key];
      if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
    }
  } catch {
    // No readable config: the size is learnt from the first output instead.
  }
  return undefined;
}

/**
 * Reads a sentence-transformers `1_Pooling/config.json`, if the folder has
 * one, and says which pooling it declares ("cls" or "mean"; undefined when
 * absent or another mode such as max pooling).
 */
export function readSentenceTransformersPooling(dir: string): "cls" | "mean" | undefined {
  try {
    const config = JSON.parse(readFileSync(join(dir, "1_Pooling", "config.json"), "utf8")) as Record<string, unknown>;
    if (config.pooling_mode_cls_token === true) return "cls";
    if (config.pooling_mode_mean_tokens === true) return "mean";
  } catch {
    // Not a sentence-transformers layout.
  }
  return undefined;
}

type FeatureExtractor = ((
  texts: string[],
  options: { pooling: "cls" | "mean"; normalize: boolean },
) => Promise<{ dims: number[]; tolist(): unknown; dispose?(): void }>) & { dispose?(): Promise<void> };

/**
 * An embedding model on transformers.js's `feature-extraction` pipeline,
 * loaded on first use (once; a failed load is retried on the next call).
 */
export function createTransformersEmbedder(options: TransformersEmbedderOptions): LocalEmbeddingModel {
  const modelsDir = options.modelsDir ?? defaultModelsDir();
  const cacheDir = options.cacheDir ?? defaultTransformersCacheDir();
  const allowRemoteModels = options.allowRemoteModels ?? false;
  const dtype = options.dtype ?? "fp32";
  const locate = () => locateTransformersModel({ modelPath: options.modelPath, modelsDir, cacheDir, allowRemoteModels, dtype });

  const initial = locate();
  let dimensions =
    options.dimensions ??
    (initial.kind === "directory"
      ? readHiddenSize(initial.dir)
      : initial.kind === "hub" && initial.cached
        ? readHiddenSize(join(cacheDir, ...initial.repoId.split("/")))
        : undefined);

  let loading: Promise<FeatureExtractor> | undefined;
  const load = () =>
    (loading ??= (async () => {
      const location = locate();
      if (location.kind === "missing") throw new ModelFilesMissingError(missingModelMessage(options.id, location, dtype));
      const { env, pipeline } = await import("@huggingface/transformers");
      // Process-wide settings; every embedder of one registry sets the same
      // values. The per-call options below are what actually bound loading.
      env.allowLocalModels = true;
      env.localModelPath = modelsDir;
      env.allowRemoteModels = allowRemoteModels;
      env.cacheDir = cacheDir;
      const source = location.kind === "directory" ? location.dir : location.repoId;
      try {
        const extractor = await pipeline("feature-extraction", source, {
          dtype,
          device: "cpu",
          cache_dir: cacheDir,
          local_files_only: !(location.kind === "hub" && allowRemoteModels),
        });
        return extractor as unknown as FeatureExtractor;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (location.kind === "hub" && !location.cached) {
          const expectedDir = join(modelsDir, ...location.repoId.split("/"));
          throw new ModelFilesMissingError(
            `model "${options.id}": downloading ${location.repoId} from the Hugging Face hub failed (${reason}); ` +
              `to work offline, put the ONNX export under ${displayPath(expectedDir)} (${requiredModelFiles(dtype).join(", ")})`,
            { cause: error },
          );
        }
        throw new Error(`model "${options.id}" failed to load from ${displayPath(source)}: ${reason}`, { cause: error });
      }
    })().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));

  return {
    id: options.id,
    get dimensions() {
      return dimensions;
    },
    async embed(texts) {
      const extractor = await load();
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += passSize) {
        const output = await extractor(texts.slice(start, start + passSize), {
          pooling: options.pooling,
          normalize: options.normalize,
        });
        vectors.push(...(output.tolist() as number[][]));
        output.dispose?.();
        // Yield so vector queries interleave with long ingestion batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const size = vectors[0]?.length;
      if (size !== undefined) {
        if (options.dimensions !== undefined && size !== options.dimensions) {
          throw new Error(`model "${options.id}" produced ${size}-d vectors; expected ${options.dimensions}`);
        }
        dimensions = size;
      }
      return vectors;
    },
    async close() {
      const pending = loading;
      loading = undefined;
      const extractor = await pending?.catch(() => undefined);
      await extractor?.dispose?.();
    },
  };
}

function isExplicitDirectory(modelPath: string): boolean {
  return isAbsolute(modelPath) || modelPath.startsWith(".") || modelPath.includes("\\");
}

function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd && !fromCwd.startsWith("..") && !isAbsolute(fromCwd) ? fromCwd.split(sep).join("/") : path;
}
