/**
 * Which local embedding and reranking models exist and how to load them.
 * Models are loaded lazily, once per process (per registry). Embedding models
 * are resolved with `resolve`, rerankers (cross-encoders) with
 * `resolveReranker`; neither serves the other's ids.
 *
 * Ids understood:
 * - `@local/universal-sentence-encoder` — the default; ships in npm, 512-d.
 * - `@local/feature-hashing-512` — hashed word unigrams and bigrams, 512-d;
 *   not a semantic model: for speed tests and as a lexical baseline.
 * - `@local/transformers/<path>` — a transformers.js ONNX export in
 *   `<modelsDir>/<path>` (e.g. `@local/transformers/Xenova/bge-small-en-v1.5`).
 *   Pooling: what a sentence-transformers `1_Pooling/config.json` declares;
 *   otherwise CLS for bge models, mean for the rest. Always L2-normalised.
 * - `@cf/baai/bge-{small,base,large}-en-v1.5` — the Workers AI names, served
 *   from `<modelsDir>/Xenova/bge-{small,base,large}-en-v1.5` (the same weights
 *   as an ONNX export; CLS pooling, normalised; 384/768/1024-d), so an index
 *   built locally with them is of the same kind as a production one.
 *
 * Reranker ids understood (see `transformers-reranker.ts`):
 * - `@local/transformers-reranker/<path>` — a transformers.js ONNX export of a
 *   single-label cross-encoder in `<modelsDir>/<path>` (e.g.
 *   `@local/transformers-reranker/Xenova/ms-marco-MiniLM-L-6-v2`).
 * - `@cf/baai/bge-reranker-base` — the Workers AI name, served from
 *   `<modelsDir>/Xenova/bge-reranker-base` (the ONNX export of the same model).
 */
import { join } from "node:path";
import type { LocalEmbeddingModel } from "./embedding-model.js";
import type { LocalRerankModel } from "./rerank-model.js";
import { createFeatureHashingEmbedder, featureHashingId } from "./feature-hashing.js";
import {
  createTransformersEmbedder,
  defaultModelsDir,
  defaultTransformersCacheDir,
  locateTransformersModel,
  missingModelMessage,
  ModelFilesMissingError,
  readSentenceTransformersPooling,
  type TransformersDtype,
} from "./transformers-embedder.js";
import { createTransformersReranker } from "./transformers-reranker.js";
import { createUniversalSentenceEncoder, universalSentenceEncoderId } from "./universal-sentence-encoder.js";

export interface ModelRegistryOptions {
  /**
   * Directory holding ONNX models for transformers.js (`<dir>/<org>/<name>/...`).
   * Default: `<cwd>/models`.
   */
  modelsDir?: string;
  /**
   * Let transformers.js download from the Hugging Face hub when a model is not in `modelsDir`.
   * Default: `LOCAL_ALLOW_REMOTE_MODELS=1` in the environment, else false.
   */
  allowRemoteModels?: boolean;
  /** Where hub downloads are cached. Default `<cwd>/.data/transformers-cache`. */
  transformersCacheDir?: string;
  /** ONNX weight file to load for transformers.js models. Default "fp32" (`onnx/model.onnx`). */
  transformersDtype?: TransformersDtype;
}

export class UnknownModelError extends Error {
  override name = "UnknownModelError";
}

export const transformersIdPrefix = "@local/transformers/";

/** Workers AI embedding models served locally from their ONNX exports (bge-*-en-v1.5: uncased, their tokenizer lower-cases). */
export const workersAiEmbeddingModels: Readonly<Record<string, { repoId: string; dimensions: number; caseSensitive: boolean }>> = {
  "@cf/baai/bge-small-en-v1.5": { repoId: "Xenova/bge-small-en-v1.5", dimensions: 384, caseSensitive: false },
  "@cf/baai/bge-base-en-v1.5": { repoId: "Xenova/bge-base-en-v1.5", dimensions: 768, caseSensitive: false },
  "@cf/baai/bge-large-en-v1.5": { repoId: "Xenova/bge-large-en-v1.5", dimensions: 1024, caseSensitive: false },
};

export const transformersRerankerIdPrefix = "@local/transformers-reranker/";

/** Workers AI reranking models served locally from their ONNX exports. */
export const workersAiRerankModels: Readonly<Record<string, { repoId: string }>> = {
  "@cf/baai/bge-reranker-base": { repoId: "Xenova/bge-reranker-base" },
};

/** The `<path>` of `<prefix><path>` ids: a relative path that stays inside the models directory. */
function modelPathOf(id: string, prefix: string): string {
  const modelPath = id.slice(prefix.length);
  const segments = modelPath.split("/");
  if (!modelPath || segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\\"))) {
    throw new UnknownModelError(`model "${id}": expected ${prefix}<path under the models directory>`);
  }
  return modelPath;
}

/** bge models are trained for the [CLS] vector. */
const clsPooledModel = /(^|\/)bge-/i;

