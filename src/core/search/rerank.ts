/**
 * Rerank orchestration: a cross-encoder re-scores the first `candidates`
 * items of a ranking (the fused list), they are reordered by that score, and
 * the items below the cut keep their order after them.
 */

export interface RerankPlan<T> {
  /** Items to send to the reranker, in ranking order. */
  head: T[];
  tail: T[];
}

/** The first `max(topK, candidates)` items are reranked; the rest are not. */
export function planRerank<T>(ranked: readonly T[], topK: number, candidates: number): RerankPlan<T> {
  const cut = Math.max(topK, candidates);
  return { head: ranked.slice(0, cut), tail: ranked.slice(cut) };
}

/**
 * Applies reranker scores (`index` into `head`) to the plan. Items the
 * reranker did not score keep their relative order after the scored ones.
 */
export function applyRerank<T>(plan: RerankPlan<T>, scores: readonly { index: number; score: number }[]): { item: T; score: number | null }[] {
  const scored = new Map<number, number>();
  for (const { index, score } of scores) if (index >= 0 && index < plan.head.length && !scored.has(index)) scored.set(index, score);
  const reranked = [...scored.entries()]
    .sort(([indexA, a], [indexB, b]) => b - a || indexA - indexB)
    .map(([index, score]) => ({ item: plan.head[index]!, score: score as number | null }));
  const unscored = plan.head.filter((_, index) => !scored.has(index)).map((item) => ({ item, score: null }));
  return [...reranked, ...unscored, ...plan.tail.map((item) => ({ item, score: null }))];
}
