/**
 * Heading-aware, token-bounded chunking of parsed documents. Chunks are
 * exact slices of the document text (citable by offset), stay inside one
 * section, prefer whole blocks (paragraphs, lists, tables, code blocks) and
 * fall back to sentence, line and word boundaries for blocks that are too
 * long. Consecutive chunks of a section overlap by a few trailing sentences.
 */
import { closesFence, openingFence, type CodeFence } from "../parsing/markdown.js";
import type { ParsedDocument } from "../parsing/parsed-document.js";
import { countTokens } from "../text/tokenize.js";

export interface ChunkingOptions {
  /** Upper bound on `countTokens(chunk.text)`; integer in 16..8192. */
  maxTokens: number;
  /** Upper bound on the tokens a chunk repeats from the previous one; integer, below maxTokens / 2. */
  overlapTokens: number;
}

export const defaultChunkingOptions: Readonly<ChunkingOptions> = Object.freeze({ maxTokens: 320, overlapTokens: 48 });

export interface Chunk {
  /** 0..n-1 in document order. */
  seq: number;
  /** Exactly `doc.text.slice(start, end)`; no leading or trailing whitespace. */
  text: string;
  headingPath: string[];
  start: number;
  end: number;
  /** `countTokens(text)`, never above `maxTokens`. */
  tokenCount: number;
}

/**
 * Splits a parsed document into chunks of at most `options.maxTokens` tokens.
 *
 * - Sections are chunked separately, so a chunk never straddles a heading;
 *   the exception is a run of consecutive tiny sections (bodies of at most
 *   max(8, maxTokens / 16) tokens) that share a non-empty ancestor heading:
 *   they become one chunk labelled with that common ancestor path, with the
 *   headings below it kept verbatim in the text (so the chunk may start at
 *   the first merged section's heading line). A one-line section is a poor
 *   retrieval unit on its own and costs a vector like any other chunk.
 * - Inside a section whole blocks are packed greedily; a block that alone is
 *   too long is split at list-item/line boundaries, then sentences, then
 *   words, then (for a single huge "word") at token boundaries.
 * - Each chunk after the first in a section starts with trailing sentences
 *   (or lines) of the previous chunk worth at most `overlapTokens` tokens,
 *   shrunk or dropped when the overlap would force the next block to split.
 * - Chunks with no letter or digit (a lone `---`, a fence marker) are dropped.
 *
 * Sections with empty bodies produce no chunks; an empty document gives [].
 * A document without sections is treated as one untitled section.
 * Throws `RangeError` for invalid options.
 */
export function chunkDocument(doc: ParsedDocument, options: ChunkingOptions): Chunk[] {
  validateOptions(options);
  const { text } = doc;
  const raw: RawChunk[] = [];
  for (const group of planSections(doc, options)) {
    packRange(text, group.start, group.end, group.headingPath, options, raw);
  }
  const chunks: Chunk[] = [];
  for (const piece of raw) {
    const chunkText = text.slice(piece.start, piece.end);
    if (!/[\p{L}\p{N}]/u.test(chunkText)) continue;
    chunks.push({
      seq: chunks.length,
      text: chunkText,
      headingPath: [...piece.headingPath],
      start: piece.start,
      end: piece.end,
      tokenCount: countTokens(chunkText),
    });
  }
  return chunks;
}

function validateOptions(options: ChunkingOptions): void {
  const { maxTokens, overlapTokens } = options;
  if (!Number.isInteger(maxTokens) || maxTokens < 16 || maxTokens > 8192) {
    throw new RangeError(`maxTokens must be an integer between 16 and 8192 (got ${String(maxTokens)})`);
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= maxTokens / 2) {
    throw new RangeError(`overlapTokens must be a non-negative integer below maxTokens / 2 (got ${String(overlapTokens)})`);
  }
}

interface RawChunk {
  start: number;
  end: number;
  headingPath: readonly string[];
}

interface SectionRange {
  start: number;
  end: number;
  headingPath: readonly string[];
}

// ---------------------------------------------------------------------------
// Sections and tiny-section merging

