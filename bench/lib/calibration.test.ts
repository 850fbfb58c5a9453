import { describe, expect, it } from "vitest";
import { calibrateFusion, scoreSetting, type LegResults } from "./calibration.js";

const settings = { method: "rrf" as const, k: 60, keywordWeight: 1, vectorWeight: 0, normalization: "minmax" as const };

/** One query whose only relevant document is the keyword leg's 10th hit. */
function legs(): LegResults {
  const keyword = Array.from({ length: 20 }, (_, i) => ({ id: `c${i}`, documentId: `d${i}`, score: 20 - i }));
  return new Map([["q", { keyword, vector: [] }]]);
}
const qrels = new Map([["q", new Map([["d9", 1]])]]);

describe("fusion calibration", () => {
  it("scores what a request of top_k returns: a hit past top_k counts for nothing", () => {
    expect(scoreSetting(legs(), qrels, settings, ["q"])).toBeCloseTo(1 / Math.log2(11), 10);
    expect(scoreSetting(legs(), qrels, settings, ["q"], 8)).toBe(0);
    expect(scoreSetting(legs(), qrels, settings, ["q"], 10)).toBeCloseTo(1 / Math.log2(11), 10);
  });

  it("calibrates under the same cut", () => {
    expect(calibrateFusion(legs(), qrels, { topK: 8 }).score).toBe(0);
    expect(calibrateFusion(legs(), qrels).score).toBeGreaterThan(0);
  });
});
