/**
 * Port: the vector index. It is exactly the Vectorize binding interface, so
 * production passes `env.VECTORIZE` straight through and local mode passes
 * the stand-in (`adapters/local/local-vectorize-index.ts`), which implements
 * the same class.
 *
 * `wrangler types` declares the binding as the legacy `VectorizeIndex`
 * (beta API: mutations answer `{ids, count}` synchronously). Indexes created
 * today are Vectorize v2 (`Vectorize`: mutations answer `{mutationId}` and
 * apply a few seconds later). Callers use only what both share and never
 * assume a write is queryable at once; the D1 join at query time is what
 * decides visibility.
 */
export type VectorIndex = Vectorize;

/** Dimensions from either `describe()` shape (v2 `dimensions`, beta `config.dimensions`). */
export function describedDimensions(info: unknown): number | undefined {
  if (info && typeof info === "object") {
    const record = info as { dimensions?: unknown; config?: { dimensions?: unknown } };
    if (typeof record.dimensions === "number") return record.dimensions;
    if (typeof record.config?.dimensions === "number") return record.config.dimensions;
  }
  return undefined;
}

/** Production limits of Vectorize that callers must respect. */
export const vectorizeLimits = {
  maxTopK: 100,
  maxTopKWithValuesOrAllMetadata: 20,
  maxUpsertBatch: 1000,
  maxIdBytes: 64,
  maxNamespaceBytes: 64,
  maxMetadataBytes: 10 * 1024,
  maxFilterBytes: 2048,
  maxDimensions: 1536,
} as const;
