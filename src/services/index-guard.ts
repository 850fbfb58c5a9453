/**
 * Refuses to mix vectors of different models. The first use records the
 * embedder's model id and dimensions in D1; later uses must match it and the
 * vector index's own dimensions, or every request that needs embeddings fails
 * with EMBEDDER_MISMATCH and a message saying what to do. The check runs once
 * per isolate (per index and model) once it has passed.
 */
import { AppError } from "../core/errors.js";
import type { DocumentStore } from "../ports/document-store.js";
import type { Embedder, EmbedderInfo } from "../ports/embedder.js";
import { describedDimensions, type VectorIndex } from "../ports/vector-index.js";

export interface IndexGuard {
  /** Resolves when embedder, D1 records and vector index agree; throws EMBEDDER_MISMATCH otherwise. */
  check(): Promise<EmbedderInfo>;
}

const passed = new Map<string, EmbedderInfo>();

export function createIndexGuard(options: {
  /** Distinguishes indexes within one isolate (e.g. the index name). */
  key: string;
  store: DocumentStore;
  embedder: Embedder;
  vectors: VectorIndex;
  /** Runs before the comparison (local mode creates its index here). */
  prepare?: (info: EmbedderInfo) => Promise<void>;
}): IndexGuard {
  const cacheKey = `${options.key}\u0000${options.embedder.model}`;
  return {
    async check() {
      const cached = passed.get(cacheKey);
      if (cached) return cached;
      const info = await options.embedder.describe();
      await options.prepare?.(info);
      const [recordedModel, recordedDimensions, described] = await Promise.all([
        options.store.initSetting("embedding_model", info.model),
        options.store.initSetting("embedding_dimensions", String(info.dimensions)),
        options.vectors.describe(),
      ]);
      if (recordedModel !== info.model || recordedDimensions !== String(info.dimensions)) {
        throw new AppError(
          "EMBEDDER_MISMATCH",
          `this index was built with ${recordedModel} (${recordedDimensions} dimensions) but EMBEDDING_MODEL is now ${info.model} (${info.dimensions} dimensions); ` +
            "set EMBEDDING_MODEL back, or start a new index (new D1 database and Vectorize index) and re-ingest",
        );
      }
      const indexDimensions = describedDimensions(described);
      if (indexDimensions !== undefined && indexDimensions !== info.dimensions) {
        throw new AppError(
          "EMBEDDER_MISMATCH",
          `the vector index has ${indexDimensions} dimensions but ${info.model} produces ${info.dimensions}; ` +
            `create the Vectorize index with --dimensions=${info.dimensions} or pick a model with ${indexDimensions} dimensions`,
        );
      }
      passed.set(cacheKey, info);
      return info;
    },
  };
}
