/**
 * The int8 copy of an index's rows, and the pre-scan that uses it to rule
 * out rows that cannot be among a query's K best, so that only the rest are
 * scored exactly in float (`nearest-search.ts`). The search stays exact: a
 * row is ruled out only when a proven bound says K other rows beat it.
 *
 * Quantisation, per row, at upsert time: symmetric, scale s = max|x|/127,
 * x_j ≈ s·round(x_j/s), so each value is off by at most s/2. The query is
 * quantised the same way per query, to int16 with scale t (finer: up to
 * ±32767, less for long vectors so the int32 sum cannot overflow). The
 * WASM kernel (`int8-dot-kernel.ts`) computes the integer dot products.
 *
 * The bound: with x_j = s·a_j + ε_j (|ε_j| ≤ s/2) and q_j = t·b_j + δ_j
 * (|δ_j| ≤ t/2),
 *   |s·t·Σ a_j b_j − Σ q_j x_j| ≤ (s/2)·‖q‖₁ + (t/2)·‖x‖₁ + D·s·t/4.
 * Each candidate gets an interval [low, high] around its estimated key
 * (divided by ‖q‖‖x‖ for cosine; for euclidean the key is 2q·x − ‖x‖², which
 * orders rows as −‖q − x‖ does), widened by 1e-9 of the terms' magnitude for
 * float64 rounding (the exact sums round by < 1e-12 of it). T is the K-th
 * largest `low`; a row whose `high` is below T is beaten by K rows and is
 * skipped. Everything else (usually a few dozen rows at 100k random vectors,
 * up to the whole cluster when vectors are near-duplicates) is visited for
 * exact scoring. Rows with values beyond float32 range, and degenerate
 * queries, are never ruled out (their bounds are NaN, or the caller scans
 * exactly).
 *
 * Memory, per row: `stride` int8 bytes (dimensions rounded up to 16) and two
 * float64 factors, plus 8 bytes of per-query scratch (candidate list and
 * integer dots) in the kernel's memory.
 */
import { createInt8DotKernel, type Int8DotKernel } from "./int8-dot-kernel.js";
import type { DistanceMetric } from "./types.js";

const pageBytes = 65536;
const rowLevels = 127;
/** Relative widening of every bound for float64 rounding (see the module comment). */
const roundingSlack = 1e-9;

/** Byte sizes of what this copy holds, for memory reports. */
export interface Int8RowsStorage {
  /** int8 values: capacity × stride. */
  int8Bytes: number;
  /** The two float64 factors per row. */
  factorBytes: number;
  /** Candidate list and integer dots (4 + 4 bytes a row) and the int16 query. */
  scratchBytes: number;
}

/** The int8 copy of one index's rows; see the module comment. */
export class Int8Rows {
  /** Bytes per int8 row: the dimensions rounded up to a multiple of 16. */
  readonly stride: number;
  private readonly kernel: Int8DotKernel;
  private readonly dimensions: number;
  private readonly metric: DistanceMetric;
  /** Query scale limit: dims × 127 × queryLevels must fit in an i32. */
  private readonly queryLevels: number;
  private capacity = 0;
  private values = new Int8Array(0);
  /** s/‖x‖ (cosine) or s (the others), per row. */
  private scaleFactor = new Float64Array(0);
  /** ‖x‖₁/‖x‖ (cosine) or ‖x‖₁ (the others), per row. */
  private l1Factor = new Float64Array(0);
  private listOffset = 0;
  private outOffset = 0;
  private queryOffset = 0;
  private list = new Int32Array(0);
  private out = new Int32Array(0);
  private query = new Int16Array(0);

  private constructor(kernel: Int8DotKernel, dimensions: number, metric: DistanceMetric) {
    this.kernel = kernel;
    this.dimensions = dimensions;
    this.metric = metric;
    this.stride = Math.ceil(dimensions / 16) * 16;
    this.queryLevels = Math.min(32767, Math.floor((2 ** 31 - 1) / (dimensions * rowLevels)));
  }

  /** A copy for rows of `dimensions` values, or undefined when the runtime lacks WASM SIMD. */
  static create(dimensions: number, metric: DistanceMetric): Int8Rows | undefined {
    const kernel = createInt8DotKernel(0);
    return kernel && new Int8Rows(kernel, dimensions, metric);
  }

