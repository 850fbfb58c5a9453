/**
 * Undoes shouting before text reaches a cased embedding model. A model whose
 * tokenizer keeps case (the Universal Sentence Encoder) embeds "HOW LONG DO I
 * HAVE TO ASK FOR A REFUND?" far from the same question in lower case (cosine
 * to a passage that answers it 0.26 against 0.57), so a question typed with
 * caps lock on, or a heading written in capitals, lands in the wrong place.
 * `normalizeAllCaps` lower-cases such text and leaves everything else exactly
 * as it was, so the same input always gives the same output.
 *
 * Words (letters, marks, digits, `_`, joined by inner apostrophes) are sorted
 * into three kinds:
 * - lower: has a lowercase letter ("refund", "iPad", "max_retries");
 * - caps: has an uppercase (or titlecase) letter, no lowercase letter, and no
 *   digit or `_` ("REFUND", "WON'T", "DNA", "I");
 * - neutral: everything else — numbers, identifiers and codes ("2024", "S3",
 *   "MAX_RETRIES", "E4"), words of scripts without case (Chinese, Arabic…)
 *   and Cherokee, whose ordinary form is uppercase. Neutral words are never
 *   changed and neither count nor break anything.
 *
 * What is shouting, line by line (a query is usually one line; a passage's
 * title, headings and paragraphs are lines of their own):
 * 1. A line whose cased letters are at least 80 % uppercase is shouted when
 *    it holds at least 3 caps words of 2+ letters, or one caps word of 5+
 *    letters; all of its caps words are lower-cased ("WHERE IS MY ORDER",
 *    "REFUNDS", "INSTALLATION GUIDE", "MY iPad WON'T CHARGE").
 * 2. Otherwise, a run of at least 3 caps words of 2+ letters in a row (only
 *    neutral words, spaces, commas, colons, hyphens or slashes between them;
 *    a lowercase word, a sentence end or a bracket ends a run), one of them
 *    5+ letters long, is lower-cased: a shouted phrase or an inline heading
 *    inside normal text ("WARNING: DO NOT UNPLUG the unit", "… (CAD). MAIN
 *    OUTCOME MEASURES Death …" keeps "CAD"). Normal text asks for both
 *    conditions because acronyms cluster there ("the AWS IAM API").
 * Everything else keeps its capitals: acronyms and names in normal text
 * ("the HTTP API", "AWS S3", "UNESCO sites"), and short all-caps lines made of
 * short words ("HTTP API", "SIGN IN") — measured with the Universal Sentence
 * Encoder, lower-casing an acronym costs as much as shouting does
 * ("HTTP API" against a passage about it: 0.76 as typed, 0.52 lower-cased),
 * while a long caps word is almost always an ordinary word ("REFUNDS": 0.23
 * as typed, 0.60 lower-cased). Acronyms come alone or in pairs and are
 * rarely 5 letters or longer; that is what the thresholds rest on. Lines of
 * acronyms only ("AWS IAM vs GCP IAM") cannot be told from shouting without a
 * dictionary and are lower-cased.
 *
 * Lower-casing is Unicode's default, locale-free mapping (`toLowerCase`:
 * "É" → "é", "Ğ" → "ğ", Greek final sigma → "ς"), except that "İ" becomes a
 * plain "i" rather than "i" plus a combining dot. Without knowing the
 * language, Turkish "I" becomes "i", not "ı". Plain lower case was chosen
 * over sentence case: with the Universal Sentence Encoder both recover the
 * original question's similarity to a matching passage within 0.02 on
 * average, and lower case needs no sentence detection.
 */

/** Share of a line's cased letters that must be uppercase before the line counts as written in capitals. */
export const predominantlyUppercase = 0.8;
/** Caps words (2+ letters) that make a shouted phrase; one or two in a row are taken for acronyms or names. */
export const minimumShoutedWords = 3;
/** Letters from which a caps word is taken for an ordinary word rather than an acronym. */
export const longWordLetters = 5;

