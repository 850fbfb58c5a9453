/**
 * Corpora of a given size for speed benchmarks. Each document is one short
 * passage (well under CHUNK_MAX_TOKENS), so one document makes one chunk and
 * a document count is a chunk count.
 *
 * From a real collection: each document's text is cut into passages of whole
 * sentences (at most `maxTokens` approximate tokens, counted as the chunker
 * counts them). When more passages are needed than exist, variants are made:
 * the passage's sentences in a shuffled order, one possibly dropped, and one
 * sentence borrowed from another passage — real vocabulary and realistic
 * term statistics (common terms get long posting lists as the corpus grows),
 * but no two documents identical. Everything is deterministic (seeded).
 *
 * Without a collection, `syntheticPassages` makes text from a Zipf-distributed
 * made-up vocabulary.
 */
import { countTokens } from "../../src/core/text/tokenize.js";
import { seededRandom } from "../../src/core/seeded-random.js";

export { seededRandom };

export interface Passage {
  title: string;
  text: string;
}

export interface SpeedDocument {
  id: string;
  title: string;
  content: string;
  format: "text";
}


/** Sentences of a text: split after . ! ? followed by space and an upper-case letter, digit or bracket. */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}(\[])/u)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== "");
}

/**
 * Packs the sentences of `text` greedily into passages of at most `maxTokens`
 * tokens; a sentence longer than that on its own is cut at word boundaries.
 */
export function packPassages(text: string, maxTokens: number): string[] {
  const passages: string[] = [];
  let current: string[] = [];
  let currentTokens = 0;
  const flush = () => {
    if (current.length > 0) passages.push(current.join(" "));
    current = [];
    currentTokens = 0;
  };
  for (const sentence of splitSentences(text)) {
    for (const piece of cutToTokens(sentence, maxTokens)) {
      const tokens = countTokens(piece);
      if (currentTokens + tokens > maxTokens) flush();
      current.push(piece);
      currentTokens += tokens;
    }
  }
  flush();
  return passages;
}

function cutToTokens(sentence: string, maxTokens: number): string[] {
  if (countTokens(sentence) <= maxTokens) return [sentence];
  const pieces: string[] = [];
  let words: string[] = [];
  for (const word of sentence.split(/\s+/)) {
    if (words.length > 0 && countTokens([...words, word].join(" ")) > maxTokens) {
      pieces.push(words.join(" "));
      words = [];
    }
    words.push(word);
  }
  if (words.length > 0) pieces.push(words.join(" "));
  return pieces;
}

/** Passages of every document of a collection (title kept with each passage). */
export function passagesOf(documents: readonly { title: string; text: string }[], maxTokens: number): Passage[] {
  return documents.flatMap((doc) => packPassages(doc.text, maxTokens).map((text) => ({ title: doc.title, text })));
}

/**
 * `count` documents: the passages first as they are, then variants (see the
 * module comment) until there are enough. Ids are `p<n>` for n = 0..count−1,
 * so the first k documents of a larger corpus are the corpus of size k.
 */
export function buildSpeedCorpus(passages: readonly Passage[], count: number, options: { maxTokens: number; seed?: number }): SpeedDocument[] {
  if (passages.length === 0) throw new Error("no passages to build a corpus from");
  const random = seededRandom(options.seed ?? 1);
  const sentencesOf = passages.map((passage) => splitSentences(passage.text));
  const documents: SpeedDocument[] = [];
  for (let n = 0; n < count; n++) {
    const base = n % passages.length;
    const passage = passages[base]!;
    let text = passage.text;
    if (n >= passages.length) text = variant(sentencesOf, base, options.maxTokens, random);
    documents.push({ id: `p${n}`, title: passage.title, content: text, format: "text" });
  }
  return documents;
}

function variant(sentencesOf: readonly string[][], base: number, maxTokens: number, random: () => number): string {
  const sentences = [...sentencesOf[base]!];
  // Shuffle (Fisher-Yates).
  for (let i = sentences.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [sentences[i], sentences[j]] = [sentences[j]!, sentences[i]!];
  }
  if (sentences.length >= 3 && random() < 0.5) sentences.pop();
  // Borrow a sentence that fits (a few tries: long sentences may not).
  for (let attempt = 0; attempt < 4; attempt++) {
    const donor = sentencesOf[Math.floor(random() * sentencesOf.length)]!;
    const borrowed = donor[Math.floor(random() * donor.length)];
    if (borrowed === undefined || countTokens([...sentences, borrowed].join(" ")) > maxTokens) continue;
    sentences.splice(Math.floor(random() * (sentences.length + 1)), 0, borrowed);
    break;
  }
  return sentences.join(" ");
}

/**
 * Made-up English-like text when no collection is available: a vocabulary of
 * pronounceable words drawn with Zipf's law (s = 1), sentences of 6–24 words,
 * passages of 2–6 sentences kept under `maxTokens`.
 */
export function syntheticPassages(count: number, options: { maxTokens: number; seed?: number; vocabulary?: number }): Passage[] {
  const random = seededRandom(options.seed ?? 7);
  const vocabularySize = options.vocabulary ?? 30_000;
  const syllables = ["ka", "lo", "mi", "ter", "san", "du", "vel", "op", "ri", "nex", "tha", "ul", "bri", "gen", "sol", "ar", "pe", "cus"];
  const vocabulary = Array.from({ length: vocabularySize }, (_, i) => {
    let word = "";
    let value = i + 1;
    while (value > 0) {
      word += syllables[value % syllables.length];
      value = Math.floor(value / syllables.length);
    }
    return word;
  });
  // Cumulative Zipf weights for sampling by binary search.
  const cumulative = new Float64Array(vocabularySize);
  let total = 0;
  for (let i = 0; i < vocabularySize; i++) cumulative[i] = total += 1 / (i + 1);
  const word = () => {
    const target = random() * total;
    let low = 0;
    let high = vocabularySize - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return vocabulary[low]!;
  };
  const sentence = () => {
    const words = Array.from({ length: 6 + Math.floor(random() * 19) }, word);
    words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
    return `${words.join(" ")}.`;
  };
  return Array.from({ length: count }, () => {
    const sentences = Array.from({ length: 2 + Math.floor(random() * 5) }, sentence);
    return { title: Array.from({ length: 3 + Math.floor(random() * 5) }, word).join(" "), text: packPassages(sentences.join(" "), options.maxTokens)[0]! };
  });
}

/** `count` query texts from `pool`, in order, cycling when the pool is smaller. */
export function pickQueries(pool: readonly string[], count: number): string[] {
  if (pool.length === 0) throw new Error("no queries");
  return Array.from({ length: count }, (_, i) => pool[i % pool.length]!);
}

/** Queries from passages when a collection has none: the first 6–12 words of a random sentence of a random passage. */
export function sampledQueries(passages: readonly Passage[], count: number, seed = 11): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const passage = passages[Math.floor(random() * passages.length)]!;
    const sentences = splitSentences(passage.text);
    const words = sentences[Math.floor(random() * sentences.length)]!.split(/\s+/);
    return words.slice(0, 6 + Math.floor(random() * 7)).join(" ");
  });
}
