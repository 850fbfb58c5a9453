import { describe, expect, it } from "vitest";
import { buildSnippet, queryMatchKeys } from "./snippet.js";

/** The highlighted words, as written in the snippet. */
function marked(result: { snippet: string; snippet_highlights: [number, number][] }): string[] {
  return result.snippet_highlights.map(([start, end]) => result.snippet.slice(start, end));
}

const filler = (n: number, word = "lorem") => Array.from({ length: n }, (_, i) => `${word}${i % 7}`).join(" ");

describe("buildSnippet", () => {
  it("returns a short passage whole, as plain text, with stemmed matches marked", () => {
    const result = buildSnippet("## Configure\n\nWe recommend **configuring** the [router](https://x.dev/r) before configuration.", "how to configure the router");
    expect(result.snippet).toBe("Configure We recommend configuring the router before configuration.");
    expect(marked(result)).toEqual(["Configure", "configuring", "router", "configuration"]);
  });

  it("cuts a window around the densest matches on word boundaries, with ellipses", () => {
    const text = `${filler(60)}. The cache expires after ten minutes. ${filler(30, "ipsum")} The cache is per isolate. ${filler(60, "dolor")}`;
    const result = buildSnippet(text, "when does the cache expire", { maxChars: 120 });
    expect(result.snippet.startsWith("…The cache expires after ten minutes.")).toBe(true);
    expect(result.snippet.endsWith("…")).toBe(true);
    expect(result.snippet.length).toBeLessThanOrEqual(122);
    // Cut on word boundaries: every word of the snippet is a whole word of the passage.
    const tokens = new Set(text.split(/\s+/));
    for (const word of result.snippet.replace(/^…|…$/g, "").trim().split(/\s+/)) expect(tokens.has(word), word).toBe(true);
    expect(marked(result).map((word) => word.toLowerCase())).toEqual(expect.arrayContaining(["cache", "expires"]));
  });

  it("prefers the window with more distinct query words over one with more repeats", () => {
    const text = `cache cache cache cache cache ${filler(80)} the cache expires quickly ${filler(80, "dolor")}`;
    const result = buildSnippet(text, "cache expire", { maxChars: 80 });
    expect(result.snippet).toContain("cache expires quickly");
  });

  it("gives the start of the passage when no word matches (a vector-only hit)", () => {
    const text = `Heat pumps move heat from outside air. ${filler(80)}`;
    const result = buildSnippet(text, "warmth transfer", { maxChars: 60 });
    expect(result.snippet.startsWith("Heat pumps move heat from outside air.")).toBe(true);
    expect(result.snippet.endsWith("…")).toBe(true);
    expect(result.snippet_highlights).toEqual([]);
  });

  it("offsets are UTF-16 [start, end) into the snippet, after a leading ellipsis and astral characters", () => {
    const text = `${filler(50)} 😀 Ünïcode café 😀 résumé ${filler(50)}`;
    const result = buildSnippet(text, "cafe resume", { maxChars: 60 });
    expect(marked(result)).toEqual(["café", "résumé"]);
    expect(result.snippet[0]).toBe("…");
  });

  it("does not mark stop words unless the query has nothing else", () => {
    expect(marked(buildSnippet("The cat and the hat.", "the cat"))).toEqual(["cat"]);
    expect(marked(buildSnippet("The cat and the hat.", "the"))).toEqual(["The", "the"]);
  });

  it("accepts precomputed query keys", () => {
    const keys = queryMatchKeys("indexing");
    expect(marked(buildSnippet("Indexes are indexed.", keys))).toEqual(["Indexes", "indexed"]);
  });
});
