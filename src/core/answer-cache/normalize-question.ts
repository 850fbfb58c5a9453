/**
 * The form of a question the answer cache compares: Unicode-normalised
 * (NFKC), lower-cased, every run of punctuation, symbols and whitespace
 * folded into one space, trimmed. "How do I delete a document?" and
 * "how do I  delete a document" are the same question; the words and their
 * order are kept, so "delete" and "create" stay different.
 */
export function normalizeQuestion(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, " ")
    .trim();
}
