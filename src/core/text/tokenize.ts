/**
 * Text tokenisation shared by chunking (token budgets), keyword query
 * building and extractive answering. Pure functions, no dependencies.
 */

const wordPattern = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lower-cased words (letters and digits), in order. Apostrophe suffixes stay attached ("don't"). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(wordPattern)) out.push(match[0].toLowerCase());
  return out;
}

/** A word of `text` (as `words` finds it, lower-cased) with its UTF-16 offsets: `text.slice(start, end)` is the word as written. */
export interface WordSpan {
  word: string;
  start: number;
  end: number;
}

/** The words of `text` with their positions; the same words, in the same order, as `words(text)`. */
export function wordSpans(text: string): WordSpan[] {
  const out: WordSpan[] = [];
  for (const match of text.matchAll(wordPattern)) out.push({ word: match[0].toLowerCase(), start: match.index, end: match.index + match[0].length });
  return out;
}

/**
 * Approximate number of model tokens (WordPiece/BPE) in `text`: one per
 * punctuation mark, one per word, and one more per 6 characters beyond the
 * first 8 of a long word (rare long words split into several pieces). It is
 * an estimate that needs no vocabulary; budgets built on it should keep a
 * margin below a model's hard limit.
 */
export function countTokens(text: string): number {
  // Tokens are runs of letters and digits (\p{L}, \p{N}) and single other
  // non-space characters (the matches of /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu),
  // found by a scan: chunking counts every sentence, and matching that regex
  // (a match object per token) was ~2.6× slower.
  let count = 0;
  let run = 0;
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    let kind: number;
    let width = 1;
    if (code < 128) kind = asciiKinds[code]!;
    else {
      if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) width = 2;
      const character = width === 2 ? text.slice(i, i + 2) : text[i]!;
      kind = letterOrNumber.test(character) ? word : space.test(character) ? blank : other;
    }
    if (kind === word) run += width;
    else {
      if (run > 0) count += runTokens(run);
      run = 0;
      if (kind === other) count += 1;
    }
    i += width;
  }
  return run > 0 ? count + runTokens(run) : count;
}

const blank = 0;
const word = 1;
const other = 2;
const letterOrNumber = /^[\p{L}\p{N}]$/u;
const space = /^\s$/u;
const asciiKinds = Uint8Array.from({ length: 128 }, (_, code) => {
  const character = String.fromCharCode(code);
  return letterOrNumber.test(character) ? word : space.test(character) ? blank : other;
});

/** Tokens of a run of `length` letters and digits (UTF-16 units): long words split into pieces. */
function runTokens(length: number): number {
  return length > 8 ? 1 + Math.ceil((length - 8) / 6) : 1;
}

/** Common English function words; removed from keyword queries and answer scoring. */
export const englishStopwords: ReadonlySet<string> = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below between both but by " +
    "can could did do does doing down during each few for from further had has have having he her here hers herself him " +
    "himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other " +
    "our ours ourselves out over own same she should so some such than that the their theirs them themselves then there " +
    "these they this those through to too under until up very was we were what when where which while who whom why will " +
    "with would you your yours yourself yourselves"
  ).split(" "),
);

/** Words of `text` minus stopwords; falls back to all words when every word is a stopword. */
export function contentWords(text: string): string[] {
  const all = words(text);
  const content = all.filter((word) => !englishStopwords.has(word));
  return content.length > 0 ? content : all;
}
