import { describe, expect, it } from "vitest";
import { convexCombination, defaultFusionSettings, fuseLegs } from "./hybrid-fusion.js";

const id = (x: string) => x;
const leg = (...entries: [string, number][]) => entries.map(([item, score]) => ({ item, score }));

describe("fuseLegs", () => {
  it("with rrf, equals weighted reciprocal rank fusion", () => {
    const fused = fuseLegs(leg(["a", 9], ["b", 5]), leg(["b", 0.9], ["c", 0.8]), id, { ...defaultFusionSettings, k: 60, keywordWeight: 2, vectorWeight: 1 });
    expect(fused.map((entry) => entry.item)).toEqual(["b", "a", "c"]);
    expect(fused[0]!.score).toBeCloseTo(2 / 62 + 1 / 61);
    expect(fused[1]!.score).toBeCloseTo(2 / 61);
  });

  it("with convex min-max, weighs normalised scores", () => {
    // keyword: a=1, b=0 after min-max; vector: b=1, c=0.
    const keyword = leg(["a", 10], ["b", 2]);
    const vector = leg(["b", 0.9], ["c", 0.5]);
    const fused = fuseLegs(keyword, vector, id, { ...defaultFusionSettings, method: "convex", normalization: "minmax", keywordWeight: 0.7, vectorWeight: 0.3 });
    expect(Object.fromEntries(fused.map((entry) => [entry.item, entry.score]))).toEqual({ a: 0.7, b: 0.3, c: 0 });
    expect(fused.map((entry) => entry.item)).toEqual(["a", "b", "c"]);
  });

  it("with a zero weight, keeps the other leg's order", () => {
    const keyword = leg(["a", 3], ["b", 2], ["c", 1]);
    const vector = leg(["c", 0.9], ["d", 0.8]);
    const fused = fuseLegs(keyword, vector, id, { ...defaultFusionSettings, method: "convex", keywordWeight: 1, vectorWeight: 0 });
    expect(fused.map((entry) => entry.item).slice(0, 3)).toEqual(["a", "b", "c"]);
  });
});

describe("convexCombination with z-scores", () => {
  it("gives missing items the leg's lowest z-score", () => {
    const fused = convexCombination([{ items: leg(["a", 3], ["b", 1]), weight: 1 }, { items: leg(["c", 5]), weight: 1 }], id, "zscore");
    const scores = Object.fromEntries(fused.map((entry) => [entry.item, entry.score]));
    // leg 1: mean 2, sd 1 → a=1, b=−1 (floor −1); leg 2: one item, no spread → c=1 (floor 0).
    expect(scores).toEqual({ a: 1, b: -1, c: 0 });
  });

  it("ranks a leg's single result above the items that leg missed", () => {
    // The keyword leg found exactly one exact match; the vector leg ranks it last.
    const keyword = leg(["exact", 12]);
    const vector = leg(["v1", 0.9], ["v2", 0.85], ["v3", 0.8], ["exact", 0.2]);
    const fused = convexCombination([{ items: keyword, weight: 0.75 }, { items: vector, weight: 0.25 }], id, "zscore");
    expect(fused[0]!.item).toBe("exact");
  });

  it("counts an item once per list at its best position", () => {
    const fused = convexCombination([{ items: leg(["a", 2], ["a", 1], ["b", 0]), weight: 1 }], id, "minmax");
    expect(fused.find((entry) => entry.item === "a")!.score).toBe(1);
  });

  it("breaks a tie between a found item and one the leg missed in favour of the found one", () => {
    // Vector weight 0: an item only the vector leg found scores the keyword leg's floor, as does the keyword leg's weakest hit.
    const keyword = leg(["k1", 3], ["k2", 2], ["zz-weakest", 1]);
    const vector = leg(["aa-vector-only", 0.9], ["k1", 0.5]);
    const fused = convexCombination([{ items: keyword, weight: 1 }, { items: vector, weight: 0 }], id, "zscore");
    expect(fused.map((entry) => entry.item)).toEqual(["k1", "k2", "zz-weakest", "aa-vector-only"]);
  });
});
