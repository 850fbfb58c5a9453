/**
 * How each search result got its place, for clients that want to see it
 * (as Cloudflare AI Search's `scoring_details` shows it): its rank and score
 * in each leg's candidate pool (1-based; null when that leg did not return
 * it, or did not run), the fused score (hybrid only) and the cross-encoder's
 * score (when it was reranked).
 */
export interface ResultScoring {
  keyword_rank: number | null;
  /** The keyword leg's score: bm25 negated (higher is better). */
  keyword_score: number | null;
  vector_rank: number | null;
  /** The vector leg's score: the index's similarity (cosine by default). */
  vector_score: number | null;
  fused_score: number | null;
  rerank_score: number | null;
}

export interface LegPosition {
  rank: number;
  score: number;
}

/** Rank (1-based) and score of each id in a leg's list, best first; an id listed twice keeps its first place. */
export function legPositions<T>(hits: readonly { item: T; score: number }[], idOf: (item: T) => string): Map<string, LegPosition> {
  const positions = new Map<string, LegPosition>();
  hits.forEach((hit, index) => {
    const id = idOf(hit.item);
    if (!positions.has(id)) positions.set(id, { rank: index + 1, score: hit.score });
  });
  return positions;
}

export function resultScoring(
  id: string,
  parts: { keyword?: ReadonlyMap<string, LegPosition>; vector?: ReadonlyMap<string, LegPosition>; fused?: ReadonlyMap<string, number>; rerank?: ReadonlyMap<string, number> },
): ResultScoring {
  const keyword = parts.keyword?.get(id);
  const vector = parts.vector?.get(id);
  return {
    keyword_rank: keyword?.rank ?? null,
    keyword_score: keyword?.score ?? null,
    vector_rank: vector?.rank ?? null,
    vector_score: vector?.score ?? null,
    fused_score: parts.fused?.get(id) ?? null,
    rerank_score: parts.rerank?.get(id) ?? null,
  };
}
