/**
 * Extractive answering: the offline generator's brain. Picks the few source
 * pieces — sentences, list items, fenced code blocks — that best cover the
 * question (BM25 over stemmed content words, greedy MMR against redundancy)
 * and writes them as Markdown with a `[n]` citation on every piece: prose
 * stays prose, lists stay lists, code stays a fenced block. The answer
 * contains only text copied from the sources, citation markers, and — when
 * nothing relevant is found — one fixed sentence; it can never say anything
 * a source did not say, and it never follows instructions found in a source.
 */
import type { NumberedSource } from "./sources.js";
import { stem } from "../text/stem.js";
import { englishStopwords, words } from "../text/tokenize.js";

export interface ExtractiveAnswerOptions {
  /** Most sentences in the answer (default 4). */
  maxSentences?: number;
  /** Word budget for the answer's sentences and list items, citations excluded (default 120). */
  maxWords?: number;
  /** Budget of quoted code lines (default 40); code blocks do not count towards `maxWords`. */
  maxCodeLines?: number;
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

/** Code blocks longer than this are never quoted (an answer is not the place for a whole file). */
const maxCodeBlockLines = 30;
/** Most list items a lead-in sentence ("The options are:") brings with it. */
const maxAttachedItems = 8;
/** Term-vector cosine at or above which a candidate repeats something already chosen. */
const nearDuplicate = 0.8;
/** A candidate that adds no new question term is skipped when this similar to something chosen. */
const redundantWithoutGain = 0.5;
/** A candidate that adds no new question term needs at least this share of the best relevance. */
const supportWithoutGain = 0.6;

/** A block of a source, in document order. */
type Block =
  | { kind: "paragraph"; heading: string | undefined; direct: boolean; text: string }
  | { kind: "list"; heading: string | undefined; direct: boolean; items: { marker: string; depth: number; text: string }[] }
  | { kind: "code"; heading: string | undefined; direct: boolean; fence: string; info: string; lines: string[]; alternative: boolean };

/** The smallest piece of an answer: one sentence, one list item or one code block, with where it came from. */
interface Atom {
  sourceIndex: number;
  block: number;
  index: number;
  kind: "sentence" | "item" | "code";
  text: string;
  /** Words it adds to the answer's budget (code blocks: none, they have a line budget). */
  wordCount: number;
  codeLines: number;
  /** List items: the Markdown marker ("-", "3.") and nesting depth. */
  marker?: string;
  depth?: number;
}

/** What selection picks: one atom, or a lead-in sentence with its code block. */
interface Candidate {
  atoms: Atom[];
  /** List items a lead-in sentence ending with ":" brings along, as far as the budget allows. */
  attachments: Atom[];
  terms: string[];
  heading: string | undefined;
  sourceIndex: number;
  relevance: number;
  vector: Map<string, number>;
  norm: number;
}

/** Removes inline markdown that is syntax rather than content, and citation-like brackets; code spans are kept as written. */
function cleanInline(text: string): string {
  const clean = (piece: string) =>
    piece
      .replace(/!\[[^\]]*\]\([^)]*\)/g, "") // images
      .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1") // links -> their text
      .replace(/\s*\[\^?\d+(?:\s*[-–,;]\s*\d+)*\]/g, "") // reference markers that would read as citations
      .replace(/\*\*|__/g, "")
      .replace(/(^|[\s(])[*_](?=\S)([^*_]*?\S)[*_](?=[\s).,;:!?]|$)/g, "$1$2") // *emphasis*
      .replace(/<\/?[a-z][^>]*>/gi, ""); // inline HTML tags
  let out = "";
  let last = 0;
  for (const match of text.matchAll(/(`+)(?:(?!\1)[\s\S])+?\1(?!`)/g)) {
    out += clean(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return (out + clean(text.slice(last))).replace(/\s+/g, " ").trim();
}

/**
 * Splits markdown-ish text into blocks: paragraphs, lists (items keep their
 * marker and nesting) and fenced code blocks (kept verbatim), each with the
 * heading it follows and whether it directly follows the previous block
 * (nothing but blank lines or a `:::` container line between). Tables, rules,
 * indented code, HTML-only lines and `:::` container fences are dropped;
 * heading lines become context, not content. In a `::: code-group` only the
 * first code block counts (the others are the same thing for another tool).
 */
function blocksOf(text: string, sourceHeading: string | undefined): Block[] {
  const blocks: Block[] = [];
  let heading = sourceHeading;
  let paragraph: string[] = [];
  let list: { marker: string; depth: number; text: string }[] | undefined;
  let code: { fence: string; info: string; indent: number; lines: string[] } | undefined;
  let afterBlank = true;
  let direct = false;
  let codeGroup: { seenCode: boolean } | undefined;

  const push = (block: Block) => {
    blocks.push(block);
    direct = true;
  };
  const flush = () => {
    if (paragraph.length > 0) {
      const joined = cleanInline(paragraph.join(" "));
      if (joined !== "") push({ kind: "paragraph", heading, direct, text: joined });
      paragraph = [];
    }
    if (list !== undefined) {
      const items = list.map((item) => ({ ...item, text: cleanInline(item.text) })).filter((item) => item.text !== "");
      if (items.length > 0) push({ kind: "list", heading, direct, items });
      list = undefined;
    }
  };
  const breakFlow = () => {
    flush();
    direct = false;
  };

  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    if (code !== undefined) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(rawLine);
      if (close?.[1] !== undefined && close[1][0] === code.fence[0] && close[1].length >= code.fence.length) {
        const lines = code.lines.map((line) => line.slice(Math.min(code!.indent, /^\s*/.exec(line)?.[0].length ?? 0)));
        push({ kind: "code", heading, direct, fence: code.fence, info: code.info, lines, alternative: codeGroup?.seenCode === true });
        if (codeGroup) codeGroup.seenCode = true;
        code = undefined;
      } else code.lines.push(rawLine);
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(rawLine);
    if (fence?.[2] !== undefined) {
      flush();
      // The info string's first word is the language; a VitePress tab label ("[npm]") is dropped.
      code = { fence: fence[2], info: (fence[3] ?? "").replace(/[[{].*$/, ""), indent: fence[1]?.length ?? 0, lines: [] };
      continue;
    }

    const line = rawLine.replace(/^(\s*>)+\s?/, ""); // blockquote markers
    if (line.trim() === "") {
      if (paragraph.length > 0) flush();
      afterBlank = true;
      continue;
    }
    const wasAfterBlank = afterBlank;
    afterBlank = false;

    const container = /^\s*:::+\s*([\w-]*)/.exec(line);
    if (container) {
      flush(); // custom container fence (::: tip, ::: code-group, closing :::): syntax, not content
      codeGroup = container[1] === "code-group" ? { seenCode: false } : undefined;
      continue;
    }
    const atx = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (atx) {
      breakFlow();
      heading = cleanInline((atx[1] ?? "").replace(/\s*\{#[^}]*\}\s*$/, ""));
      continue;
    }
    if (/^\s{0,3}(?:=+|-+)\s*$/.test(line) && paragraph.length === 1 && list === undefined) {
      heading = cleanInline(paragraph[0] ?? ""); // setext heading
      paragraph = [];
      direct = false;
      continue;
    }
    if (/^\s{0,3}(?:[-*_]\s*){3,}$/.test(line) || /^\s*\|/.test(line)) {
      breakFlow(); // horizontal rule or table row
      continue;
    }
    const item = /^(\s*)([-*+•]|\d{1,3}[.)])\s+(.*)$/.exec(line);
    if (item) {
      if (paragraph.length > 0) flush();
      list ??= [];
      const marker = /\d/.test(item[2] ?? "") ? `${(item[2] ?? "1.").slice(0, -1)}.` : "-";
      list.push({ marker, depth: Math.min(3, Math.floor((item[1]?.length ?? 0) / 2)), text: item[3] ?? "" });
      continue;
    }
    if (list !== undefined) {
      const last = list[list.length - 1];
      if (last !== undefined && (!wasAfterBlank || /^\s/.test(line))) {
        last.text += ` ${line.trim()}`; // continuation of the item
        continue;
      }
      flush();
    }
    if (wasAfterBlank && paragraph.length === 0 && /^(?: {4}|\t)/.test(line)) continue; // indented code
    paragraph.push(line.trim());
  }
  flush();
  return blocks;
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

/** Puts ` [n]` before the closing punctuation of `text` (". ! ? :"), or after it when there is none. */
function withCitation(text: string, n: number): string {
  const end = /[.!?:]+$/.exec(text);
  return end ? `${text.slice(0, end.index)} [${n}]${end[0]}` : `${text} [${n}]`;
}

function firstWords(text: string, count: number): string {
  const pieces = text.match(/\S+/g) ?? [];
  return pieces.length <= count ? text : `${pieces.slice(0, count).join(" ")}…`;
}

function termVector(terms: readonly string[]): { vector: Map<string, number>; norm: number } {
  const vector = new Map<string, number>();
  for (const term of terms) vector.set(term, (vector.get(term) ?? 0) + 1);
  let sum = 0;
  for (const value of vector.values()) sum += value * value;
  return { vector, norm: Math.sqrt(sum) };
}

function cosine(x: Candidate, y: Candidate): number {
  if (x.norm === 0 || y.norm === 0) return 0;
  const [small, large] = x.vector.size <= y.vector.size ? [x.vector, y.vector] : [y.vector, x.vector];
  let dot = 0;
  for (const [term, value] of small) dot += value * (large.get(term) ?? 0);
  return dot / (x.norm * y.norm);
}

/** Whether a code block may be quoted: not another tab of a code group, not empty, not too long. */
function quotable(block: Extract<Block, { kind: "code" }>): boolean {
  return !block.alternative && block.lines.length > 0 && block.lines.length <= maxCodeBlockLines;
}

/** The candidates (sentences, list items, code blocks with their lead-in) of one source. */
function candidatesOf(sourceIndex: number, blocks: Block[]): Candidate[] {
  const candidates: Candidate[] = [];
  const make = (atoms: Atom[], heading: string | undefined, attachments: Atom[] = [], extraTerms = ""): Candidate => {
    const terms = termsOf(`${atoms.map((atom) => atom.text).join(" ")} ${extraTerms}`);
    return { atoms, attachments, terms, heading, sourceIndex, relevance: 0, ...termVector(terms) };
  };
  const itemAtoms = (block: number): Atom[] => {
    const next = blocks[block];
    if (next?.kind !== "list") return [];
    return next.items.map((item, index) => ({ sourceIndex, block, index, kind: "item", text: item.text, wordCount: words(item.text).length, codeLines: 0, marker: item.marker, depth: item.depth }));
  };

  blocks.forEach((block, blockIndex) => {
    const next = blocks[blockIndex + 1];
    const leadsInto = next !== undefined && next.direct ? next.kind : undefined;
    if (block.kind === "paragraph") {
      const sentences = splitSentences(block.text);
      sentences.forEach((sentence, index) => {
        const wordCount = words(sentence).length;
        const atom: Atom = { sourceIndex, block: blockIndex, index, kind: "sentence", text: sentence, wordCount, codeLines: 0 };
        const last = index === sentences.length - 1;
        // The sentence that introduces a code block is chosen with it (see below).
        if (last && leadsInto === "code" && quotable(next as Extract<Block, { kind: "code" }>)) return;
        if (wordCount < 3) return;
        const attachments = last && leadsInto === "list" && sentence.endsWith(":") ? itemAtoms(blockIndex + 1) : [];
        candidates.push(make([atom], block.heading, attachments));
      });
    } else if (block.kind === "list") {
      for (const atom of itemAtoms(blockIndex)) if (atom.wordCount >= 2) candidates.push(make([atom], block.heading));
    } else if (quotable(block)) {
      const fence = [`${block.fence}${block.info}`, ...block.lines, block.fence].join("\n");
      const codeAtom: Atom = { sourceIndex, block: blockIndex, index: 0, kind: "code", text: fence, wordCount: 0, codeLines: block.lines.length };
      const previous = blocks[blockIndex - 1];
      const atoms: Atom[] = [];
      if (block.direct && previous?.kind === "paragraph") {
        const sentences = splitSentences(previous.text);
        const lead = sentences[sentences.length - 1];
        if (lead !== undefined) atoms.push({ sourceIndex, block: blockIndex - 1, index: sentences.length - 1, kind: "sentence", text: lead, wordCount: words(lead).length, codeLines: 0 });
      }
      atoms.push(codeAtom);
      candidates.push(make(atoms, block.heading, [], block.info));
    }
  });
  return candidates;
}

/** Renders the chosen atoms (sorted) as Markdown: prose runs, lists, fenced code; every piece cites its source. */
function render(atoms: Atom[], sources: NumberedSource[], truncateTo: number | undefined): string {
  const parts: string[] = [];
  let prose: string[] = [];
  let listLines: string[] = [];
  let listKey: string | undefined;
  const endProse = () => {
    if (prose.length > 0) parts.push(prose.join(" "));
    prose = [];
  };
  const endList = () => {
    if (listLines.length > 0) parts.push(listLines.join("\n"));
    listLines = [];
    listKey = undefined;
  };
  for (const atom of atoms) {
    const n = sources[atom.sourceIndex]?.n ?? atom.sourceIndex + 1;
    if (atom.kind === "sentence") {
      endList();
      prose.push(withCitation(truncateTo === undefined ? atom.text : firstWords(atom.text, truncateTo), n));
    } else if (atom.kind === "item") {
      endProse();
      const key = `${atom.sourceIndex}:${atom.block}`;
      if (listKey !== key) endList();
      listKey = key;
      listLines.push(`${"  ".repeat(atom.depth ?? 0)}${atom.marker ?? "-"} ${withCitation(atom.text, n)}`);
    } else {
      endProse();
      endList();
      // A code block cannot hold a citation: it is on the line after the closing fence.
      parts.push(`${atom.text}\n[${n}]`);
    }
  }
  endProse();
  endList();
  return parts.join("\n\n");
}

/**
 * Answers `question` by quoting the sources (best-ranked first): sentences,
 * list items (kept as Markdown list items) and fenced code blocks (kept
 * verbatim, with the sentence that introduces them). Each candidate is
 * scored with BM25 over stemmed content words (IDF over all candidates),
 * boosted slightly for better-ranked sources and for a heading that matches
 * the question. Selection is greedy, MMR-style: each step takes the
 * candidate with the best mix of relevance and question terms not yet
 * covered, minus its similarity to what is already chosen; near-duplicates
 * (of a sentence in another source, say) are never both taken. A sentence
 * ending with ":" that introduces a list brings the list's items. The
 * chosen pieces appear in source-rank order, then document order, and every
 * sentence, list item and code block carries the `[n]` of its source. When
 * nothing shares a content word with the question, returns `noAnswerText`.
 */
export function extractiveAnswer(question: string, sources: NumberedSource[], options: ExtractiveAnswerOptions = {}): string {
  const maxSentences = Math.max(1, options.maxSentences ?? 4);
  const maxWords = Math.max(1, options.maxWords ?? 120);
  const maxCodeLines = Math.max(0, options.maxCodeLines ?? 40);

  const queryTerms = [...new Set(words(question).filter((word) => !englishStopwords.has(word) && !questionFillers.has(word)).map(stem))];
  if (queryTerms.length === 0) return noAnswerText;
  const query = new Set(queryTerms);

  const candidates = sources.flatMap((source, sourceIndex) => candidatesOf(sourceIndex, blocksOf(source.text, source.heading)));
  if (candidates.length === 0) return noAnswerText;

  const documentFrequency = new Map<string, number>();
  for (const candidate of candidates) {
    for (const term of new Set(candidate.terms)) if (query.has(term)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const total = candidates.length;
  const averageLength = candidates.reduce((sum, c) => sum + c.terms.length, 0) / total || 1;
  const idf = new Map(queryTerms.map((term) => {
    const df = documentFrequency.get(term) ?? 0;
    return [term, Math.log(1 + (total - df + 0.5) / (df + 0.5))] as const;
  }));
  const idfTotal = [...idf.values()].reduce((sum, value) => sum + value, 0) || 1;

  for (const candidate of candidates) {
    const frequency = new Map<string, number>();
    for (const term of candidate.terms) if (query.has(term)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
    // Code is long and full of identifiers: it is not penalised for length beyond the average.
    const length = candidate.atoms.some((atom) => atom.kind === "code") ? Math.min(candidate.terms.length, averageLength) : candidate.terms.length;
    let score = 0;
    for (const [term, tf] of frequency) score += ((idf.get(term) ?? 0) * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * length) / averageLength));
    if (score === 0) continue;
    if (candidate.heading !== undefined) {
      const headingTerms = new Set(termsOf(candidate.heading));
      const shared = queryTerms.filter((term) => headingTerms.has(term)).length;
      score *= 1 + (0.25 * shared) / queryTerms.length;
    }
    candidate.relevance = score * (1 + 0.15 / (1 + candidate.sourceIndex));
  }

  const order = (x: Candidate, y: Candidate) =>
    x.sourceIndex - y.sourceIndex || (x.atoms[0]?.block ?? 0) - (y.atoms[0]?.block ?? 0) || (x.atoms[0]?.index ?? 0) - (y.atoms[0]?.index ?? 0);
  const bestRelevance = Math.max(0, ...candidates.map((c) => c.relevance));
  if (bestRelevance === 0) return noAnswerText;
  let pool = candidates.filter((c) => c.relevance >= bestRelevance * 0.35).sort((x, y) => y.relevance - x.relevance || order(x, y));

  const chosen: Candidate[] = [];
  const atoms = new Map<string, Atom>();
  const covered = new Set<string>();
  const seenTexts = new Set<string>();
  let wordsUsed = 0;
  let codeLinesUsed = 0;
  const key = (atom: Atom) => `${atom.sourceIndex}:${atom.block}:${atom.index}`;
  const normalised = (text: string) => text.toLowerCase().replace(/\W+/g, " ").trim();

  while (chosen.length < maxSentences && pool.length > 0) {
    let best: { candidate: Candidate; value: number } | undefined;
    for (const candidate of pool) {
      const fresh = candidate.atoms.filter((atom) => !atoms.has(key(atom)));
      if (fresh.length === 0 || fresh.some((atom) => seenTexts.has(normalised(atom.text)))) continue;
      const addedWords = fresh.reduce((sum, atom) => sum + atom.wordCount, 0);
      const addedLines = fresh.reduce((sum, atom) => sum + atom.codeLines, 0);
      if (chosen.length > 0 && wordsUsed + addedWords > maxWords) continue;
      if (codeLinesUsed + addedLines > maxCodeLines) continue;
      const redundancy = Math.max(0, ...chosen.map((other) => cosine(candidate, other)));
      const gained = [...new Set(candidate.terms)].filter((term) => query.has(term) && !covered.has(term));
      if (redundancy >= nearDuplicate || (gained.length === 0 && redundancy >= redundantWithoutGain)) continue;
      // Once its question terms are covered, a piece must be strongly relevant on its own: a sentence
      // sharing one common word with the question ("open" in "open a ticket") is noise, not support.
      if (gained.length === 0 && candidate.relevance < bestRelevance * supportWithoutGain) continue;
      const gain = gained.reduce((sum, term) => sum + (idf.get(term) ?? 0), 0) / idfTotal;
      const value = 0.6 * (candidate.relevance / bestRelevance) + 0.4 * gain - 0.5 * redundancy;
      if (value <= 0) continue;
      if (best === undefined || value > best.value) best = { candidate, value };
    }
    if (best === undefined) break;
    const candidate = best.candidate;
    chosen.push(candidate);
    pool = pool.filter((c) => c !== candidate);
    for (const atom of candidate.atoms) {
      if (atoms.has(key(atom))) continue;
      atoms.set(key(atom), atom);
      seenTexts.add(normalised(atom.text));
      wordsUsed += atom.wordCount;
      codeLinesUsed += atom.codeLines;
    }
    for (const term of candidate.terms) if (query.has(term)) covered.add(term);
    // A lead-in ending with ":" reads as broken without its list: bring its items while they fit.
    for (const item of candidate.attachments.slice(0, maxAttachedItems)) {
      if (atoms.has(key(item))) continue;
      if (wordsUsed + item.wordCount > maxWords) break;
      atoms.set(key(item), item);
      wordsUsed += item.wordCount;
    }
  }
  if (atoms.size === 0) return noAnswerText;

  const sorted = [...atoms.values()].sort((x, y) => x.sourceIndex - y.sourceIndex || x.block - y.block || x.index - y.index);
  const only = sorted.length === 1 && sorted[0]?.kind === "sentence" ? maxWords : undefined;
  return render(sorted, sources, only);
}
