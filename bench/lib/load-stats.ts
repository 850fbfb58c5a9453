/**
 * The load benchmark's figures from its request records. Pure. Each latency
 * says exactly which requests it is over (see `LoadFigures`); percentiles are
 * those of `latency.ts` (linear interpolation, numpy's default).
 */
import { percentile } from "./latency.js";
import { classify, tallyOutcomes, type OutcomeTally, type RequestRecord } from "./load-outcome.js";

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** n, p50, p95, p99 and max of `values` (NaN when empty). */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { n: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.reduce((a, b) => Math.max(a, b), -Infinity),
  };
}

export interface LoadFigures {
  tally: OutcomeTally;
  /** Chats (any outcome) that received `sources`: ms from sending the request to the parsed `sources` event. */
  timeToSources: Percentiles;
  /** Chats that received a `delta`: ms from sending to the first parsed `delta`. */
  timeToFirstDelta: Percentiles;
  /** Completed chats (outcome ok): ms from sending to the parsed `done` event. */
  timeToDone: Percentiles;
  /** Successful searches: ms from sending to the whole parsed JSON answer. */
  search: Percentiles;
  /** 429 answers (either kind): ms from sending to the answer, to show they are refused before any work. */
  rateLimited: Percentiles;
  /** Seconds from the first request sent to the last one finished. */
  spanSeconds: number;
  /** Requests finished per second over `spanSeconds` (every outcome). */
  requestsPerSecond: number;
  /** Completed chats (outcome ok) per second. */
  chatsPerSecond: number;
  /** Successful searches per second. */
  searchesPerSecond: number;
  /** Most requests in flight at once (from the records' start and end times). */
  maxInFlight: number;
}

/** Computes every figure of the report from the request records. */
export function loadFigures(records: readonly RequestRecord[]): LoadFigures {
  const tally = tallyOutcomes(records);
  const sources: number[] = [];
  const firstDelta: number[] = [];
  const done: number[] = [];
  const search: number[] = [];
  const rateLimited: number[] = [];
  for (const record of records) {
    const outcome = classify(record).category;
    if (outcome === "rate_limited") rateLimited.push(record.durationMs);
    if (record.kind === "search") {
      if (outcome === "ok") search.push(record.durationMs);
      continue;
    }
    const sse = record.sse;
    if (!sse) continue;
    if (sse.sourcesMs !== undefined) sources.push(sse.sourcesMs);
    if (sse.firstDeltaMs !== undefined) firstDelta.push(sse.firstDeltaMs);
    if (outcome === "ok" && sse.doneMs !== undefined) done.push(sse.doneMs);
  }
  const first = records.reduce((min, record) => Math.min(min, record.startedMs), Infinity);
  const last = records.reduce((max, record) => Math.max(max, record.startedMs + record.durationMs), -Infinity);
  const spanSeconds = records.length === 0 ? 0 : (last - first) / 1000;
  const perSecond = (count: number) => (spanSeconds > 0 ? count / spanSeconds : Number.NaN);
  return {
    tally,
    timeToSources: percentiles(sources),
    timeToFirstDelta: percentiles(firstDelta),
    timeToDone: percentiles(done),
    search: percentiles(search),
    rateLimited: percentiles(rateLimited),
    spanSeconds,
    requestsPerSecond: perSecond(records.length),
    chatsPerSecond: perSecond(done.length),
    searchesPerSecond: perSecond(search.length),
    maxInFlight: maxOverlap(records),
  };
}

/** The largest number of [start, start + duration) intervals that overlap. */
export function maxOverlap(records: readonly Pick<RequestRecord, "startedMs" | "durationMs">[]): number {
  const edges: [number, number][] = [];
  for (const record of records) {
    edges.push([record.startedMs, 1], [record.startedMs + record.durationMs, -1]);
  }
  // Ends before starts at the same instant: back-to-back requests of one client do not overlap.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let best = 0;
  for (const [, delta] of edges) {
    current += delta;
    best = Math.max(best, current);
  }
  return best;
}
