import { describe, expect, it } from "vitest";
import { boundRetrievalQuery, maxRetrievalQueryChars } from "./retrieval-query.js";

describe("boundRetrievalQuery", () => {
  it("keeps a query within the bound as it is", () => {
    const text = "x".repeat(maxRetrievalQueryChars);
    expect(boundRetrievalQuery(text)).toBe(text);
  });

  it("keeps the head and the tail of a long message, within the bound", () => {
    const text = `HEAD ${"filler ".repeat(5000)} What is the refund window?`;
    const bounded = boundRetrievalQuery(text);
    expect(bounded.length).toBeLessThanOrEqual(maxRetrievalQueryChars);
    expect(bounded.startsWith("HEAD ")).toBe(true);
    expect(bounded.endsWith("What is the refund window?")).toBe(true);
  });

  it("never splits a surrogate pair at either cut", () => {
    for (let shift = 0; shift < 4; shift++) {
      const text = "a".repeat(shift) + "😀".repeat(5000);
      const bounded = boundRetrievalQuery(text, 101);
      expect(bounded.length).toBeLessThanOrEqual(101);
      expect(() => encodeURIComponent(bounded)).not.toThrow(); // throws on a lone surrogate
    }
  });
});
