import { describe, expect, it } from "vitest";
import { seededRandom } from "../seeded-random.js";
import { fullJitterBackoff } from "./backoff.js";

const options = { baseMs: 100, capMs: 1_000 };

describe("fullJitterBackoff", () => {
  it("is random() times min(cap, base * 2^attempt)", () => {
    expect(fullJitterBackoff(0, options, () => 0.5)).toBe(50);
    expect(fullJitterBackoff(1, options, () => 0.5)).toBe(100);
    expect(fullJitterBackoff(2, options, () => 0.5)).toBe(200);
    expect(fullJitterBackoff(3, options, () => 0.5)).toBe(400);
    expect(fullJitterBackoff(4, options, () => 0.5)).toBe(500); // ceiling capped at 1000
    expect(fullJitterBackoff(40, options, () => 0.5)).toBe(500);
  });

  it("spans the whole range from 0 to the ceiling", () => {
    expect(fullJitterBackoff(2, options, () => 0)).toBe(0);
    expect(fullJitterBackoff(2, options, () => 0.999)).toBeCloseTo(399.6);
  });

  it("stays within [0, ceiling) for any random sequence", () => {
    const random = seededRandom(7);
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const ceiling = Math.min(options.capMs, options.baseMs * 2 ** attempt);
      for (let draw = 0; draw < 50; draw += 1) {
        const delay = fullJitterBackoff(attempt, options, random);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it("treats a negative or fractional attempt as its floor, at least 0", () => {
    expect(fullJitterBackoff(-3, options, () => 0.5)).toBe(50);
    expect(fullJitterBackoff(1.9, options, () => 0.5)).toBe(100);
  });
});
