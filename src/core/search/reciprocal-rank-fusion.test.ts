import { describe, expect, it } from "vitest";
import { reciprocalRankFusion } from "./reciprocal-rank-fusion.js";

const id = (x: string) => x;

describe("reciprocalRankFusion", () => {
  it("scores weight / (k + rank) with 1-based ranks, summed over legs", () => {
    const fused = reciprocalRankFusion([{ items: ["a", "b"], weight: 1 }, { items: ["b", "c"], weight: 2 }], id, { k: 60 });
    const byId = Object.fromEntries(fused.map((entry) => [entry.item, entry]));
    expect(byId.a!.score).toBeCloseTo(1 / 61);
    expect(byId.b!.score).toBeCloseTo(1 / 62 + 2 / 61);
    expect(byId.c!.score).toBeCloseTo(2 / 62);
    expect(fused.map((entry) => entry.item)).toEqual(["b", "c", "a"]);
    expect(byId.b!.ranks).toEqual([2, 1]);
    expect(byId.a!.ranks).toEqual([1, undefined]);
  });

  it("favours an item found by both legs over items found by one", () => {
    const fused = reciprocalRankFusion([{ items: ["x", "both"], weight: 1 }, { items: ["y", "both"], weight: 1 }], id);
    expect(fused[0]!.item).toBe("both");
  });

  it("zero weight removes a leg's influence but keeps its items", () => {
    const fused = reciprocalRankFusion([{ items: ["a", "b"], weight: 1 }, { items: ["b", "z"], weight: 0 }], id);
    expect(fused.map((entry) => entry.item)).toEqual(["a", "b", "z"]);
  });

  it("breaks ties deterministically by best rank, then key", () => {
    const fused = reciprocalRankFusion([{ items: ["m", "a"], weight: 1 }, { items: ["a", "m"], weight: 1 }], id);
    expect(fused.map((entry) => entry.item)).toEqual(["a", "m"]);
    const fusedReversed = reciprocalRankFusion([{ items: ["a", "m"], weight: 1 }, { items: ["m", "a"], weight: 1 }], id);
    expect(fusedReversed.map((entry) => entry.item)).toEqual(["a", "m"]);
  });

  it("counts a duplicate within one leg once, at its best rank", () => {
    const fused = reciprocalRankFusion([{ items: ["a", "a", "b"], weight: 1 }], id, { k: 0 });
    expect(fused.find((entry) => entry.item === "a")!.score).toBeCloseTo(1);
  });

  it("rejects a negative k", () => {
    expect(() => reciprocalRankFusion([], id, { k: -1 })).toThrow(RangeError);
  });
});