  /**
   * Makes room for `capacity` rows, keeping the first `used`. Returns false
   * when the memory cannot grow (about 4 GiB in all): the caller then drops
   * this copy and scans exactly.
   */
  ensureCapacity(capacity: number, used: number): boolean {
    if (capacity <= this.capacity) return true;
    const listOffset = capacity * this.stride;
    const outOffset = listOffset + capacity * 4;
    const queryOffset = outOffset + capacity * 4;
    const needed = Math.ceil((queryOffset + this.stride * 2) / pageBytes);
    const memory = this.kernel.memory;
    const have = memory.buffer.byteLength / pageBytes;
    if (needed > have) {
      try {
        memory.grow(needed - have);
      } catch (error) {
        if (error instanceof RangeError) return false;
        throw error;
      }
    }
    // The rows sit at offset 0 and keep their place; the scratch areas move past them.
    this.values = new Int8Array(memory.buffer, 0, capacity * this.stride);
    this.listOffset = listOffset;
    this.outOffset = outOffset;
    this.queryOffset = queryOffset;
    this.list = new Int32Array(memory.buffer, listOffset, capacity);
    this.out = new Int32Array(memory.buffer, outOffset, capacity);
    this.query = new Int16Array(memory.buffer, queryOffset, this.stride);
    this.scaleFactor = grow(this.scaleFactor, new Float64Array(capacity), used);
    this.l1Factor = grow(this.l1Factor, new Float64Array(capacity), used);
    this.capacity = capacity;
    return true;
  }

  /** Quantises `values` (the float32 row) into `row`; `norm` is its euclidean norm. */
  set(row: number, values: Float32Array, norm: number): void {
    const dims = this.dimensions;
    const base = row * this.stride;
    let maxAbs = 0;
    let l1 = 0;
    for (let j = 0; j < dims; j++) {
      const magnitude = Math.abs(values[j]!);
      l1 += magnitude;
      if (magnitude > maxAbs) maxAbs = magnitude;
    }
    if (!Number.isFinite(l1) || maxAbs === 0) {
      // Zero row: key 0 exactly. Values beyond float32 range: NaN bounds, never ruled out.
      this.values.fill(0, base, base + this.stride);
      this.scaleFactor[row] = maxAbs === 0 ? 0 : Number.NaN;
      this.l1Factor[row] = maxAbs === 0 ? 0 : Number.NaN;
      return;
    }
    const scale = maxAbs / rowLevels;
    // |x/scale| ≤ 127·(1 + 2⁻⁵²)², so the rounded value stays within ±127.
    for (let j = 0; j < dims; j++) this.values[base + j] = Math.round(values[j]! / scale);
    this.values.fill(0, base + dims, base + this.stride);
    const divisor = this.metric === "cosine" ? norm : 1;
    this.scaleFactor[row] = scale / divisor;
    this.l1Factor[row] = l1 / divisor;
  }

  /** Copies row `from` over row `to` (deletes move the last row into the hole). */
  move(from: number, to: number): void {
    this.values.copyWithin(to * this.stride, from * this.stride, (from + 1) * this.stride);
    this.scaleFactor[to] = this.scaleFactor[from]!;
    this.l1Factor[to] = this.l1Factor[from]!;
  }

  /** Room for `capacity` candidate row numbers: fill the first n, then call `prune(…, n, …)`. */
  get candidates(): Int32Array {
    return this.list;
  }

