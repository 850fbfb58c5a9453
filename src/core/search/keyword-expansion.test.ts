import { describe, expect, it } from "vitest";
import { expansionTerms, interpolateRankings } from "./keyword-expansion.js";

describe("keyword expansion (RM3-style)", () => {
  const feedback = [
    { text: "Heat pump defrost cycle: the defrost valve reverses flow; defrost takes minutes.", score: 12 },
    { text: "The outdoor coil ices over; a defrost cycle melts the ice on the coil.", score: 9 },
    { text: "Warranty terms for the 2024 model year.", score: 1 },
  ];

  it("picks the words that weigh most in the best results, never the query's own, stopwords, numbers or short words", () => {
    const terms = expansionTerms("why does my heat pump ice up", feedback, { feedbackDocs: 3, terms: 3 });
    expect(terms[0]).toBe("defrost");
    expect(terms).toContain("coil");
    for (const word of ["heat", "pump", "the", "2024", "ice"]) expect(terms).not.toContain(word);
    expect(terms).toHaveLength(3);
  });

  it("weights results by score: a low-scoring result's words rank below a high-scoring one's", () => {
    const terms = expansionTerms("model", feedback, { feedbackDocs: 3, terms: 20 });
    expect(terms.indexOf("defrost")).toBeLessThan(terms.indexOf("warranty"));
  });

  it("uses only the first feedbackDocs results, and nothing without results", () => {
    expect(expansionTerms("pump", feedback, { feedbackDocs: 1, terms: 20 })).not.toContain("coil");
    expect(expansionTerms("pump", [], { feedbackDocs: 5, terms: 5 })).toEqual([]);
  });

  it("interpolates two rankings with min-max normalised scores", () => {
    const id = (item: string) => item;
    const original = [
      { item: "a", score: 10 },
      { item: "b", score: 5 },
      { item: "c", score: 0 },
    ];
    const expanded = [
      { item: "c", score: 8 },
      { item: "d", score: 4 },
      { item: "a", score: 0 },
    ];
    const mixed = interpolateRankings(original, expanded, id, 0.5);
    expect(mixed.map((entry) => [entry.item, entry.score])).toEqual([
      ["a", 0.5],
      ["c", 0.5],
      ["b", 0.25],
      ["d", 0.25],
    ]);
    expect(interpolateRankings(original, expanded, id, 1).map((entry) => entry.item).slice(0, 3)).toEqual(["a", "b", "c"]);
  });
});
