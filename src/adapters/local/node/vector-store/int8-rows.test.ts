// The int8 pre-scan on its own: it never rules out a row of the exact top K
// (for every metric, on random and near-duplicate data), it does rule out
// most rows of random data, and its edge cases (zero rows, zero queries,
// values beyond float32 range) fall back safely.
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../../core/seeded-random.js";
import { Int8Rows } from "./int8-rows.js";
import type { DistanceMetric } from "./types.js";

const metrics: DistanceMetric[] = ["cosine", "dot-product", "euclidean"];

function exactKey(metric: DistanceMetric, query: Float64Array, row: Float32Array): number {
  let dot = 0;
  let qq = 0;
  let rr = 0;
  let squared = 0;
  for (let j = 0; j < row.length; j++) {
    dot += query[j]! * row[j]!;
    qq += query[j]! ** 2;
    rr += row[j]! ** 2;
    squared += (query[j]! - row[j]!) ** 2;
  }
  if (metric === "cosine") return qq * rr > 0 ? dot / Math.sqrt(qq * rr) : 0;
  if (metric === "dot-product") return dot;
  return -Math.sqrt(squared);
}

function build(metric: DistanceMetric, rows: Float32Array[]) {
  const dims = rows[0]!.length;
  const int8 = Int8Rows.create(dims, metric);
  if (!int8) throw new Error("this runtime has no WASM SIMD");
  expect(int8.ensureCapacity(rows.length, 0)).toBe(true);
  const norms = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    norms[i] = Math.sqrt(row.reduce((sum, v) => sum + v * v, 0));
    int8.set(i, row, norms[i]!);
  });
  return { int8, norms };
}

/** Runs the pre-scan over all rows; returns the visited rows. */
function prune(int8: Int8Rows, norms: Float64Array, count: number, query: Float64Array, k: number): number[] | undefined {
  for (let i = 0; i < count; i++) int8.candidates[i] = i;
  const visited: number[] = [];
  const n = int8.prune(query, count, k, norms, (row) => visited.push(row));
  if (n === undefined) return undefined;
  expect(n).toBe(visited.length);
  return visited;
}

function topK(metric: DistanceMetric, rows: Float32Array[], query: Float64Array, k: number): number[] {
  return rows
    .map((row, i) => ({ i, key: exactKey(metric, query, row) }))
    .sort((a, b) => b.key - a.key || a.i - b.i)
    .slice(0, k)
    .map((entry) => entry.i);
}

describe("Int8Rows.prune", () => {
  it.each(metrics)("keeps every row of the exact top K and rules out most random rows (%s)", (metric) => {
    const dims = 96;
    const next = seededRandom(17);
    // Rows of varied length, so that dot-product and euclidean differ from cosine.
    const rows = Array.from({ length: 4000 }, () => {
      const length = 0.5 + next() * 2;
      return Float32Array.from({ length: dims }, () => (next() * 2 - 1) * length);
    });
    const { int8, norms } = build(metric, rows);
    let visitedTotal = 0;
    for (let q = 0; q < 20; q++) {
      const query = Float64Array.from({ length: dims }, () => next() * 2 - 1);
      const k = [1, 10, 100][q % 3]!;
      const visited = new Set(prune(int8, norms, rows.length, query, k));
      for (const row of topK(metric, rows, query, k)) expect(visited.has(row)).toBe(true);
      visitedTotal += visited.size;
    }
    expect(visitedTotal / 20).toBeLessThan(rows.length * 0.1);
  });

  it.each(metrics)("keeps the exact top K among near-duplicates, where int8 alone cannot rank them (%s)", (metric) => {
    const dims = 64;
    const next = seededRandom(23);
    const centre = Float64Array.from({ length: dims }, () => next() * 2 - 1);
    const rows = Array.from({ length: 2000 }, () => Float32Array.from(centre, (c) => c + (next() * 2 - 1) * 0.001));
    const { int8, norms } = build(metric, rows);
    for (let q = 0; q < 5; q++) {
      const query = Float64Array.from(centre, (c) => c + (next() * 2 - 1) * 0.001);
      const visited = new Set(prune(int8, norms, rows.length, query, 10));
      for (const row of topK(metric, rows, query, 10)) expect(visited.has(row)).toBe(true);
    }
  });

  it("scores zero rows 0, declines a zero query, and never rules out rows beyond float32 range", () => {
    const dims = 16;
    const rows = [
      new Float32Array(dims),
      Float32Array.from({ length: dims }, (_, j) => (j === 0 ? Infinity : 1)),
      ...Array.from({ length: 50 }, (_, i) => Float32Array.from({ length: dims }, (_, j) => Math.sin(i * 7 + j))),
    ];
    const { int8, norms } = build("cosine", rows);
    expect(prune(int8, norms, rows.length, new Float64Array(dims), 3)).toBeUndefined();
    // Row 2 + i holds sin(7i + j): the query is row 5.
    const query = Float64Array.from({ length: dims }, (_, j) => Math.sin(3 * 7 + j));
    const visited = prune(int8, norms, rows.length, query, 3)!;
    expect(visited).toContain(1);
    expect(visited).toContain(5);
    expect(visited).not.toContain(0);
  });

  it("moves a row with its int8 values and factors", () => {
    const dims = 20;
    const next = seededRandom(3);
    const rows = Array.from({ length: 300 }, () => Float32Array.from({ length: dims }, () => next() * 2 - 1));
    const { int8, norms } = build("cosine", rows);
    // Row 299 moves over row 5 (as a delete of row 5 does); the query is row 299 itself.
    int8.move(299, 5);
    norms[5] = norms[299]!;
    const visited = prune(int8, norms, 299, Float64Array.from(rows[299]!), 1)!;
    expect(visited).toContain(5);
    expect(visited.length).toBeLessThan(30);
  });
});
