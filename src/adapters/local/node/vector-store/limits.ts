/**
 * Vectorize's limits as the local stand-in enforces them (the same numbers as
 * `vectorizeLimits` in `src/ports/vector-index.ts`).
 */
export const localVectorizeLimits = {
  defaultTopK: 5,
  maxTopK: 100,
  maxTopKWithValuesOrAllMetadata: 20,
  maxVectorsPerCall: 1000,
  maxIdBytes: 64,
  maxNamespaceBytes: 64,
  maxMetadataBytes: 10 * 1024,
  maxDimensions: 1536,
  maxIndexNameBytes: 64,
  /** Bytes of each string property that `returnMetadata: "indexed"` returns. */
  indexedStringBytes: 64,
} as const;