  /**
   * Runs the pre-scan over the first `count` entries of `candidates` and calls
   * `visit(row)` for every row that may be among the `k` best for `query`
   * (see the module comment), in candidate order. `norms[row]` is the row's
   * euclidean norm. Returns how many rows were visited, or undefined (having
   * visited none) when the query cannot be quantised usefully (all zeros, so
   * tiny that its squared norm underflows, or so large that it overflows): scan exactly then.
   */
  prune(query: Float64Array, count: number, k: number, norms: Float64Array, visit: (row: number) => void): number | undefined {
    const dims = this.dimensions;
    let maxAbs = 0;
    let l1 = 0;
    let squares = 0;
    for (let j = 0; j < dims; j++) {
      const value = query[j]!;
      const magnitude = Math.abs(value);
      l1 += magnitude;
      squares += value * value;
      if (magnitude > maxAbs) maxAbs = magnitude;
    }
    if (!(squares > 0) || !Number.isFinite(squares) || !Number.isFinite(l1)) return undefined;
    const queryScale = maxAbs / this.queryLevels;
    const quantised = this.query;
    quantised.fill(0);
    for (let j = 0; j < dims; j++) quantised[j] = Math.round(query[j]! / queryScale);
    this.kernel.dots(0, this.stride, this.listOffset, count, this.queryOffset, this.outOffset);

    // key = m·dot·scaleFactor·keyScale − γ·‖x‖²
    // error = m·(scaleFactor·e1 + l1Factor·e2) + slack·(α + β·‖x‖ + γ·‖x‖²)
    const queryNorm = Math.sqrt(squares);
    const cosine = this.metric === "cosine";
    const euclidean = this.metric === "euclidean";
    const divisor = cosine ? queryNorm : 1;
    const m = euclidean ? 2 : 1;
    const keyScale = (m * queryScale) / divisor;
    const e1 = (m * (l1 / 2 + (dims * queryScale) / 4)) / divisor;
    const e2 = (m * (queryScale / 2)) / divisor;
    const gamma = euclidean ? 1 : 0;
    const alpha = roundingSlack * (cosine ? 1 : euclidean ? squares : 0);
    const beta = roundingSlack * (cosine ? 0 : euclidean ? 2 * queryNorm : queryNorm);
    const slackGamma = roundingSlack * gamma;
    const list = this.list;
    const dots = this.out;
    const scaleFactor = this.scaleFactor;
    const l1Factor = this.l1Factor;

    // Pass 1: T, the k-th largest lower bound (a min-heap of the k largest; NaN bounds never count).
    const lows = new Float64Array(k);
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const row = list[i]!;
      const norm = norms[row]!;
      const normSquared = norm * norm;
      const key = dots[i]! * scaleFactor[row]! * keyScale - gamma * normSquared;
      const error = scaleFactor[row]! * e1 + l1Factor[row]! * e2 + alpha + beta * norm + slackGamma * normSquared;
      const low = key - error;
      if (kept < k) {
        if (low !== low) continue;
        let at = kept++;
        while (at > 0) {
          const parent = (at - 1) >> 1;
          if (lows[parent]! <= low) break;
          lows[at] = lows[parent]!;
          at = parent;
        }
        lows[at] = low;
      } else if (low > lows[0]!) {
        let at = 0;
        for (;;) {
          const left = 2 * at + 1;
          if (left >= k) break;
          const child = left + 1 < k && lows[left + 1]! < lows[left]! ? left + 1 : left;
          if (lows[child]! >= low) break;
          lows[at] = lows[child]!;
          at = child;
        }
        lows[at] = low;
      }
    }
    const threshold = kept < k ? -Infinity : lows[0]!;

    // Pass 2: visit every row whose upper bound reaches T (or is NaN).
    let visited = 0;
    for (let i = 0; i < count; i++) {
      const row = list[i]!;
      const norm = norms[row]!;
      const normSquared = norm * norm;
      const key = dots[i]! * scaleFactor[row]! * keyScale - gamma * normSquared;
      const error = scaleFactor[row]! * e1 + l1Factor[row]! * e2 + alpha + beta * norm + slackGamma * normSquared;
      if (key + error < threshold) continue;
      visit(row);
      visited++;
    }
    return visited;
  }

  /** Byte sizes, from the arrays' lengths at the current capacity. */
  storage(): Int8RowsStorage {
    return {
      int8Bytes: this.values.byteLength,
      factorBytes: this.scaleFactor.byteLength + this.l1Factor.byteLength,
      scratchBytes: this.list.byteLength + this.out.byteLength + this.query.byteLength,
    };
  }
}

function grow<T extends Float64Array>(old: T, fresh: T, used: number): T {
  fresh.set(old.subarray(0, used));
  return fresh;
}
