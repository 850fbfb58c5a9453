/**
 * The local stand-in for Vectorize's storage and search, run in the host Node
 * process (`vector-service.ts` exposes it to the worker). This module is its
 * public face; the parts live in `vector-store/`, one concept a file:
 *
 * - `local-vector-store.ts`: named indexes under a data directory.
 * - `local-vector-index.ts`: one index, Vectorize's operations.
 * - `vector-rows.ts`: the rows in memory, a contiguous `Float32Array` matrix
 *   (a row per vector, capacity doubling) with parallel arrays for ids,
 *   namespaces, metadata and norms, plus an int8 copy of every row.
 * - `nearest-search.ts`, `int8-rows.ts`, `int8-dot-kernel.ts`, `top-k-heap.ts`:
 *   search (below).
 * - `vector-log.ts`: persistence (below).
 * - `validation.ts`, `limits.ts`, `indexed-metadata.ts`, `types.ts`,
 *   `vector-store-error.ts`: inputs, limits and shapes.
 *
 * Semantics and limits follow Cloudflare's Vectorize documentation: topK 5
 * by default, 1..100, at most 20 with `returnValues` or all metadata; ids of
 * 1..64 bytes; namespaces up to 64 bytes; 10 KiB of metadata; metadata keys
 * without `.`, `"` or a leading `$`; 1,000 vectors per call from a Worker;
 * `insert` keeps the existing vector when an id is already present (the docs:
 * "only the vectors with new IDs will be inserted"); `upsert` replaces a
 * vector whole (values, namespace and metadata, no merge). Scores: cosine
 * similarity (higher is closer), euclidean distance (lower is closer) and,
 * for dot-product, the negative dot product as documented (lower is closer);
 * matches come best first, ties to the smaller id. Filters:
 * `core/search/metadata-filter.ts`.
 *
 * Search is exact, for every metric: the namespace and metadata filters pick
 * the candidates, an int8 pre-scan (a WebAssembly SIMD kernel over an int8
 * copy of the rows, quantised at upsert time) rules out the candidates that
 * provably cannot be among the K best, and the rest (a few dozen at 100k
 * random vectors) are scored in float64 against the float32 rows. The scores
 * returned are those exact ones. Small candidate sets (< 256) are scanned
 * exactly without the pre-scan.
 *
 * Deliberate differences: search is exact, not approximate (Vectorize's is
 * approximate); every property is filterable (Vectorize needs a metadata
 * index per property, created before the vectors are inserted); writes are
 * visible at once (Vectorize applies them a few seconds later).
 *
 * Persistence: `<dataDir>/<index>/index.json` holds the configuration and
 * `vectors.log` an append-only binary log (one write per mutation call),
 * replayed on open (which rebuilds the int8 copy too) and rewritten from the
 * live rows when it grows to `compaction.ratio` times their size. A torn
 * record at the end (a crash mid-write) is cut off on open. Vector values are
 * stored little-endian.
 */
export { LocalVectorStore, type LocalVectorStoreOptions } from "./vector-store/local-vector-store.js";
export { LocalVectorIndex, type IndexMeta, type IndexSearchSettings } from "./vector-store/local-vector-index.js";
export type { SearchStats } from "./vector-store/nearest-search.js";
export type { VectorRowsStorage } from "./vector-store/vector-rows.js";
export { localVectorizeLimits } from "./vector-store/limits.js";
export { truncateUtf8 } from "./vector-store/indexed-metadata.js";
export { VectorStoreError, type VectorStoreErrorKind } from "./vector-store/vector-store-error.js";
export type {
  DistanceMetric,
  IndexConfig,
  IndexDescription,
  Match,
  MutationResult,
  QueryOptions,
  ReturnMetadataLevel,
  StoredVector,
  VectorInput,
} from "./vector-store/types.js";
