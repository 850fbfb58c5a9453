/**
 * Exact nearest-neighbour search over one index's rows (`vector-rows.ts`):
 * namespace and metadata filters pick the candidate rows first, then either
 *
 * - every candidate is scored in float64 against the float32 rows (small
 *   candidate sets, no int8 copy, degenerate queries), or
 * - the int8 pre-scan (`int8-rows.ts`) rules out the candidates that provably
 *   cannot be among the K best, and only the rest are scored that same way.
 *
 * Both give the same matches with the same scores; the pre-scan only saves
 * work. Keys are "higher is better" for every metric: cosine similarity, the
 * dot product, and minus the euclidean distance. Ties go to the smaller id
 * (`top-k-heap.ts`).
 */
import { TopKHeap } from "./top-k-heap.js";
import type { DistanceMetric } from "./types.js";
import type { VectorRows } from "./vector-rows.js";

/** Below this many candidates the exact scan is as fast as the pre-scan; a store option may change it. */
export const defaultPrescanMinCandidates = 256;

export interface NearestRequest {
  query: Float64Array;
  topK: number;
  namespace: string | undefined;
  predicate: ((metadata: Record<string, unknown> | undefined) => boolean) | undefined;
}

/** How a search went, for tests and diagnostics. */
export interface SearchStats {
  /** Rows that passed the namespace and metadata filters. */
  candidates: number;
  /** Whether the int8 pre-scan ran. */
  prescan: boolean;
  /** Rows scored exactly in float (all candidates when the pre-scan did not run). */
  scoredExactly: number;
}

export interface NearestResult {
  /** Up to topK (key, row) pairs, best first. */
  best: { key: number; row: number }[];
  stats: SearchStats;
}

/** The `topK` rows nearest to `query` among those passing the filters; see the module comment. */
export function searchNearest(rows: VectorRows, metric: DistanceMetric, request: NearestRequest, prescanMinCandidates: number): NearestResult {
  const { query, topK, namespace, predicate } = request;
  const count = rows.count;
  // -2: any namespace; vectors without one (-1) are never selected by name.
  let wantedNamespace = -2;
  if (namespace !== undefined) {
    const id = rows.namespaceId(namespace);
    if (id === undefined) return { best: [], stats: { candidates: 0, prescan: false, scoredExactly: 0 } };
    wantedNamespace = id;
  }

  const int8 = rows.int8;
  const list = int8 ? int8.candidates : new Int32Array(count);
  let candidates = 0;
  if (wantedNamespace === -2 && predicate === undefined) {
    for (let row = 0; row < count; row++) list[row] = row;
    candidates = count;
  } else {
    const namespaces = rows.namespaceIdsByRow;
    const metadata = rows.metadata;
    for (let row = 0; row < count; row++) {
      if (wantedNamespace !== -2 && namespaces[row] !== wantedNamespace) continue;
      if (predicate !== undefined && !predicate(metadata[row])) continue;
      list[candidates++] = row;
    }
  }

  const heap = new TopKHeap(topK, rows.ids);
  let scoredExactly: number | undefined;
  if (int8 && candidates > topK && candidates >= prescanMinCandidates) {
    const survivors: number[] = [];
    scoredExactly = int8.prune(query, candidates, topK, rows.norms, (row) => survivors.push(row));
    if (scoredExactly !== undefined) scoreExactly(rows, metric, query, Int32Array.from(survivors), survivors.length, heap);
  }
  const prescan = scoredExactly !== undefined;
  if (scoredExactly === undefined) {
    scoreExactly(rows, metric, query, list, candidates, heap);
    scoredExactly = candidates;
  }
  return { best: heap.drainBestFirst(), stats: { candidates, prescan, scoredExactly } };
}

/**
 * Offers the first `count` rows of `list` to `heap` with their exact keys, in
 * float64 against the float32 rows: cosine, dot product, or minus the
 * euclidean distance. (One loop per metric, inline: a per-row scoring
 * callback made the full scan 1.6× slower.)
 */
function scoreExactly(rows: VectorRows, metric: DistanceMetric, query: Float64Array, list: Int32Array, count: number, heap: TopKHeap): void {
  const dims = rows.dimensions;
  const matrix = rows.matrix;
  if (metric === "euclidean") {
    for (let i = 0; i < count; i++) {
      const row = list[i]!;
      const base = row * dims;
      let squares = 0;
      for (let j = 0; j < dims; j++) {
        const d = query[j]! - matrix[base + j]!;
        squares += d * d;
      }
      heap.offer(-Math.sqrt(squares), row);
    }
    return;
  }
  const norms = rows.norms;
  let queryNorm = 0;
  for (let j = 0; j < dims; j++) queryNorm += query[j]! * query[j]!;
  queryNorm = Math.sqrt(queryNorm);
  const cosine = metric === "cosine";
  for (let i = 0; i < count; i++) {
    const row = list[i]!;
    const base = row * dims;
    let dot = 0;
    for (let j = 0; j < dims; j++) dot += query[j]! * matrix[base + j]!;
    if (cosine) {
      const denominator = queryNorm * norms[row]!;
      heap.offer(denominator > 0 ? dot / denominator : 0, row);
    } else {
      heap.offer(dot, row);
    }
  }
}
