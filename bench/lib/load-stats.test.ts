import { describe, expect, it } from "vitest";
import type { RequestRecord } from "./load-outcome.js";
import type { SseTiming } from "./load-sse-timing.js";
import { loadFigures, maxOverlap, percentiles } from "./load-stats.js";

describe("percentiles", () => {
  it("gives p50, p95, p99 and max by linear interpolation", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    const p = percentiles(values);
    expect(p.n).toBe(100);
    expect(p.p50).toBeCloseTo(50.5, 12);
    expect(p.p95).toBeCloseTo(95.05, 12);
    expect(p.p99).toBeCloseTo(99.01, 12);
    expect(p.max).toBe(100);
  });

  it("is NaN for an empty sample", () => {
    expect(percentiles([])).toEqual({ n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN });
  });
});

describe("maxOverlap", () => {
  it("counts requests in flight at once; back-to-back requests do not overlap", () => {
    expect(maxOverlap([])).toBe(0);
    expect(
      maxOverlap([
        { startedMs: 0, durationMs: 10 },
        { startedMs: 10, durationMs: 10 },
        { startedMs: 20, durationMs: 10 },
      ]),
    ).toBe(1);
    expect(
      maxOverlap([
        { startedMs: 0, durationMs: 100 },
        { startedMs: 10, durationMs: 20 },
        { startedMs: 15, durationMs: 5 },
        { startedMs: 40, durationMs: 5 },
      ]),
    ).toBe(3);
  });
});

describe("loadFigures", () => {
  const sse = (fields: Partial<SseTiming> & Pick<SseTiming, "end">): SseTiming => ({ deltas: 0, characters: 0, events: [], ...fields });
  const records: RequestRecord[] = [
    { kind: "chat", startedMs: 0, durationMs: 500, status: 200, sse: sse({ end: "done", sourcesMs: 100, firstDeltaMs: 200, doneMs: 500, deltas: 3 }) },
    { kind: "chat", startedMs: 0, durationMs: 700, status: 200, sse: sse({ end: "done", sourcesMs: 300, firstDeltaMs: 400, doneMs: 700, deltas: 3 }) },
    // left after sources: counts for time to sources only
    { kind: "chat", startedMs: 100, durationMs: 150, status: 200, disconnectAt: "sources", sse: sse({ end: "stopped", sourcesMs: 150 }) },
    // an error after the first delta: counts for sources and first delta, never for done
    { kind: "chat", startedMs: 200, durationMs: 900, status: 200, sse: sse({ end: "eof", sourcesMs: 50, firstDeltaMs: 60, deltas: 1 }) },
    { kind: "chat", startedMs: 300, durationMs: 5, status: 429 },
    { kind: "search", startedMs: 500, durationMs: 40, status: 200, results: 8 },
    { kind: "search", startedMs: 600, durationMs: 60, status: 200, results: 8 },
    { kind: "search", startedMs: 700, durationMs: 300, status: 500, errorCode: "INTERNAL" },
  ];

  it("takes each latency over exactly the requests it names", () => {
    const figures = loadFigures(records);
    expect(figures.timeToSources.n).toBe(4);
    expect(figures.timeToSources.max).toBe(300);
    expect(figures.timeToFirstDelta.n).toBe(3);
    expect(figures.timeToDone.n).toBe(2);
    expect(figures.timeToDone.p50).toBe(600);
    expect(figures.search.n).toBe(2);
    expect(figures.search.p50).toBe(50);
    expect(figures.rateLimited.n).toBe(1);
    expect(figures.tally.errors).toBe(2);
  });

  it("computes throughput over the span from the first request sent to the last finished", () => {
    const figures = loadFigures(records);
    // first sent at 0, last finished at 200 + 900 = 1100 ms
    expect(figures.spanSeconds).toBeCloseTo(1.1, 12);
    expect(figures.requestsPerSecond).toBeCloseTo(8 / 1.1, 12);
    expect(figures.chatsPerSecond).toBeCloseTo(2 / 1.1, 12);
    expect(figures.searchesPerSecond).toBeCloseTo(2 / 1.1, 12);
    expect(figures.maxInFlight).toBe(4);
  });

  it("handles no records", () => {
    const figures = loadFigures([]);
    expect(figures.spanSeconds).toBe(0);
    expect(figures.requestsPerSecond).toBeNaN();
    expect(figures.maxInFlight).toBe(0);
  });
});
