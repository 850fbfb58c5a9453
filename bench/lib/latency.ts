/**
 * Latency statistics for benchmarks: percentiles over a sample of durations
 * and a small timing loop with warm-up.
 */

/**
 * The p-th percentile (0..100) of `values` by linear interpolation between
 * the closest ranks (numpy's default, Hyndman & Fan type 7): for n sorted
 * values the percentile sits at position (n − 1) · p / 100. NaN for an empty
 * sample.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return percentileOfSorted(sorted, p);
}

function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const position = ((sorted.length - 1) * p) / 100;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const fraction = position - lower;
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * fraction;
}

export interface LatencySummary {
  n: number;
  mean: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
}

/** Count, mean, min, median, 95th percentile and max of a sample (NaN fields when empty). */
export function summarize(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { n: 0, mean: Number.NaN, min: Number.NaN, p50: Number.NaN, p95: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    n: sorted.length,
    mean: sum / sorted.length,
    min: sorted[0]!,
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    max: sorted[sorted.length - 1]!,
  };
}

/**
 * Runs `run(i)` for `warmup` untimed iterations, then `repetitions` timed
 * ones (one after the other, never concurrently), and returns each timed
 * iteration's wall-clock duration in milliseconds.
 */
export async function timeRepeated(
  run: (iteration: number) => unknown | Promise<unknown>,
  options: { warmup: number; repetitions: number },
): Promise<number[]> {
  for (let i = 0; i < options.warmup; i++) await run(i);
  const durations: number[] = [];
  for (let i = 0; i < options.repetitions; i++) {
    const started = performance.now();
    await run(i);
    durations.push(performance.now() - started);
  }
  return durations;
}

/** A duration for tables: 3 significant figures, at most 2 decimals ("0.42", "12.3", "1234"). */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}
