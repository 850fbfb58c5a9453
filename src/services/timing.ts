/** Milliseconds since `since` (a `performance.now()` reading), to 0.01 ms. In workerd the clock advances only across I/O. */
export function elapsedMs(since: number): number {
  return Math.round((performance.now() - since) * 100) / 100;
}
