/**
 * Search snippets: a short plain-text window of a passage around where the
 * query's words are densest, with the matched words located.
 *
 * - The passage's Markdown is removed first (core/text/markdown-plain-text.ts).
 * - Query words are matched as the keyword leg matches them: the query's
 *   content words (stop words dropped unless there is nothing else, as in
 *   core/search/fts-query.ts), compared by Porter stem with diacritics folded
 *   (FTS5's `porter unicode61 remove_diacritics`), so "configuring" marks
 *   "configure" and "cafe" marks "café".
 * - The window (default at most 240 characters) holds the most distinct
 *   query words, then the most matches; it starts at a sentence start when
 *   one is close enough before the first match, else a little before it.
 *   It is cut on word boundaries, with "…" where text was left out. A
 *   passage with no matching word (a vector-only hit) gives its beginning.
 * - Highlights are `[start, end)` UTF-16 offsets into the snippet (as
 *   JavaScript's `slice` counts), ascending and non-overlapping: clients
 *   render them safely by escaping the snippet and wrapping those ranges,
 *   with no HTML in the API's answer.
 */
import { stem } from "../text/stem.js";
import { markdownToPlainText } from "../text/markdown-plain-text.js";
import { contentWords, wordSpans } from "../text/tokenize.js";

export interface Snippet {
  snippet: string;
  snippet_highlights: [number, number][];
}

export interface SnippetOptions {
  /** Most characters of the passage in the snippet, ellipses excluded (default 240). */
  maxChars?: number;
}

export const defaultSnippetChars = 240;

/** How a word is compared: lower case, diacritics folded, Porter stem. */
export function matchKey(word: string): string {
  return stem(fold(word));
}

function fold(word: string): string {
  const lower = word.toLowerCase();
  return /^[\x00-\x7f]*$/.test(lower) ? lower : lower.normalize("NFD").replace(/\p{M}+/gu, "");
}

/**
 * A cheap test that a word cannot match: the Porter stemmer only rewrites
 * suffixes, so a stem starts with the word's first two letters (or is its
 * first letter). Words failing it are never stemmed.
 */
function prefixFilter(keys: ReadonlySet<string>): (folded: string) => boolean {
  const two = new Set<string>();
  const one = new Set<string>();
  for (const key of keys) (key.length >= 2 ? two : one).add(key.slice(0, 2));
  return (folded) => two.has(folded.slice(0, 2)) || one.has(folded.slice(0, 1));
}

/** The match keys of a query's words, as the keyword leg would search them. */
export function queryMatchKeys(query: string): Set<string> {
  return new Set(contentWords(query).map(matchKey));
}

const ellipsis = "…";

/** Moves `index` forward to the start of a word (not inside one); `text.length` if none. */
function snapStart(text: string, index: number): number {
  if (index <= 0) return 0;
  let i = index;
  if (/\S/.test(text[i - 1] ?? "")) {
    const space = text.slice(i).search(/\s/);
    if (space < 0 || space > 40) return index; // no boundary near: cut where we are
    i += space;
  }
  while (i < text.length && /[\s,;:.)\]]/.test(text[i] ?? "")) i++;
  if (i < text.length && /[\uDC00-\uDFFF]/.test(text[i] ?? "")) i++;
  return i;
}

/** Moves `index` back to the end of a word (not inside one). */
function snapEnd(text: string, index: number, floor: number): number {
  if (index >= text.length) return text.length;
  let i = index;
  if (/\S/.test(text[i] ?? "") && /\S/.test(text[i - 1] ?? "")) {
    const before = text.slice(floor, i);
    const space = Math.max(before.lastIndexOf(" "), before.lastIndexOf("\u00a0"));
    if (space >= 0 && i - (floor + space) <= 40) i = floor + space;
  }
  while (i > floor && /[\s,;:(\[]/.test(text[i - 1] ?? "")) i--;
  if (i > floor && /[\uD800-\uDBFF]/.test(text[i - 1] ?? "")) i--;
  return i;
}

/**
 * The snippet of `text` (a Markdown passage) for `query`, or for `keys` from
 * `queryMatchKeys` when snippets are made for many passages of one query.
 */
export function buildSnippet(text: string, query: string | ReadonlySet<string>, options: SnippetOptions = {}): Snippet {
  const maxChars = Math.max(20, options.maxChars ?? defaultSnippetChars);
  const keys = typeof query === "string" ? queryMatchKeys(query) : query;
  const plain = markdownToPlainText(text);
  const mayMatch = prefixFilter(keys);
  const seen = new Map<string, string | null>();
  const matches = wordSpans(plain).flatMap((span) => {
    let key = seen.get(span.word);
    if (key === undefined) {
      const folded = fold(span.word);
      const stemmed = mayMatch(folded) ? stem(folded) : null;
      key = stemmed !== null && keys.has(stemmed) ? stemmed : null;
      seen.set(span.word, key);
    }
    return key === null ? [] : [{ start: span.start, end: span.end, key }];
  });

  let start = 0;
  let end = plain.length;
  if (plain.length > maxChars) {
    if (matches.length === 0) {
      end = snapEnd(plain, maxChars, 0);
    } else {
      // The densest window: most distinct keys, then most matches, then earliest.
      let best = { first: 0, last: 0, distinct: 0, count: 0 };
      for (let i = 0; i < matches.length; i++) {
        const seen = new Set<string>();
        let j = i;
        while (j < matches.length && matches[j]!.end - matches[i]!.start <= maxChars) seen.add(matches[j++]!.key);
        const candidate = { first: i, last: Math.max(i, j - 1), distinct: seen.size, count: j - i };
        if (candidate.distinct > best.distinct || (candidate.distinct === best.distinct && candidate.count > best.count)) best = candidate;
      }
      const firstStart = matches[best.first]!.start;
      const lastEnd = matches[best.last]!.end;
      const slack = maxChars - (lastEnd - firstStart);
      // Start at a sentence start within reach before the first match, else a little before it.
      const reach = plain.slice(Math.max(0, firstStart - slack), firstStart);
      const sentence = reach.search(/[.!?…]\s+\S[^.!?…]*$/);
      start =
        firstStart - slack <= 0
          ? 0
          : sentence >= 0
            ? firstStart - reach.length + sentence + 1
            : firstStart - Math.min(Math.floor(slack / 4), 60);
      start = snapStart(plain, Math.max(0, start));
      end = Math.min(plain.length, start + maxChars);
      if (end === plain.length) start = snapStart(plain, Math.max(0, end - maxChars));
      end = snapEnd(plain, end, start);
    }
  }

  const prefix = start > 0 ? ellipsis : "";
  const snippet = `${prefix}${plain.slice(start, end)}${end < plain.length ? ellipsis : ""}`;
  const shift = prefix.length - start;
  const snippet_highlights = matches.filter((match) => match.start >= start && match.end <= end).map((match): [number, number] => [match.start + shift, match.end + shift]);
  return { snippet, snippet_highlights };
}