/** Sections clamped to the text and to each other (defensive: callers may build ParsedDocuments by hand). */
function cleanSections(doc: ParsedDocument): SectionRange[] {
  const length = doc.text.length;
  if (doc.sections.length === 0) return length > 0 ? [{ start: 0, end: length, headingPath: [] }] : [];
  const sections: SectionRange[] = [];
  let previousEnd = 0;
  for (const section of doc.sections) {
    const start = Math.max(previousEnd, clamp(section.start, 0, length));
    const end = Math.max(start, clamp(section.end, 0, length));
    sections.push({ start, end, headingPath: section.headingPath });
    previousEnd = end;
  }
  return sections;
}

function clamp(value: number, low: number, high: number): number {
  return Number.isFinite(value) ? Math.min(high, Math.max(low, Math.trunc(value))) : low;
}

function planSections(doc: ParsedDocument, options: ChunkingOptions): SectionRange[] {
  const { text } = doc;
  const sections = cleanSections(doc);
  const tinyTokens = Math.max(8, Math.floor(options.maxTokens / 16));
  const costs = sections.map((section) => countTokens(text.slice(section.start, section.end)));
  const plan: SectionRange[] = [];

  for (let i = 0; i < sections.length; ) {
    const first = sections[i] as SectionRange;
    const firstCost = costs[i] ?? 0;
    if (firstCost === 0 || firstCost > tinyTokens || first.headingPath.length === 0) {
      if (firstCost > 0) plan.push(first);
      i++;
      continue;
    }
    // A run of tiny sections under a common, non-empty ancestor, ending at its last non-empty member.
    let common: readonly string[] = first.headingPath;
    let total = firstCost;
    let last = i;
    let lastCommon = common;
    for (let j = i + 1; j < sections.length; j++) {
      const section = sections[j] as SectionRange;
      const cost = costs[j] ?? 0;
      if (cost > tinyTokens) break;
      const shared = commonPrefix(common, section.headingPath);
      if (shared.length === 0) break;
      const gap = countTokens(text.slice((sections[j - 1] as SectionRange).end, section.start));
      if (total + gap + cost > options.maxTokens) break;
      total += gap + cost;
      common = shared;
      if (cost > 0) {
        last = j;
        lastCommon = common;
      }
    }
    // The run is labelled with the common ancestor, so every heading below it must stay in the text: start
    // at the first section's own heading line (the gap after the previous section) unless that heading is
    // the label itself (a parent's short intro followed by its children).
    const labelled = lastCommon.length === first.headingPath.length;
    const start = labelled ? first.start : i > 0 ? (sections[i - 1] as SectionRange).end : -1;
    if (last > i && start >= 0 && total + countTokens(text.slice(start, first.start)) <= options.maxTokens) {
      plan.push({ start, end: (sections[last] as SectionRange).end, headingPath: lastCommon });
      i = last + 1;
    } else {
      plan.push(first);
      i++;
    }
  }
  return plan;
}

function commonPrefix(a: readonly string[], b: readonly string[]): readonly string[] {
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length++;
  return length === a.length ? a : a.slice(0, length);
}

// ---------------------------------------------------------------------------
// Units: the atomic pieces a section is packed from

/**
 * Strength of the boundary before a unit. Packing prefers to end a chunk at
 * the strongest boundary that fits. Token counts add up across every
 * boundary except GLUE (a cut inside one long word), so a chunk never
 * contains a GLUE boundary.
 */
const GLUE = 0;
const WORD = 1;
const SENTENCE = 2;
const LINE = 3;
const BLOCK = 4;
const SECTION_END = 5;

class Units {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly costs: number[] = [];
  readonly breaks: number[] = [];

  constructor(
    private readonly text: string,
    private readonly maxTokens: number,
  ) {}

  get length(): number {
    return this.starts.length;
  }

  /** Adds one line (code, table row) as a unit, split into words when too long. Returns whether anything was added. */
  addLine(start: number, end: number, boundary: number): boolean {
    const range = trimRange(this.text, start, end);
    if (!range) return false;
    const cost = countTokens(this.text.slice(range[0], range[1]));
    if (cost <= this.maxTokens) this.push(range[0], range[1], boundary, cost);
    else this.addWords(range[0], range[1], boundary);
    return true;
  }

