/**
 * Extractive answering: the offline generator's brain. Picks the few source
 * sentences that best match the question (BM25 over stemmed content words)
 * and strings them together with `[n]` citations. The answer contains only
 * text copied from the sources, citation markers, and — when nothing
 * relevant is found — one fixed sentence; it can never say anything a source
 * did not say, and it never follows instructions found in a source.
 */
import type { NumberedSource } from "./sources.js";
import { stem } from "../text/stem.js";
import { englishStopwords, words } from "../text/tokenize.js";

export interface ExtractiveAnswerOptions {
  /** Most sentences in the answer (default 4). */
  maxSentences?: number;
  /** Word budget for the answer, citations excluded (default 120). */
  maxWords?: number;
}

/** The only sentence the extractive answer ever writes itself. */
export const noAnswerText = "I could not find an answer to that in the indexed documents.";

/** Question words that say what to do, not what about; ignored when scoring. */
const questionFillers: ReadonlySet<string> = new Set(["please", "explain", "describe", "tell", "kindly"]);

/** Words that end with "." without ending a sentence, in any case (final dot removed). */
const abbreviations: ReadonlySet<string> = new Set(
  "e.g eg i.e ie cf vs viz al approx ca pp fig figs vol vols eq ref refs ed eds a.m p.m ph.d".split(" "),
);

/** Capitalised abbreviations (titles, months); lower-case "ms." or "no." still ends a sentence. */
const capitalisedAbbreviations: ReadonlySet<string> = new Set(
  (
    "Dr Mr Mrs Ms Mx Prof St Jr Sr Rev Hon Gen Col Lt Sgt Capt Inc Ltd Co Corp Dept Univ Assn No Nos P " +
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
  ).split(" "),
);

const k1 = 1.2;
const b = 0.75;

interface Unit {
  text: string;
  heading: string | undefined;
}

interface Candidate {
  sourceIndex: number;
  position: number;
  text: string;
  terms: string[];
  wordCount: number;
  heading: string | undefined;
  score: number;
}

/** Removes inline markdown that is syntax rather than content, and citation-like brackets. */
function cleanInline(text: string): string {
  return text
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "") // images
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1") // links -> their text
    .replace(/\s*\[\^?\d+(?:\s*[-–,;]\s*\d+)*\]/g, "") // reference markers that would read as citations
    .replace(/\*\*|__/g, "")
    .replace(/(^|[\s(])[*_](?=\S)([^*_]*?\S)[*_](?=[\s).,;:!?]|$)/g, "$1$2") // *emphasis*
    .replace(/<\/?[a-z][^>]*>/gi, "") // inline HTML tags
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Splits markdown-ish text into units (paragraphs and list items) with the
 * heading each follows. Code blocks, tables and rules are dropped; heading
 * lines become context, not candidates.
 */
function unitsOf(text: string, sourceHeading: string | undefined): Unit[] {
  const units: Unit[] = [];
  let heading = sourceHeading;
  let paragraph: string[] = [];
  let inFence: string | undefined;
  let afterBlank = true;
  let inList = false;

  const flush = () => {
    const joined = cleanInline(paragraph.join(" "));
    if (joined !== "") units.push({ text: joined, heading });
    paragraph = [];
  };

  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    const fence = /^\s*(`{3,}|~{3,})/.exec(rawLine);
    if (inFence !== undefined) {
      if (fence?.[1] !== undefined && fence[1][0] === inFence[0] && fence[1].length >= inFence.length) inFence = undefined;
      continue;
    }
    if (fence?.[1] !== undefined) {
      flush();
      inFence = fence[1];
      continue;
    }

    const line = rawLine.replace(/^(\s*>)+\s?/, ""); // blockquote markers
    if (line.trim() === "") {
      flush();
      afterBlank = true;
      continue;
    }
    const wasAfterBlank = afterBlank;
    afterBlank = false;

    const atx = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (atx) {
      flush();
      heading = cleanInline(atx[1] ?? "");
      inList = false;
      continue;
    }
    if (/^\s{0,3}(?:=+|-+)\s*$/.test(line) && paragraph.length === 1 && !inList) {
      heading = cleanInline(paragraph[0] ?? ""); // setext heading
      paragraph = [];
      continue;
    }
    if (/^\s{0,3}(?:[-*_]\s*){3,}$/.test(line)) {
      flush(); // horizontal rule
      inList = false;
      continue;
    }
    if (/^\s*\|/.test(line)) {
      flush(); // table row
      continue;
    }
    const item = /^\s*(?:[-*+•]|\d{1,3}[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      paragraph.push(item[1] ?? "");
      inList = true;
      continue;
    }
    if (wasAfterBlank && !inList && /^(?: {4}|\t)/.test(line)) continue; // indented code
    if (wasAfterBlank && !/^\s/.test(line)) inList = false;
    paragraph.push(line.trim());
  }
  flush();
  return units;
}

/** True when the "." at `dotIndex` ends an abbreviation or an initial rather than a sentence. */
function isAbbreviation(text: string, dotIndex: number): boolean {
  let start = dotIndex;
  while (start > 0 && !/[\s(["'“‘]/.test(text[start - 1] ?? "")) start--;
  const token = text.slice(start, dotIndex);
  if (token === "") return false;
  if (abbreviations.has(token.toLowerCase()) || capitalisedAbbreviations.has(token)) return true;
  if (/^\p{Lu}$/u.test(token)) return true; // initial: "J. Smith"
  return /^(?:\p{L}\.)+\p{L}$/u.test(token); // "U.S", "e.g"
}

/** Splits a unit into sentences, keeping abbreviations, decimals and inline code intact. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  const boundary = /([.!?…]+)(["'”’)\]]*)(\s+)/g;
  for (const match of text.matchAll(boundary)) {
    const punctuation = match[1] ?? "";
    const end = match.index + punctuation.length + (match[2]?.length ?? 0);
    const next = text[end + (match[3]?.length ?? 0)] ?? "";
    if (/\p{Ll}/u.test(next)) continue; // "e.g. the", "approx. three"
    if (punctuation === "." && isAbbreviation(text, match.index)) continue;
    if ((text.slice(start, end).match(/`/g)?.length ?? 0) % 2 === 1) continue; // inside inline code
    const sentence = text.slice(start, end).trim();
    if (sentence !== "") sentences.push(sentence);
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest !== "") sentences.push(rest);
  return sentences;
}

