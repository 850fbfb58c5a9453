/**
 * The Universal Sentence Encoder's tokenizer (SentencePiece unigram pieces,
 * best segmentation by Viterbi), giving the same token ids as the one inside
 * `@energetic-ai/embeddings` 0.2.0, but in time linear in the text's length.
 *
 * The package's tokenizer copies the rest of the text at every position
 * (`symbols.slice(i)`) before a trie lookup, which made it quadratic: about
 * a fifth of the CPU time of embedding a 1,500-character abstract. This port
 * walks the trie from each position in place. Everything else is kept on
 * purpose, quirks included, so that the ids (and so the vectors) do not
 * change: NFKC normalisation and `▁` for spaces; a position no piece matches
 * becomes id 0 with score 0; the `best[end] === 0` test that treats a
 * running score of exactly 0 as "not reached"; ties going to the later
 * candidate; the backtrack stepping by the UTF-16 length of a piece's text
 * (not by code points); consecutive unknown ids merged into one.
 * `use-tokenizer.test.ts` checks ids against the package's tokenizer.
 */

/** The first ids of the vocabulary are control symbols, never matched in text. */
const reservedSymbols = 6;
const separator = "\u2581";

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Token id when a vocabulary piece ends here, else -1. */
  id: number;
  score: number;
  /** Code points from the root (the piece's length in symbols). */
  depth: number;
}

/** Builds the tokenizer for a `[piece, score]` vocabulary; returns `encode(text) → ids`. */
export function createUseTokenizer(vocabulary: ReadonlyArray<readonly [string, number]>): (text: string) => number[] {
  const root: TrieNode = { children: new Map(), id: -1, score: 0, depth: 0 };
  for (let id = reservedSymbols; id < vocabulary.length; id++) {
    const [piece, score] = vocabulary[id]!;
    let node = root;
    for (const symbol of piece) {
      let next = node.children.get(symbol);
      if (!next) {
        next = { children: new Map(), id: -1, score: 0, depth: node.depth + 1 };
        node.children.set(symbol, next);
      }
      node = next;
    }
    if (node !== root) {
      node.id = id;
      node.score = score;
    }
  }
  const pieceLength = vocabulary.map(([piece]) => piece.length);

  return function encode(text: string): number[] {
    const normalized = text.normalize("NFKC");
    const input = normalized.length > 0 ? separator + normalized.replace(/ /g, separator) : normalized;
    const symbols = Array.from(input);
    const n = symbols.length;
    // Candidates per end position, as (symbol length, score, id) triples, in
    // the order the package visits them (by start, then by length).
    const candidates: number[][] = Array.from({ length: n + 1 }, () => []);
    for (let start = 0; start < n; start++) {
      let node = root.children.get(symbols[start]!);
      let matched = false;
      for (let at = start; node; ) {
        if (node.id >= 0) {
          candidates[start + node.depth]!.push(node.depth, node.score, node.id);
          matched = true;
        }
        at += 1;
        node = at < n ? node.children.get(symbols[at]!) : undefined;
      }
      if (!matched) candidates[start + 1]!.push(1, 0, 0);
    }
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    for (let end = 0; end <= n; end++) {
      const list = candidates[end]!;
      for (let k = 0; k < list.length; k += 3) {
        const score = list[k + 1]! + best[end - list[k]!]!;
        if (best[end] === 0 || score >= best[end]!) {
          best[end] = score;
          words[end] = list[k + 2]!;
        }
      }
    }
    const reversed: number[] = [];
    for (let at = n; at > 0; at -= pieceLength[words[at]!]!) reversed.push(words[at]!);
    const ids: number[] = [];
    let previousUnknown = false;
    for (const id of reversed) {
      if (!(previousUnknown && id === 0)) ids.push(id);
      previousUnknown = id === 0;
    }
    return ids.reverse();
  };
}
