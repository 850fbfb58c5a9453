import { describe, expect, it } from "vitest";
import { addTokensToState, emptyLimitState, refundToState, stateExpiresAt, takeFromState, toRetryAfterSeconds, usageOfState, type LimitState, type TakeRequest } from "./limit-state.js";

const noon = Date.UTC(2100, 0, 1, 12);
const midnight = Date.UTC(2100, 0, 2);

function run(state: LimitState, request: TakeRequest, times: number[]) {
  const results = [];
  for (const now of times) {
    const step = takeFromState(state, request, now);
    state = step.state;
    results.push(step.result);
  }
  return { state, results };
}

describe("limit state", () => {
  it("rounds Retry-After up to whole seconds, at least 1", () => {
    expect(toRetryAfterSeconds(0)).toBe(1);
    expect(toRetryAfterSeconds(1)).toBe(1);
    expect(toRetryAfterSeconds(1000)).toBe(1);
    expect(toRetryAfterSeconds(1001)).toBe(2);
  });

  it("takes from every limit or from none", () => {
    const request: TakeRequest = {
      windows: [
        { name: "tight", limit: 1, windowSeconds: 60 },
        { name: "loose", limit: 5, windowSeconds: 60 },
      ],
      dailyRequests: 10,
    };
    const { state, results } = run(emptyLimitState(), request, [noon, noon + 1, noon + 2]);
    expect(results.map((r) => r.allowed)).toEqual([true, false, false]);
    expect(results[1]!.deniedBy).toEqual({ kind: "window", name: "tight", limit: 1, windowSeconds: 60 });
    expect(usageOfState(state, noon + 3)).toEqual({ windows: { tight: 1, loose: 1 }, day: "2100-01-01", dailyRequests: 1, dailyTokens: 0 });
  });

  it("reports the window with the fewest units left, for RateLimit headers", () => {
    const request: TakeRequest = {
      windows: [
        { name: "a", limit: 10, windowSeconds: 60 },
        { name: "b", limit: 3, windowSeconds: 60 },
      ],
    };
    const { results } = run(emptyLimitState(), request, [noon]);
    expect(results[0]!.window).toEqual({ name: "b", limit: 3, remaining: 2, resetSeconds: 61 });
    expect(takeFromState(emptyLimitState(), { dailyRequests: 3 }, noon).result.window).toBeNull();
  });

  it("refuses the day's requests beyond the budget until UTC midnight, naming the longest wait", () => {
    const request: TakeRequest = { windows: [{ name: "requests", limit: 1, windowSeconds: 60 }], dailyRequests: 2 };
    const { state, results } = run(emptyLimitState(), request, [noon, noon + 61_000, noon + 122_000]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    // Both the window and the budget refuse the third; the budget's wait is the longer one.
    expect(results[2]!.deniedBy).toEqual({ kind: "daily-requests", limit: 2 });
    expect(results[2]!.retryAfterSeconds).toBe((midnight - noon - 122_000) / 1000);
    expect(takeFromState(state, request, midnight - 1).result.allowed).toBe(false);
    const nextDay = takeFromState(state, request, midnight);
    expect(nextDay.result.allowed).toBe(true);
    expect(usageOfState(nextDay.state, midnight).dailyRequests).toBe(1);
  });

  it("refuses once the day's tokens are spent, and records tokens rounded up", () => {
    let state = addTokensToState(emptyLimitState(), 99.2, noon);
    expect(usageOfState(state, noon).dailyTokens).toBe(100);
    expect(takeFromState(state, { dailyTokens: 101 }, noon).result.allowed).toBe(true);
    const spent = takeFromState(state, { dailyTokens: 100 }, noon).result;
    expect(spent).toMatchObject({ allowed: false, deniedBy: { kind: "daily-tokens", limit: 100 }, retryAfterSeconds: 43_200 });
    // Checking the token budget counts nothing.
    state = takeFromState(state, { dailyTokens: 101 }, noon).state;
    expect(usageOfState(state, noon).dailyTokens).toBe(100);
    expect(takeFromState(state, { dailyTokens: 100 }, midnight).result.allowed).toBe(true);
    expect(() => addTokensToState(state, -1, noon)).toThrow(RangeError);
  });

  it("gives back a take that another subject refused", () => {
    const request: TakeRequest = { windows: [{ name: "chat", limit: 2, windowSeconds: 60 }], dailyRequests: 5 };
    const first = takeFromState(emptyLimitState(), request, noon);
    const refunded = refundToState(first.state, { windows: request.windows, dailyRequests: true, at: first.result.at }, noon + 10);
    expect(usageOfState(refunded, noon + 10)).toMatchObject({ windows: { chat: 0 }, dailyRequests: 0 });
  });

  it("knows when it can be forgotten", () => {
    expect(stateExpiresAt(emptyLimitState())).toBe(0);
    const windowOnly = takeFromState(emptyLimitState(), { windows: [{ name: "chat", limit: 2, windowSeconds: 60 }] }, noon).state;
    expect(stateExpiresAt(windowOnly)).toBe(noon + 61_000);
    const withDay = takeFromState(windowOnly, { dailyRequests: 5 }, noon).state;
    expect(stateExpiresAt(withDay)).toBe(midnight);
  });

  it("rejects limits that are not positive integers", () => {
    expect(() => takeFromState(emptyLimitState(), { windows: [{ name: "x", limit: 0, windowSeconds: 60 }] }, noon)).toThrow(RangeError);
    expect(() => takeFromState(emptyLimitState(), { dailyRequests: 1.5 }, noon)).toThrow(RangeError);
    expect(() => takeFromState(emptyLimitState(), { cost: 0 }, noon)).toThrow(RangeError);
  });
});
