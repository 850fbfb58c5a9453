import { describe, expect, it } from "vitest";
import { applyRerank, planRerank } from "./rerank.js";

describe("rerank orchestration", () => {
  it("reranks the first max(topK, candidates) items and keeps the rest in order", () => {
    const plan = planRerank(["a", "b", "c", "d", "e"], 2, 3);
    expect(plan).toEqual({ head: ["a", "b", "c"], tail: ["d", "e"] });
    const result = applyRerank(plan, [
      { index: 0, score: 0.1 },
      { index: 1, score: 0.9 },
      { index: 2, score: 0.5 },
    ]);
    expect(result.map((entry) => entry.item)).toEqual(["b", "c", "a", "d", "e"]);
    expect(result.map((entry) => entry.score)).toEqual([0.9, 0.5, 0.1, null, null]);
  });

  it("never drops an item the reranker did not score, and ignores bogus indexes", () => {
    const plan = planRerank(["a", "b", "c"], 3, 0);
    const result = applyRerank(plan, [{ index: 2, score: 1 }, { index: 7, score: 5 }, { index: 2, score: -3 }]);
    expect(result.map((entry) => entry.item)).toEqual(["c", "a", "b"]);
  });

  it("breaks score ties by the original order", () => {
    const result = applyRerank(planRerank(["a", "b"], 2, 2), [{ index: 1, score: 0 }, { index: 0, score: 0 }]);
    expect(result.map((entry) => entry.item)).toEqual(["a", "b"]);
  });
});