  /** Adds prose as sentence units (words when a sentence is too long). */
  addSentences(start: number, end: number, boundary: number): boolean {
    let added = false;
    for (const [sentenceStart, sentenceEnd] of sentenceRanges(this.text, start, end)) {
      const cost = countTokens(this.text.slice(sentenceStart, sentenceEnd));
      const kind = added ? SENTENCE : boundary;
      if (cost <= this.maxTokens) this.push(sentenceStart, sentenceEnd, kind, cost);
      else this.addWords(sentenceStart, sentenceEnd, kind);
      added = true;
    }
    return added;
  }

  private addWords(start: number, end: number, boundary: number): void {
    const wordPattern = /\S+/g;
    const slice = this.text.slice(start, end);
    let kind = boundary;
    for (const match of slice.matchAll(wordPattern)) {
      const wordStart = start + (match.index ?? 0);
      const wordEnd = wordStart + match[0].length;
      const cost = countTokens(match[0]);
      if (cost <= this.maxTokens) this.push(wordStart, wordEnd, kind, cost);
      else this.addPieces(wordStart, wordEnd, kind);
      kind = WORD;
    }
  }

  /** Splits one whitespace-free run into pieces of at most maxTokens, cutting between tokens or inside a huge token. */
  private addPieces(start: number, end: number, boundary: number): void {
    const tokenPattern = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;
    const word = this.text.slice(start, end);
    // Longest letter/digit run costing at most maxTokens: 1 token + 1 per 6 characters beyond 8.
    const longestRun = 8 + 6 * (this.maxTokens - 1);
    let pieceStart = start;
    let pieceCost = 0;
    let kind = boundary;
    const flush = (pieceEnd: number): void => {
      if (pieceEnd > pieceStart) {
        this.push(pieceStart, pieceEnd, kind, pieceCost);
        kind = GLUE;
      }
      pieceStart = pieceEnd;
      pieceCost = 0;
    };
    for (const match of word.matchAll(tokenPattern)) {
      const tokenStart = start + (match.index ?? 0);
      const tokenEnd = tokenStart + match[0].length;
      const cost = countTokens(match[0]);
      if (pieceCost + cost <= this.maxTokens) {
        pieceCost += cost;
        continue;
      }
      flush(tokenStart);
      if (cost <= this.maxTokens) {
        pieceCost = cost;
        continue;
      }
      // One token longer than the budget: cut it into runs that each cost maxTokens.
      let runStart = tokenStart;
      while (tokenEnd - runStart > longestRun) {
        let cut = runStart + longestRun;
        if (isLowSurrogate(this.text.charCodeAt(cut))) cut--;
        pieceCost = countTokens(this.text.slice(runStart, cut));
        flush(cut);
        runStart = cut;
      }
      pieceCost = countTokens(this.text.slice(runStart, tokenEnd));
    }
    flush(end);
  }

  private push(start: number, end: number, boundary: number, cost: number): void {
    this.starts.push(start);
    this.ends.push(end);
    this.costs.push(cost);
    this.breaks.push(boundary);
  }
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Same set as the regex `\s` (which the tokenizer uses), without a regex call per character. */
function isSpace(char: string | undefined): boolean {
  if (char === undefined) return false;
  const code = char.charCodeAt(0);
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return /\s/.test(char);
}

/** [start, end) without surrounding whitespace, or null when only whitespace remains. */
function trimRange(text: string, start: number, end: number): [number, number] | null {
  let from = start;
  let to = end;
  while (from < to && isSpace(text[from])) from++;
  while (to > from && isSpace(text[to - 1])) to--;
  return from < to ? [from, to] : null;
}

// ---------------------------------------------------------------------------
// Blocks

type BlockKind = "text" | "table" | "code";

interface Block {
  kind: BlockKind;
  /** [start, end) of each line, newline excluded. */
  lines: Array<[number, number]>;
}

/** Blank-line separated blocks of [start, end); fenced code blocks are blocks of their own even without blank lines. */
function scanBlocks(text: string, start: number, end: number): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  let fence: CodeFence | null = null;
  for (let pos = start; pos < end; ) {
    const newline = text.indexOf("\n", pos);
    const lineEnd = newline < 0 || newline > end ? end : newline;
    const line = text.slice(pos, lineEnd);
    if (fence && current) {
      current.lines.push([pos, lineEnd]);
      if (closesFence(line, fence)) {
        fence = null;
        current = null;
      }
    } else if (!/\S/.test(line)) {
      current = null;
    } else {
      const opened = openingFence(line);
      if (opened) {
        fence = opened;
        current = { kind: "code", lines: [[pos, lineEnd]] };
        blocks.push(current);
      } else {
        if (!current) {
          current = { kind: "text", lines: [] };
          blocks.push(current);
        }
        current.lines.push([pos, lineEnd]);
      }
    }
    pos = lineEnd + 1;
  }
  for (const block of blocks) {
    if (block.kind !== "text") continue;
    const lines = block.lines.map(([lineStart, lineEnd]) => text.slice(lineStart, Math.min(lineEnd, lineStart + 200)));
    if (lines.every((line) => /^(?: {4}|\t)/.test(line))) block.kind = "code";
    else if (block.lines.length >= 2 && block.lines.every(([lineStart, lineEnd]) => text.slice(lineStart, lineEnd).includes("|"))) block.kind = "table";
  }
  return blocks;
}

