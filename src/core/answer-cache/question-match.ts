/**
 * Picks the cached question a new one may reuse the answer of: the same
 * normalised question, or else the candidate whose word-shingle Jaccard
 * similarity is highest and at least `threshold` (ties: the first candidate).
 */
import { jaccard, wordShingles } from "./minhash.js";
import { nearDuplicateForm } from "./normalize-question.js";

/**
 * The default threshold on the word-pair Jaccard similarity of two
 * questions' near-duplicate forms (filler words removed). Those forms must
 * hold the same words anyway, so the threshold only measures how far their
 * order differs: "delete a document how do I" is not "how do I delete a
 * document" (0.6), a question with a "please" or "the" more or less is
 * (1.0).
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
  // Near-duplicates hold the same words once filler words are gone; only their order may differ a little.
  const form = nearDuplicateForm(normalized);
  if (form === "") return null;
  const words = wordSet(form);
  const shingles = wordShingles(form, options.shingleSize);
  let best: QuestionMatch<T> | null = null;
  for (const candidate of candidates) {
    const candidateForm = nearDuplicateForm(candidate.question);
    if (!sameWords(words, wordSet(candidateForm))) continue;
    const similarity = jaccard(shingles, wordShingles(candidateForm, options.shingleSize));
    if (similarity >= options.threshold && (best === null || similarity > best.similarity)) best = { candidate, similarity, exact: false };
  }
  return best;
}

function wordSet(form: string): Set<string> {
  return new Set(form.split(" ").filter((word) => word !== ""));
}

function sameWords(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const word of a) if (!b.has(word)) return false;
  return true;
}