function termsOf(text: string): string[] {
  return words(text)
    .filter((word) => !englishStopwords.has(word))
    .map(stem);
}

function withCitation(text: string, n: number): string {
  const end = /[.!?]+$/.exec(text);
  return end ? `${text.slice(0, end.index)} [${n}]${end[0]}` : `${text} [${n}]`;
}

function firstWords(text: string, count: number): string {
  const pieces = text.match(/\S+/g) ?? [];
  return pieces.length <= count ? text : `${pieces.slice(0, count).join(" ")}…`;
}

/**
 * Answers `question` by quoting the best-matching sentences of `sources`
 * (best-ranked first). Sentences are scored with BM25 over stemmed content
 * words (IDF over all candidate sentences), boosted slightly for
 * better-ranked sources and for sentences under a heading that matches the
 * question. The chosen sentences appear in source-rank order, then document
 * order, each source's run followed by its citation `[n]`. When no sentence
 * shares a content word with the question, returns `noAnswerText`.
 */
export function extractiveAnswer(question: string, sources: NumberedSource[], options: ExtractiveAnswerOptions = {}): string {
  const maxSentences = Math.max(1, options.maxSentences ?? 4);
  const maxWords = Math.max(1, options.maxWords ?? 120);

  const queryTerms = [...new Set(words(question).filter((word) => !englishStopwords.has(word) && !questionFillers.has(word)).map(stem))];
  if (queryTerms.length === 0) return noAnswerText;
  const query = new Set(queryTerms);

  const candidates: Candidate[] = [];
  sources.forEach((source, sourceIndex) => {
    let position = 0;
    for (const unit of unitsOf(source.text, source.heading)) {
      for (const sentence of splitSentences(unit.text)) {
        const wordCount = words(sentence).length;
        if (wordCount < 3) continue;
        candidates.push({ sourceIndex, position: position++, text: sentence, terms: termsOf(sentence), wordCount, heading: unit.heading, score: 0 });
      }
    }
  });
  if (candidates.length === 0) return noAnswerText;

  const documentFrequency = new Map<string, number>();
  for (const candidate of candidates) {
    for (const term of new Set(candidate.terms)) if (query.has(term)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const total = candidates.length;
  const averageLength = candidates.reduce((sum, c) => sum + c.terms.length, 0) / total || 1;

  for (const candidate of candidates) {
    const frequency = new Map<string, number>();
    for (const term of candidate.terms) if (query.has(term)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
    let score = 0;
    for (const [term, tf] of frequency) {
      const df = documentFrequency.get(term) ?? 0;
      const idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
      score += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * candidate.terms.length) / averageLength));
    }
    if (score === 0) continue;
    if (candidate.heading !== undefined) {
      const headingTerms = new Set(termsOf(candidate.heading));
      const shared = queryTerms.filter((term) => headingTerms.has(term)).length;
      score *= 1 + (0.25 * shared) / queryTerms.length;
    }
    candidate.score = score * (1 + 0.15 / (1 + candidate.sourceIndex));
  }

  const ranked = candidates
    .filter((c) => c.score > 0)
    .sort((x, y) => y.score - x.score || x.sourceIndex - y.sourceIndex || x.position - y.position);
  const best = ranked[0];
  if (best === undefined) return noAnswerText;

  const chosen: Candidate[] = [];
  const seen = new Set<string>();
  let wordsUsed = 0;
  for (const candidate of ranked) {
    if (chosen.length >= maxSentences || candidate.score < best.score * 0.35) break;
    const key = candidate.text.toLowerCase().replace(/\W+/g, " ").trim();
    if (seen.has(key)) continue;
    if (chosen.length > 0 && wordsUsed + candidate.wordCount > maxWords) continue;
    seen.add(key);
    chosen.push(candidate);
    wordsUsed += candidate.wordCount;
  }

  chosen.sort((x, y) => x.sourceIndex - y.sourceIndex || x.position - y.position);
  const runs: string[] = [];
  for (let i = 0; i < chosen.length; ) {
    const sourceIndex = chosen[i]?.sourceIndex ?? 0;
    const texts: string[] = [];
    while (i < chosen.length && chosen[i]?.sourceIndex === sourceIndex) {
      const candidate = chosen[i] as Candidate;
      texts.push(chosen.length === 1 ? firstWords(candidate.text, maxWords) : candidate.text);
      i++;
    }
    runs.push(withCitation(texts.join(" "), sources[sourceIndex]?.n ?? sourceIndex + 1));
  }
  return runs.join(" ");
}
