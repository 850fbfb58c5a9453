/**
 * The shapes the local vector store accepts and returns, following
 * Vectorize's (see `../vector-store.ts` for the semantics).
 */

export type DistanceMetric = "cosine" | "euclidean" | "dot-product";

export const distanceMetrics: readonly DistanceMetric[] = ["cosine", "euclidean", "dot-product"];

export interface IndexConfig {
  dimensions: number;
  metric: DistanceMetric;
}

export interface VectorInput {
  id: string;
  values: ArrayLike<number>;
  namespace?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface StoredVector {
  id: string;
  values: number[];
  namespace?: string;
  metadata?: Record<string, unknown>;
}

export type ReturnMetadataLevel = boolean | "none" | "indexed" | "all";

export interface QueryOptions {
  topK?: number;
  namespace?: string;
  filter?: unknown;
  returnValues?: boolean;
  returnMetadata?: ReturnMetadataLevel;
}

export interface Match {
  id: string;
  score: number;
  values?: number[];
  namespace?: string;
  metadata?: Record<string, unknown>;
}

export interface MutationResult {
  mutationId: string;
  /** Ids the mutation changed: inserted (new) ids, upserted ids, or deleted ids that existed. */
  ids: string[];
  count: number;
}

export interface IndexDescription {
  id: string;
  name: string;
  dimensions: number;
  metric: DistanceMetric;
  vectorCount: number;
  createdOn: string;
  /** Id of the last mutation applied since the index was opened (null before the first). */
  processedUpToMutation: string | null;
  /** ISO time of that mutation. */
  processedUpToDatetime: string | null;
}
