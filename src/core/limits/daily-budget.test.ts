import { describe, expect, it } from "vitest";
import { budgetAllows, dayAdd, dayEndsAt, dayRefund, dayUsed, nextUtcMidnight, utcDay } from "./daily-budget.js";

const noon = Date.UTC(2026, 3, 20, 12, 0, 0);
const lastMs = Date.UTC(2026, 3, 20, 23, 59, 59, 999);
const midnight = Date.UTC(2026, 3, 21);

describe("daily budget", () => {
  it("names the UTC calendar day", () => {
    expect(utcDay(noon)).toBe("2026-04-20");
    expect(utcDay(lastMs)).toBe("2026-04-20");
    expect(utcDay(midnight)).toBe("2026-04-21");
  });

  it("finds the next UTC midnight, also from a midnight itself", () => {
    expect(nextUtcMidnight(noon)).toBe(midnight);
    expect(nextUtcMidnight(lastMs)).toBe(midnight);
    expect(nextUtcMidnight(midnight)).toBe(Date.UTC(2026, 3, 22));
    expect(dayEndsAt("2026-04-20")).toBe(midnight);
  });

  it("counts per day and starts again from zero on the next", () => {
    let count = dayAdd(undefined, 3, noon);
    count = dayAdd(count, 2, lastMs);
    expect(count).toEqual({ day: "2026-04-20", used: 5 });
    expect(dayUsed(count, lastMs)).toBe(5);
    expect(dayUsed(count, midnight)).toBe(0);
    expect(dayAdd(count, 1, midnight)).toEqual({ day: "2026-04-21", used: 1 });
  });

  it("allows while used + cost stays within the limit", () => {
    expect(budgetAllows(9, 10, 1)).toBe(true);
    expect(budgetAllows(10, 10, 1)).toBe(false);
    expect(budgetAllows(8, 10, 3)).toBe(false);
  });

  it("gives back only what was counted today", () => {
    const count = dayAdd(undefined, 3, noon);
    expect(dayRefund(count, 1, noon, noon + 1)).toEqual({ day: "2026-04-20", used: 2 });
    expect(dayRefund(count, 5, noon, noon + 1)).toEqual({ day: "2026-04-20", used: 0 });
    expect(dayRefund(count, 1, noon, midnight)).toBe(count);
    expect(dayRefund(count, 1, noon - 86_400_000, noon)).toBe(count);
  });
});
