import { describe, expect, it } from "vitest";
import { legPositions, resultScoring } from "./result-scoring.js";

describe("result scoring", () => {
  it("ranks from 1, keeps an id's first place, and gives null for what a part did not return", () => {
    const keyword = legPositions(
      [
        { item: "a", score: 9 },
        { item: "b", score: 7 },
        { item: "a", score: 1 },
      ],
      (id) => id,
    );
    const vector = legPositions([{ item: "b", score: 0.8 }], (id) => id);
    expect(resultScoring("a", { keyword, vector, fused: new Map([["a", 0.5]]) })).toEqual({
      keyword_rank: 1,
      keyword_score: 9,
      vector_rank: null,
      vector_score: null,
      fused_score: 0.5,
      rerank_score: null,
    });
    expect(resultScoring("b", { keyword, vector, rerank: new Map([["b", 3.2]]) })).toEqual({
      keyword_rank: 2,
      keyword_score: 7,
      vector_rank: 1,
      vector_score: 0.8,
      fused_score: null,
      rerank_score: 3.2,
    });
  });
});
