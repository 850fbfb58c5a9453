import { describe, expect, it } from "vitest";
import { documentRanking, evaluate, mrrAtK, ndcgAtK, recallAtK } from "./metrics.js";

// Known answers worked out by hand (and matching pytrec_eval's definitions).
describe("metrics", () => {
  const relevant = new Map([
    ["d1", 2],
    ["d2", 1],
  ]);

  it("nDCG@10 with graded gains", () => {
    // DCG = (2^1−1)/log2(3) + (2^2−1)/log2(4) = 0.63093 + 1.5 = 2.13093
    // IDCG = 3/log2(2) + 1/log2(3) = 3 + 0.63093 = 3.63093
    expect(ndcgAtK(["x", "d2", "d1"], relevant, 10)).toBeCloseTo(2.13093 / 3.63093, 5);
    expect(ndcgAtK(["d1", "d2"], relevant, 10)).toBeCloseTo(1, 10);
    expect(ndcgAtK(["x", "y"], relevant, 10)).toBe(0);
    // Cut at k: d1 at rank 11 does not count.
    const late = [...Array.from({ length: 10 }, (_, i) => `n${i}`), "d1"];
    expect(ndcgAtK(late, relevant, 10)).toBe(0);
  });

  it("Recall@k counts distinct relevant documents", () => {
    expect(recallAtK(["d2", "x", "d2"], relevant, 100)).toBe(0.5);
    expect(recallAtK(["d1", "d2"], relevant, 1)).toBe(0.5);
  });

  it("MRR@k is the reciprocal rank of the first relevant document", () => {
    expect(mrrAtK(["x", "y", "d2"], relevant, 10)).toBeCloseTo(1 / 3);
    expect(mrrAtK(["x"], relevant, 10)).toBe(0);
  });

  it("averages over every judged query, counting missing rankings as 0", () => {
    const qrels = new Map([
      ["q1", new Map([["a", 1]])],
      ["q2", new Map([["b", 1]])],
    ]);
    const scores = evaluate(new Map([["q1", ["a"]]]), qrels);
    expect(scores).toEqual({ "ndcg@10": 0.5, "recall@100": 0.5, "mrr@10": 0.5 });
  });

  it("ranks documents by their best chunk", () => {
    expect(documentRanking(["a", "b", "a", "c", "b"])).toEqual(["a", "b", "c"]);
  });
});
