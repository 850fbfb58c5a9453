/**
 * Picks the cached question a new one may reuse the answer of: the same
 * normalised question, or else the candidate whose word-shingle Jaccard
 * similarity is highest and at least `threshold` (ties: the first candidate).
 */
import { jaccard, wordShingles } from "./minhash.js";

/**
 * The default threshold. With word pairs, a word added at the end of an
 * n-word question keeps (n − 1) / n of the pairs (0.83 for six words: a
 * "please" or "thanks" still matches), while one word substituted keeps only
 * (n − 3) / (n + 1) — under 0.8 for any question shorter than 19 words, so
 * "refund after 30 days" never reuses the answer to "refund before 30 days".
 */
export const defaultAnswerCacheSimilarity = 0.8;

export interface QuestionMatch<T> {
  candidate: T;
  similarity: number;
  exact: boolean;
}

export function matchQuestion<T extends { question: string }>(
  normalized: string,
  candidates: readonly T[],
  options: { threshold: number; shingleSize?: number },
): QuestionMatch<T> | null {
  const exact = candidates.find((candidate) => candidate.question === normalized);
  if (exact) return { candidate: exact, similarity: 1, exact: true };
  // A threshold above 1 means exact matches only.
  if (options.threshold > 1) return null;
  const shingles = wordShingles(normalized, options.shingleSize);
  let best: QuestionMatch<T> | null = null;
  for (const candidate of candidates) {
    const similarity = jaccard(shingles, wordShingles(candidate.question, options.shingleSize));
    if (similarity >= options.threshold && (best === null || similarity > best.similarity)) best = { candidate, similarity, exact: false };
  }
  return best;
}
