/**
 * What a search result shows under its title: the API's plain-text
 * `snippet` with its `snippet_highlights` when it sends them; otherwise
 * (an API without snippets) an excerpt of the raw `text` with Markdown
 * syntax stripped and the query's words marked here.
 */
import type { SearchResult } from "./search-client.js";

export interface Excerpt {
  text: string;
  highlights: [number, number][];
}

const stopWords = new Set("the and for are was were how what when where who why which does did have has with can you your from that this there into about not but".split(" "));
const maxExcerpt = 220;

export function resultExcerpt(result: SearchResult, query: string): Excerpt {
  if (typeof result.snippet === "string" && result.snippet) {
    return { text: result.snippet, highlights: Array.isArray(result.snippet_highlights) ? result.snippet_highlights : termRanges(result.snippet, query) };
  }
  const text = plainText(result.text ?? "");
  const first = termRanges(text, query)[0];
  let start = 0;
  if (first && first[0] > 60 && text.length > maxExcerpt) {
    start = text.lastIndexOf(" ", first[0] - 40) + 1;
    if (text.length - start < maxExcerpt) start = Math.max(0, text.lastIndexOf(" ", text.length - maxExcerpt) + 1);
  }
  let window = text.slice(start, start + maxExcerpt);
  if (start + maxExcerpt < text.length) window = `${window.slice(0, window.lastIndexOf(" ") > 0 ? window.lastIndexOf(" ") : window.length)}…`;
  if (start > 0) window = `…${window}`;
  return { text: window, highlights: termRanges(window, query) };
}

/** Markdown as readable text: links keep their label, code fences, heading marks, list bullets and emphasis go. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/^\s*(```|~~~|:::).*$/gm, " ")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, "")
    .replace(/(\*\*|__|`)/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Where the query's words (3+ letters, not stop words) occur in `text`, case-insensitively, in order. */
export function termRanges(text: string, query: string): [number, number][] {
  const terms = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])].filter((term) => !stopWords.has(term));
  if (terms.length === 0) return [];
  const pattern = new RegExp(terms.sort((a, b) => b.length - a.length).map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "giu");
  return [...text.matchAll(pattern)].map((match) => [match.index!, match.index! + match[0].length]);
}
