/**
 * Which local embedding models exist and how to load them. Models are loaded
 * lazily, once per process.
 */
import type { LocalEmbeddingModel } from "./embedding-model.js";
import { createUniversalSentenceEncoder, universalSentenceEncoderId } from "./universal-sentence-encoder.js";

export interface ModelRegistryOptions {
  /** Directory holding ONNX models for transformers.js (`<dir>/<org>/<name>/...`). */
  modelsDir?: string;
  /** Let transformers.js download from the Hugging Face hub when a model is not in `modelsDir`. */
  allowRemoteModels?: boolean;
}

export class UnknownModelError extends Error {
  override name = "UnknownModelError";
}

export function createModelRegistry(options: ModelRegistryOptions = {}) {
  const loaded = new Map<string, LocalEmbeddingModel>();
  void options;

  return {
    resolve(id: string): LocalEmbeddingModel {
      const existing = loaded.get(id);
      if (existing) return existing;
      let model: LocalEmbeddingModel;
      if (id === universalSentenceEncoderId) {
        model = createUniversalSentenceEncoder();
      } else {
        throw new UnknownModelError(
          `model "${id}" is not available in local mode; available: ${universalSentenceEncoderId}`,
        );
      }
      loaded.set(id, model);
      return model;
    },
  };
}

export type ModelRegistry = ReturnType<typeof createModelRegistry>;
