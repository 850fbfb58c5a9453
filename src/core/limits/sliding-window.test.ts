import { describe, expect, it } from "vitest";
import { bucketSizeMs, pruneWindow, windowExpiresAt, windowRefund, windowTake, windowUsed, type WindowCounts } from "./sliding-window.js";

const minute = { limit: 3, windowSeconds: 60 };
// A whole second, so bucket boundaries fall on round numbers.
const t0 = 1_800_000_000_000;

function takeMany(counts: WindowCounts, rule: { limit: number; windowSeconds: number }, times: number[]) {
  const outcomes = [];
  for (const now of times) {
    const outcome = windowTake(counts, rule, 1, now);
    counts = outcome.counts;
    outcomes.push(outcome);
  }
  return { counts, outcomes };
}

describe("sliding window", () => {
  it("counts in buckets of 1/60 of the window, at least a second", () => {
    expect(bucketSizeMs(60)).toBe(1000);
    expect(bucketSizeMs(3600)).toBe(60_000);
    expect(bucketSizeMs(10)).toBe(1000);
  });

  it("admits `limit` units, then refuses without counting the refusal", () => {
    const { counts, outcomes } = takeMany([], minute, [t0, t0 + 1, t0 + 2, t0 + 3, t0 + 4]);
    expect(outcomes.map((o) => o.allowed)).toEqual([true, true, true, false, false]);
    expect(outcomes.map((o) => o.remaining)).toEqual([2, 1, 0, 0, 0]);
    expect(windowUsed(counts, minute, t0 + 5)).toBe(3);
  });

  it("says exactly when the oldest unit leaves, and a retry at that moment succeeds", () => {
    const rule = { limit: 2, windowSeconds: 60 };
    let { counts } = takeMany([], rule, [t0, t0 + 10_000]);
    const refused = windowTake(counts, rule, 1, t0 + 20_000);
    expect(refused.allowed).toBe(false);
    // The unit taken at t0 sits in bucket [t0, t0+1s) and counts until t0 + 1 s + 60 s.
    expect(refused.retryAfterMs).toBe(41_000);
    expect(refused.resetMs).toBe(41_000);
    counts = refused.counts;
    expect(windowTake(counts, rule, 1, t0 + 60_999).allowed).toBe(false);
    const retried = windowTake(counts, rule, 1, t0 + 20_000 + refused.retryAfterMs);
    expect(retried.allowed).toBe(true);
    expect(retried.remaining).toBe(0);
  });

  it("holds a unit at most one bucket longer than the window", () => {
    const { counts } = takeMany([], minute, [t0 + 500]);
    expect(windowUsed(counts, minute, t0 + 60_999)).toBe(1);
    expect(windowUsed(counts, minute, t0 + 61_000)).toBe(0);
    expect(windowExpiresAt(counts, minute)).toBe(t0 + 61_000);
  });

  it("never admits more than `limit` in any span of one window (randomised arrivals)", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const rule = { limit: 7, windowSeconds: 60 };
    const times: number[] = [];
    let now = t0;
    for (let i = 0; i < 2000; i++) times.push((now += Math.floor(random() * 900)));
    const { outcomes } = takeMany([], rule, times);
    const admitted = times.filter((_, i) => outcomes[i]!.allowed);
    expect(admitted.length).toBeGreaterThan(100);
    for (const t of admitted) {
      expect(admitted.filter((s) => s > t - 60_000 && s <= t).length).toBeLessThanOrEqual(7);
    }
    // And a refusal's wait is honest: nothing fits before it, something fits at it.
    outcomes.forEach((outcome, i) => {
      if (outcome.allowed) return;
      const state = i === 0 ? [] : outcomes[i - 1]!.counts;
      expect(windowTake(state, rule, 1, times[i]! + outcome.retryAfterMs).allowed).toBe(true);
      expect(windowTake(state, rule, 1, times[i]! + outcome.retryAfterMs - 1).allowed).toBe(false);
    });
  });

  it("keeps at most 61 buckets per rule", () => {
    const rule = { limit: 1_000_000, windowSeconds: 60 };
    const times = Array.from({ length: 600 }, (_, i) => t0 + i * 500);
    const { counts } = takeMany([], rule, times);
    expect(pruneWindow(counts, rule, times.at(-1)!).length).toBeLessThanOrEqual(61);
    expect(counts.length).toBeLessThanOrEqual(61);
  });

  it("refuses a cost larger than the limit, asking to wait a whole window", () => {
    const outcome = windowTake([], minute, 4, t0);
    expect(outcome).toMatchObject({ allowed: false, retryAfterMs: 60_000, counts: [] });
  });

  it("takes several units at once when they fit", () => {
    expect(windowTake([], minute, 3, t0)).toMatchObject({ allowed: true, remaining: 0 });
    expect(windowTake([], minute, 2, t0).remaining).toBe(1);
  });

  it("gives back units to the bucket they were taken in, and ignores units already gone", () => {
    const { counts } = takeMany([], minute, [t0, t0 + 2000, t0 + 2500]);
    const refunded = windowRefund(counts, minute, 1, t0 + 2500, t0 + 3000);
    expect(windowUsed(refunded, minute, t0 + 3000)).toBe(2);
    expect(refunded).toEqual([
      [t0 / 1000, 1],
      [t0 / 1000 + 2, 1],
    ]);
    expect(windowRefund(counts, minute, 1, t0, t0 + 61_000)).toEqual([[t0 / 1000 + 2, 2]]);
  });

  it("keeps buckets in order when the clock reads earlier than the last take", () => {
    const { counts } = takeMany([], minute, [t0 + 5000, t0 + 1000]);
    expect(counts).toEqual([
      [t0 / 1000 + 1, 1],
      [t0 / 1000 + 5, 1],
    ]);
  });
});
