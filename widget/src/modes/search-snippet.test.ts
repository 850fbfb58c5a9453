/** The search results' text when the API sends no `snippet` (an older API): Markdown stripped, the query's words found. */
import { describe, expect, it } from "vitest";
import type { SearchResult } from "./search-client.js";
import { plainText, resultExcerpt, termRanges } from "./search-snippet.js";

const result = (fields: Partial<SearchResult>): SearchResult => ({ chunk_id: "c", document_id: "d", title: "T", heading: "", text: "", source_url: null, ...fields });
const marked = (excerpt: { text: string; highlights: [number, number][] }) => excerpt.highlights.map(([start, end]) => excerpt.text.slice(start, end));

describe("search result excerpts", () => {
  it("uses the API's snippet and highlights as they are", () => {
    const excerpt = resultExcerpt(result({ text: "## Raw", snippet: "Refunds are paid back.", snippet_highlights: [[0, 7]] }), "refund");
    expect(excerpt).toEqual({ text: "Refunds are paid back.", highlights: [[0, 7]] });
  });

  it("marks the query's words in a snippet without highlights", () => {
    expect(marked(resultExcerpt(result({ snippet: "You can request a full refund within 30 days." }), "How do I get a Refund?"))).toEqual(["refund"]);
  });

  it("falls back to the raw text as plain text, with the query's words (not stop words) marked", () => {
    const text = "## Refund policy\n\nYou can request a full **refund** within 30 days. See [the terms](https://example.com/terms).\n\n```sh\ncurl x\n```";
    const excerpt = resultExcerpt(result({ text }), "what is the refund policy");
    expect(excerpt.text).toBe("Refund policy You can request a full refund within 30 days. See the terms. curl x");
    expect(marked(excerpt)).toEqual(["Refund", "policy", "refund"]);
  });

  it("cuts long text around the first match, on word boundaries", () => {
    const text = `${"lorem ipsum ".repeat(30)}the heat pump error code E4 means low pressure ${"dolor sit ".repeat(30)}`;
    const excerpt = resultExcerpt(result({ text }), "error code");
    expect(excerpt.text.startsWith("…")).toBe(true);
    expect(excerpt.text.endsWith("…")).toBe(true);
    expect(excerpt.text.length).toBeLessThanOrEqual(222);
    expect(marked(excerpt)).toEqual(["error", "code"]);
  });

  it("escapes the query for the pattern and ignores short words", () => {
    expect(termRanges("a (b) c++ price $5 ok", "c++ (b) $5 price")).toEqual([[10, 15]]);
    expect(plainText("> quote\n- item\n1. first")).toBe("quote item first");
  });
});
