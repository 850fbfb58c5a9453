import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "./retry-after.js";

const now = Date.parse("2026-03-01T12:00:00Z");

describe("parseRetryAfter", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("120", { nowMs: now })).toBe(120);
    expect(parseRetryAfter(" 0 ", { nowMs: now })).toBe(0);
    expect(parseRetryAfter("1.5", { nowMs: now })).toBe(1.5);
    expect(parseRetryAfter(30, { nowMs: now })).toBe(30);
  });

  it("reads an HTTP-date relative to now, rounding up, never negative", () => {
    expect(parseRetryAfter("Sun, 01 Mar 2026 12:01:30 GMT", { nowMs: now })).toBe(90);
    expect(parseRetryAfter("Sun, 01 Mar 2026 12:00:00 GMT", { nowMs: now - 1 })).toBe(1);
    expect(parseRetryAfter("Sun, 01 Mar 2026 11:00:00 GMT", { nowMs: now })).toBe(0);
  });

  it("clamps to the maximum (default one hour)", () => {
    expect(parseRetryAfter("86400", { nowMs: now })).toBe(3600);
    expect(parseRetryAfter("86400", { nowMs: now, maxSeconds: 60 })).toBe(60);
    expect(parseRetryAfter("Mon, 02 Mar 2026 12:00:00 GMT", { nowMs: now, maxSeconds: 300 })).toBe(300);
  });

  it("ignores what is not a Retry-After", () => {
    for (const value of [undefined, null, "", "soon", "-5", "1e3", "12abc", Number.NaN, -1, "Not a date, 99 Foo"]) {
      expect(parseRetryAfter(value, { nowMs: now })).toBeUndefined();
    }
  });
});
