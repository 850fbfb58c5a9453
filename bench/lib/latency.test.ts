import { describe, expect, it } from "vitest";
import { formatMs, percentile, summarize, timeRepeated } from "./latency.js";

describe("percentile", () => {
  it("interpolates linearly between closest ranks (numpy's default)", () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 100)).toBe(50);
    // position (5 − 1) · 0.4 = 1.6 → 20 + 0.6 · (35 − 20) = 29
    expect(percentile(values, 40)).toBeCloseTo(29, 12);
    // position 4 · 0.95 = 3.8 → 40 + 0.8 · 10 = 48
    expect(percentile(values, 95)).toBeCloseTo(48, 12);
  });

  it("does not depend on input order and does not reorder the input", () => {
    const values = [9, 1, 5, 3, 7];
    expect(percentile(values, 50)).toBe(5);
    expect(values).toEqual([9, 1, 5, 3, 7]);
  });

  it("p50 of an even sample is the mean of the middle two; one value is every percentile", () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it("p95 of 1..100 is 95.05", () => {
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBeCloseTo(95.05, 12);
  });
});

describe("summarize", () => {
  it("gives n, mean, min, p50, p95 and max", () => {
    expect(summarize([3, 1, 2, 4])).toEqual({ n: 4, mean: 2.5, min: 1, p50: 2.5, p95: 3.85, max: 4 });
    expect(summarize([]).n).toBe(0);
  });
});

describe("timeRepeated", () => {
  it("runs the warm-up untimed, then one duration per timed repetition, sequentially", async () => {
    const calls: string[] = [];
    let running = 0;
    const durations = await timeRepeated(
      async (i) => {
        expect(running).toBe(0);
        running++;
        calls.push(`call ${i}`);
        await Promise.resolve();
        running--;
      },
      { warmup: 2, repetitions: 3 },
    );
    expect(calls).toEqual(["call 0", "call 1", "call 0", "call 1", "call 2"]);
    expect(durations).toHaveLength(3);
    expect(durations.every((ms) => ms >= 0)).toBe(true);
  });
});

describe("formatMs", () => {
  it("keeps about three significant figures", () => {
    expect(formatMs(0.4213)).toBe("0.42");
    expect(formatMs(12.345)).toBe("12.3");
    expect(formatMs(1234.5)).toBe("1235");
    expect(formatMs(Number.NaN)).toBe("–");
  });
});
