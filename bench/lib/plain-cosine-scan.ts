/**
 * The yardstick for the local vector stand-in's exact search: the plainest
 * reasonable cosine top-K scan over a row-major Float32Array matrix. One dot
 * product per row times the row's precomputed inverse norm, and a small
 * sorted array of the best K kept by insertion. No namespaces, filters, ids
 * or metadata.
 */

/** 1/‖row‖ for every row (0 for a zero row). */
export function inverseRowNorms(matrix: Float32Array, dimensions: number): Float32Array {
  const rows = matrix.length / dimensions;
  const out = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    const base = row * dimensions;
    let sum = 0;
    for (let j = 0; j < dimensions; j++) sum += matrix[base + j]! * matrix[base + j]!;
    out[row] = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  }
  return out;
}

export interface ScanResult {
  /** Row numbers, best first. */
  rows: Int32Array;
  /** Cosine similarities, best first. */
  scores: Float64Array;
}

/**
 * The `k` rows most cosine-similar to `query`, best first (ties: the earlier
 * row first). `query` need not be normalised.
 */
export function plainCosineTopK(matrix: Float32Array, invNorms: Float32Array, dimensions: number, query: Float32Array, k: number): ScanResult {
  const rows = invNorms.length;
  let queryNorm = 0;
  for (let j = 0; j < dimensions; j++) queryNorm += query[j]! * query[j]!;
  const invQuery = queryNorm > 0 ? 1 / Math.sqrt(queryNorm) : 0;
  const bestRows = new Int32Array(k).fill(-1);
  const bestScores = new Float64Array(k).fill(-Infinity);
  let kept = 0;
  for (let row = 0; row < rows; row++) {
    const base = row * dimensions;
    let dot = 0;
    for (let j = 0; j < dimensions; j++) dot += query[j]! * matrix[base + j]!;
    const score = dot * invNorms[row]! * invQuery;
    if (kept === k && score <= bestScores[k - 1]!) continue;
    // Insert into the sorted best list.
    let i = kept < k ? kept++ : k - 1;
    while (i > 0 && bestScores[i - 1]! < score) {
      bestScores[i] = bestScores[i - 1]!;
      bestRows[i] = bestRows[i - 1]!;
      i--;
    }
    bestScores[i] = score;
    bestRows[i] = row;
  }
  return { rows: bestRows.subarray(0, kept), scores: bestScores.subarray(0, kept) };
}