export function createModelRegistry(options: ModelRegistryOptions = {}) {
  const modelsDir = options.modelsDir ?? defaultModelsDir();
  const allowRemoteModels = options.allowRemoteModels ?? process.env.LOCAL_ALLOW_REMOTE_MODELS === "1";
  const cacheDir = options.transformersCacheDir ?? defaultTransformersCacheDir();
  const dtype = options.transformersDtype ?? "fp32";
  const loaded = new Map<string, LocalEmbeddingModel>();
  const loadedRerankers = new Map<string, LocalRerankModel>();

  function transformersModel(id: string, modelPath: string, dimensions?: number, caseSensitive?: boolean): LocalEmbeddingModel {
    const location = locateTransformersModel({ modelPath, modelsDir, cacheDir, allowRemoteModels, dtype });
    if (location.kind === "missing") throw new UnknownModelError(missingModelMessage(id, location, dtype));
    const folder = location.kind === "directory" ? location.dir : join(cacheDir, ...location.repoId.split("/"));
    const declared = readSentenceTransformersPooling(folder);
    const model = createTransformersEmbedder({
      id,
      modelPath,
      modelsDir,
      cacheDir,
      allowRemoteModels,
      dtype,
      pooling: declared ?? (clsPooledModel.test(modelPath) ? "cls" : "mean"),
      normalize: true,
      ...(dimensions !== undefined ? { dimensions } : {}),
    });
    return {
      id,
      get dimensions() {
        return model.dimensions;
      },
      ...(caseSensitive !== undefined ? { caseSensitive } : {}),
      close: () => model.close?.() ?? Promise.resolve(),
      async embed(texts) {
        try {
          return await model.embed(texts);
        } catch (error) {
          if (error instanceof ModelFilesMissingError) throw new UnknownModelError(error.message, { cause: error });
          throw error;
        }
      },
    };
  }

  function create(id: string): LocalEmbeddingModel {
    if (id === universalSentenceEncoderId) return createUniversalSentenceEncoder();
    if (id === featureHashingId) return createFeatureHashingEmbedder();
    const workersAi = workersAiEmbeddingModels[id];
    if (workersAi) return transformersModel(id, workersAi.repoId, workersAi.dimensions, workersAi.caseSensitive);
    if (id.startsWith(transformersIdPrefix)) return transformersModel(id, modelPathOf(id, transformersIdPrefix));
    if (workersAiRerankModels[id] || id.startsWith(transformersRerankerIdPrefix)) {
      throw new UnknownModelError(`model "${id}" is a reranker: send {query, contexts}, not {text}`);
    }
    throw new UnknownModelError(
      `model "${id}" is not available in local mode; available: ${universalSentenceEncoderId}, ${featureHashingId} (speed tests), ` +
        `${Object.keys(workersAiEmbeddingModels).join(", ")} (ONNX weights in ${modelsDir}), ` +
        `${transformersIdPrefix}<org>/<name> (any ONNX export in ${modelsDir})`,
    );
  }

  function rerankModel(id: string, modelPath: string): LocalRerankModel {
    const location = locateTransformersModel({ modelPath, modelsDir, cacheDir, allowRemoteModels, dtype });
    if (location.kind === "missing") throw new UnknownModelError(missingModelMessage(id, location, dtype));
    const model = createTransformersReranker({ id, modelPath, modelsDir, cacheDir, allowRemoteModels, dtype });
    return {
      id,
      close: () => model.close?.() ?? Promise.resolve(),
      async rerank(query, passages) {
        try {
          return await model.rerank(query, passages);
        } catch (error) {
          if (error instanceof ModelFilesMissingError) throw new UnknownModelError(error.message, { cause: error });
          throw error;
        }
      },
    };
  }

  function createReranker(id: string): LocalRerankModel {
    const workersAi = workersAiRerankModels[id];
    if (workersAi) return rerankModel(id, workersAi.repoId);
    if (id.startsWith(transformersRerankerIdPrefix)) return rerankModel(id, modelPathOf(id, transformersRerankerIdPrefix));
    const embedding = id === universalSentenceEncoderId || id === featureHashingId || workersAiEmbeddingModels[id] || id.startsWith(transformersIdPrefix);
    throw new UnknownModelError(
      embedding
        ? `model "${id}" is an embedding model, not a reranker: send {text}, not {query, contexts}`
        : `reranker "${id}" is not available in local mode; available: ` +
            `${Object.keys(workersAiRerankModels).join(", ")} (ONNX weights in ${modelsDir}), ` +
            `${transformersRerankerIdPrefix}<org>/<name> (any single-label cross-encoder ONNX export in ${modelsDir})`,
    );
  }

  return {
    /** Resolves a model id; throws `UnknownModelError` for unknown ids and models whose files are missing. */
    resolve(id: string): LocalEmbeddingModel {
      const existing = loaded.get(id);
      if (existing) return existing;
      const model = create(id);
      loaded.set(id, model);
      return model;
    },
    /** Releases every loaded model's sessions (the model thread calls it before it ends). */
    async close(): Promise<void> {
      const models: { close?(): Promise<void> }[] = [...loaded.values(), ...loadedRerankers.values()];
      loaded.clear();
      loadedRerankers.clear();
      await Promise.allSettled(models.map((model) => model.close?.()));
    },
    /** Resolves a reranker id; throws `UnknownModelError` for unknown ids and models whose files are missing. */
    resolveReranker(id: string): LocalRerankModel {
      const existing = loadedRerankers.get(id);
      if (existing) return existing;
      const model = createReranker(id);
      loadedRerankers.set(id, model);
      return model;
    },
  };
}

export type ModelRegistry = ReturnType<typeof createModelRegistry>;
