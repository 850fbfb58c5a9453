/**
 * Picks the cached question a new one may reuse the answer of: the same
 * normalised question, or else the candidate whose word-shingle Jaccard
 * similarity is highest and at least `threshold` (ties: the first candidate).
 */
import { jaccard, wordShingles } from "./minhash.js";

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