const wordPattern = /[\p{L}\p{M}\p{N}_]+(?:['’][\p{L}\p{M}\p{N}_]+)*/gu;
/** Splits text into lines, keeping the breaks (at odd indexes). */
const lineBreaks = /(\r\n|\n|\r|\u2028|\u2029)/;
const anyUppercase = /[\p{Lu}\p{Lt}]/u;
const uppercaseLetters = /[\p{Lu}\p{Lt}]/gu;
const lowercaseLetters = /\p{Ll}/gu;
const letters = /\p{L}/gu;
const identifierMark = /[\p{N}_]/u;
/** Sentence ends and brackets end a run: an acronym next to a capitalised heading ("(CAD). METHODS AND RESULTS") is not part of it. */
const runBreak = /[.!?;()[\]{}]/;
/** Cherokee is written in its uppercase letters; its lowercase forms are rare, so its letters count as uncased. */
const uncasedScripts = /\p{Script=Cherokee}/gu;

type WordKind = "lower" | "caps" | "neutral";

interface Word {
  start: number;
  end: number;
  text: string;
  kind: WordKind;
  /** Letters of any kind (for the 2+ and 5+ letter thresholds). */
  letters: number;
  upper: number;
  lower: number;
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

function classify(text: string, start: number): Word {
  const cased = text.replace(uncasedScripts, "");
  const upper = count(cased, uppercaseLetters);
  const lower = count(cased, lowercaseLetters);
  const kind: WordKind = lower > 0 ? "lower" : upper > 0 && !identifierMark.test(text) ? "caps" : "neutral";
  return { start, end: start + text.length, text, kind, letters: count(text, letters), upper, lower };
}

function lowerCased(word: string): string {
  // "İ".toLowerCase() is "i" + U+0307 (a combining dot); a plain "i" already has its dot. Cherokee letters stay as written.
  return word.replace(/[^\p{Script=Cherokee}]+/gu, (part) => part.replace(/\u0130/g, "i").toLowerCase());
}

/** Caps words of a line to lower-case (by index into `words`). */
function shoutedWords(line: string, words: Word[]): Set<number> {
  const shouted = new Set<number>();
  const caps = words.filter((word) => word.kind === "caps");
  if (caps.length === 0) return shouted;

  const upper = words.reduce((sum, word) => (word.kind === "neutral" ? sum : sum + word.upper), 0);
  const lower = words.reduce((sum, word) => (word.kind === "neutral" ? sum : sum + word.lower), 0);
  const multiLetter = caps.filter((word) => word.letters >= 2).length;
  const long = caps.some((word) => word.letters >= longWordLetters);
  if (upper / (upper + lower) >= predominantlyUppercase && (multiLetter >= minimumShoutedWords || long)) {
    words.forEach((word, index) => {
      if (word.kind === "caps") shouted.add(index);
    });
    return shouted;
  }

  let run: number[] = [];
  let previousEnd = -1;
  const flush = () => {
    const inRun = run.map((index) => words[index]!);
    const enough = inRun.filter((word) => word.letters >= 2).length >= minimumShoutedWords;
    if (enough && inRun.some((word) => word.letters >= longWordLetters)) for (const index of run) shouted.add(index);
    run = [];
  };
  words.forEach((word, index) => {
    if (previousEnd >= 0 && runBreak.test(line.slice(previousEnd, word.start))) flush();
    previousEnd = word.end;
    if (word.kind === "caps") run.push(index);
    else if (word.kind === "lower") flush();
  });
  flush();
  return shouted;
}

function normalizeLine(line: string): string {
  if (!anyUppercase.test(line)) return line;
  const words = [...line.matchAll(wordPattern)].map((match) => classify(match[0], match.index));
  const shouted = shoutedWords(line, words);
  if (shouted.size === 0) return line;
  let out = "";
  let at = 0;
  words.forEach((word, index) => {
    if (!shouted.has(index)) return;
    out += line.slice(at, word.start) + lowerCased(word.text);
    at = word.end;
  });
  return out + line.slice(at);
}

/**
 * `text` with its shouting lower-cased (see the module comment for the
 * rules): all-caps questions and headings, and runs of 3+ capitalised words
 * inside normal text. Acronyms in normal text, identifiers, numbers and
 * uncased scripts are left as they are; line breaks are kept. Returns `text`
 * itself when nothing is shouted.
 */
export function normalizeAllCaps(text: string): string {
  if (!anyUppercase.test(text)) return text;
  const parts = text.split(lineBreaks);
  let changed = false;
  for (let i = 0; i < parts.length; i += 2) {
    const normalized = normalizeLine(parts[i]!);
    if (normalized !== parts[i]) {
      parts[i] = normalized;
      changed = true;
    }
  }
  return changed ? parts.join("") : text;
}
