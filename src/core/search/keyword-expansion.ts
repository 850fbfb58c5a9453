/**
 * Pseudo-relevance feedback for the keyword leg, RM3-style: the words that
 * carry the most weight in the best keyword results (each result's word
 * distribution, weighted by its share of the results' scores) are added to
 * the query, the expanded query is searched once more, and the two rankings
 * are interpolated — the original with weight `originalWeight`, as RM3
 * interpolates the original query model. FTS5 has no per-term weights, so
 * the interpolation happens on the two ranked lists (scores min-max
 * normalised per list) rather than inside one query.
 */
import { contentWords, englishStopwords, words } from "../text/tokenize.js";

export interface KeywordExpansionOptions {
  /** Feedback results (the best keyword hits) the expansion terms come from. */
  feedbackDocs: number;
  /** Expansion terms added to the query. */
  terms: number;
  /** Weight of the original ranking when interpolating (0–1). */
  originalWeight: number;
}

export const defaultKeywordExpansion: KeywordExpansionOptions = { feedbackDocs: 10, terms: 10, originalWeight: 0.5 };

/**
 * The `options.terms` best expansion words for `query` from `feedback`
 * (best first, higher scores better), excluding the query's own words,
 * stopwords, numbers and words under 3 characters.
 */
export function expansionTerms(query: string, feedback: readonly { text: string; score: number }[], options: Pick<KeywordExpansionOptions, "feedbackDocs" | "terms">): string[] {
  const docs = feedback.slice(0, options.feedbackDocs);
  if (docs.length === 0 || options.terms <= 0) return [];
  const queryWords = new Set(contentWords(query));
  // Document weights: scores shifted to be positive, as shares of their sum.
  const low = Math.min(...docs.map((doc) => doc.score));
  const shifted = docs.map((doc) => doc.score - low + 1e-6);
  const total = shifted.reduce((sum, value) => sum + value, 0);
  const weights = new Map<string, number>();
  docs.forEach((doc, index) => {
    const all = words(doc.text);
    if (all.length === 0) return;
    const share = shifted[index]! / total;
    const counts = new Map<string, number>();
    for (const word of all) counts.set(word, (counts.get(word) ?? 0) + 1);
    for (const [word, count] of counts) {
      if (word.length < 3 || /^\p{N}+$/u.test(word) || englishStopwords.has(word) || queryWords.has(word)) continue;
      weights.set(word, (weights.get(word) ?? 0) + (count / all.length) * share);
    }
  });
  return [...weights.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, options.terms)
    .map(([word]) => word);
}

/**
 * Interpolates two rankings of the same kind of item: each list's scores are
 * min-max normalised to [0, 1] (a list of one scores 1), an item missing from
 * a list scores 0 there; best first, ties in the original's order.
 */
export function interpolateRankings<T>(
  original: readonly { item: T; score: number }[],
  expanded: readonly { item: T; score: number }[],
  idOf: (item: T) => string,
  originalWeight: number,
): { item: T; score: number }[] {
  const normalised = (list: readonly { item: T; score: number }[]) => {
    const scores = list.map((entry) => entry.score);
    const min = Math.min(...scores);
    const range = Math.max(...scores) - min;
    return new Map(list.map((entry) => [idOf(entry.item), range > 0 ? (entry.score - min) / range : 1]));
  };
  const a = normalised(original);
  const b = normalised(expanded);
  const items = new Map<string, { item: T; order: number }>();
  [...original, ...expanded].forEach((entry, order) => {
    const id = idOf(entry.item);
    if (!items.has(id)) items.set(id, { item: entry.item, order });
  });
  return [...items.entries()]
    .map(([id, { item, order }]) => ({ item, order, score: originalWeight * (a.get(id) ?? 0) + (1 - originalWeight) * (b.get(id) ?? 0) }))
    .sort((x, y) => y.score - x.score || x.order - y.order)
    .map(({ item, score }) => ({ item, score }));
}
