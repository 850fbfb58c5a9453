/**
 * The form of a question the answer cache compares: Unicode-normalised
 * (NFKC), lower-cased, every run of punctuation and whitespace folded into
 * one space, trimmed. "How do I delete a document?" and "how do I  delete a
 * document" are the same question; the words and their order are kept, so
 * "delete" and "create" stay different, and so are the symbols that change
 * what is asked ("C++" is not "C#" nor "C", "$" is not "€", "50%" not "50").
 */
export function normalizeQuestion(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}+#$€£¥%&@]+/gu, " ")
    .trim();
}

/**
 * Words that do not change what is asked: courtesy and articles. Kept
 * deliberately short — a word missing here only costs a cache miss, a word
 * wrongly here could serve another question's answer ("not", "before",
 * "can't" are not here, nor is "you", nor "a", which names things: "plan A").
 */
const fillerWords: ReadonlySet<string> = new Set(["please", "pls", "plz", "thanks", "thank", "thx", "hi", "hello", "hey", "kindly", "an", "the"]);

/**
 * What near-duplicate matching compares: the normalised question without
 * filler words. Two questions are near-duplicates only when these forms hold
 * the same words (core/answer-cache/question-match.ts), so every other word
 * — a different error code, "after" against "before", an added "not" —
 * keeps them apart whatever their overlap.
 */
export function nearDuplicateForm(normalized: string): string {
  return normalized
    .split(" ")
    .filter((word) => word !== "" && !fillerWords.has(word))
    .join(" ");
}