/** Lines that start a new unit group inside a text block: list items, quotes, table rows, headings. */
const groupStart = /^[ \t]*(?:[-+*][ \t]|\d{1,9}[.)][ \t]|>|\||#{1,6}[ \t])/;

function addBlock(units: Units, text: string, block: Block): void {
  let boundary = BLOCK;
  if (block.kind !== "text") {
    for (const [lineStart, lineEnd] of block.lines) if (units.addLine(lineStart, lineEnd, boundary)) boundary = LINE;
    return;
  }
  let groupBegin = block.lines[0]?.[0] ?? 0;
  let groupEnd = groupBegin;
  for (const [lineStart, lineEnd] of block.lines) {
    if (lineStart > groupBegin && groupStart.test(text.slice(lineStart, Math.min(lineEnd, lineStart + 16)))) {
      if (units.addSentences(groupBegin, groupEnd, boundary)) boundary = LINE;
      groupBegin = lineStart;
    }
    groupEnd = lineEnd;
  }
  units.addSentences(groupBegin, groupEnd, boundary);
}

// ---------------------------------------------------------------------------
// Sentences

const terminators = new Set([".", "!", "?", "…"]);
const cjkTerminators = new Set(["。", "！", "？"]);
const closingMarks = new Set(['"', "'", "”", "’", "»", ")", "]", "」", "』", "）"]);

/** Abbreviations after which a period does not end a sentence. */
const abbreviations = new Set(
  (
    "mr mrs ms mx dr prof sr jr st rev hon gen col lt sgt capt cmdr gov sen rep pres supt insp " +
    "vs etc al cf viz approx ca esp incl excl dept univ assn bros corp inc ltd co est " +
    "mt ft ave blvd rd hwy eg ie resp misc"
  ).split(" "),
);
/** Abbreviations that only precede a number ("No. 5", "Fig. 3", "Jan. 12"). */
const numberAbbreviations = new Set(
  "no nos fig figs vol vols p pp ch chap sec sect eq eqs art ref refs jan feb mar apr jun jul aug sep sept oct nov dec".split(" "),
);

/**
 * Sentence ranges of text[start, end), trimmed. A sentence ends after `.`,
 * `!`, `?` or `…` (plus closing quotes/brackets) followed by whitespace and
 * a character that is not a lower-case letter, unless the period ends an
 * abbreviation ("Dr.", "e.g.", "U.S.", "No. 5", an initial, a list number);
 * CJK full stops end a sentence without whitespace. Linear time.
 */
function sentenceRanges(text: string, start: number, end: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let sentenceStart = start;
  let i = start;
  while (i < end) {
    const char = text[i] ?? "";
    const cjk = cjkTerminators.has(char);
    if (!cjk && !terminators.has(char)) {
      i++;
      continue;
    }
    let j = i;
    while (j < end && (terminators.has(text[j] ?? "") || cjkTerminators.has(text[j] ?? ""))) j++;
    while (j < end && closingMarks.has(text[j] ?? "")) j++;
    if (j < end && (cjk || isSpace(text[j]))) {
      let next = j;
      while (next < end && isSpace(text[next])) next++;
      if (next < end && (cjk || endsSentence(text, sentenceStart, i, j, next))) {
        const range = trimRange(text, sentenceStart, j);
        if (range) ranges.push(range);
        sentenceStart = next;
      }
    }
    i = j;
  }
  const range = trimRange(text, sentenceStart, end);
  if (range) ranges.push(range);
  return ranges;
}

