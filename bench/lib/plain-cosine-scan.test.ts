import { describe, expect, it } from "vitest";
import { inverseRowNorms, plainCosineTopK } from "./plain-cosine-scan.js";
import { seededRandom } from "./speed-corpus.js";

describe("plainCosineTopK", () => {
  it("returns the same top K as sorting every cosine similarity", () => {
    const dims = 16;
    const rows = 500;
    const random = seededRandom(3);
    const matrix = Float32Array.from({ length: rows * dims }, () => random() * 2 - 1);
    const query = Float32Array.from({ length: dims }, () => random() * 2 - 1);
    const result = plainCosineTopK(matrix, inverseRowNorms(matrix, dims), dims, query, 10);

    const cosine = (row: number) => {
      let dot = 0;
      let a = 0;
      let b = 0;
      for (let j = 0; j < dims; j++) {
        dot += query[j]! * matrix[row * dims + j]!;
        a += query[j]! ** 2;
        b += matrix[row * dims + j]! ** 2;
      }
      return dot / Math.sqrt(a * b);
    };
    const expected = Array.from({ length: rows }, (_, row) => ({ row, score: cosine(row) }))
      .sort((x, y) => y.score - x.score)
      .slice(0, 10);
    expect(Array.from(result.rows)).toEqual(expected.map((entry) => entry.row));
    result.scores.forEach((score, i) => expect(score).toBeCloseTo(expected[i]!.score, 5));
  });

  it("returns fewer than K when there are fewer rows, and scores zero rows 0", () => {
    const matrix = Float32Array.from([1, 0, 0, 0, 0, 2]);
    const result = plainCosineTopK(matrix, inverseRowNorms(matrix, 2), 2, Float32Array.from([0, 1]), 5);
    expect(Array.from(result.rows)).toEqual([2, 0, 1]);
    expect(Array.from(result.scores)).toEqual([1, 0, 0]);
  });
});