function endsSentence(text: string, sentenceStart: number, terminator: number, after: number, next: number): boolean {
  const nextChar = String.fromCodePoint(text.codePointAt(next) ?? 32);
  if (/\p{Ll}/u.test(nextChar)) return false;
  const marks = text.slice(terminator, after);
  if (marks.includes("!") || marks.includes("?")) return true;

  let wordStart = terminator;
  while (wordStart > sentenceStart && terminator - wordStart < 40 && !isSpace(text[wordStart - 1])) wordStart--;
  const word = text.slice(wordStart, terminator).replace(/^[(["'“‘]+/, "");
  if (word === "") return true;
  if (/^(?:\p{L}\.)+\p{L}$/u.test(word)) return false; // e.g. i.e. U.S. a.m.
  if (/^\p{Lu}$/u.test(word)) return false; // an initial: "J. Smith"
  const lower = word.toLowerCase();
  if (abbreviations.has(lower)) return false;
  if (numberAbbreviations.has(lower) && /\p{N}/u.test(nextChar)) return false;
  // "1. First item" opening a sentence is a list number, not a sentence.
  if (/^\p{N}{1,3}$/u.test(word)) {
    let before = wordStart;
    while (before > sentenceStart && isSpace(text[before - 1])) before--;
    if (before === sentenceStart) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Packing

/** Chunks text[start, end) of one section (or merged run of tiny sections) into `out`. */
function packRange(text: string, start: number, end: number, headingPath: readonly string[], options: ChunkingOptions, out: RawChunk[]): void {
  const { maxTokens, overlapTokens } = options;
  const units = new Units(text, maxTokens);
  for (const block of scanBlocks(text, start, end)) addBlock(units, text, block);
  const count = units.length;
  if (count === 0) return;
  const { starts, ends, costs, breaks } = units;
  const prefix = new Float64Array(count + 1);
  for (let k = 0; k < count; k++) prefix[k + 1] = (prefix[k] as number) + (costs[k] as number);
  const cost = (from: number, to: number): number => (prefix[to] as number) - (prefix[from] as number);
  const boundaryAfter = (k: number): number => (k + 1 < count ? (breaks[k + 1] as number) : SECTION_END);

  let first = 0; // first unit not yet in any chunk
  let begin = 0; // first unit of the chunk being built (before `first` when it overlaps)
  while (first < count) {
    // Longest fitting run from `begin`; end it at the strongest boundary within it (the latest among equals).
    let best = first;
    let bestStrength = -1;
    for (let k = first; k < count; k++) {
      if (k > begin && breaks[k] === GLUE) break;
      if (cost(begin, k + 1) > maxTokens) break;
      const strength = boundaryAfter(k);
      if (strength >= bestStrength) {
        best = k;
        bestStrength = strength;
      }
    }
    out.push({ start: starts[begin] as number, end: ends[best] as number, headingPath });

    const next = best + 1;
    let nextBegin = next;
    if (next < count && overlapTokens > 0 && breaks[next] !== GLUE) {
      const needed = segmentCost(next);
      for (let m = best; m > begin; m--) {
        const overlap = cost(m, next);
        if (overlap > overlapTokens || overlap + needed > maxTokens) break;
        if ((breaks[m] as number) >= SENTENCE) nextBegin = m;
      }
    }
    begin = nextBegin;
    first = next;
  }

  /**
   * Tokens the chunk starting at unit k should have room for besides the
   * overlap: the rest of the segment k opens (its block, line or sentence)
   * when that fits in one chunk, else just unit k.
   */
  function segmentCost(k: number): number {
    const level = breaks[k] as number;
    let total = costs[k] as number;
    for (let j = k + 1; j < count; j++) {
      if ((breaks[j] as number) >= level) return total;
      if (breaks[j] === GLUE) return costs[k] as number;
      total += costs[j] as number;
      if (total > maxTokens) return costs[k] as number;
    }
    return total;
  }
}
