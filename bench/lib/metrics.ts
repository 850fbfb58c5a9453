/**
 * Ranking metrics, computed per query and averaged over queries:
 * nDCG@k with graded gains 2^rel − 1 and log2(rank + 1) discounts (the ideal
 * ranking is built from the qrels), Recall@k (relevant documents retrieved in
 * the top k over all relevant documents), and MRR@k (1 / rank of the first
 * relevant document in the top k, else 0).
 */

export function ndcgAtK(ranking: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  const gain = (relevance: number) => 2 ** relevance - 1;
  let dcg = 0;
  ranking.slice(0, k).forEach((id, index) => {
    dcg += gain(relevant.get(id) ?? 0) / Math.log2(index + 2);
  });
  const ideal = [...relevant.values()].sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum, relevance, index) => sum + gain(relevance) / Math.log2(index + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

export function recallAtK(ranking: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  if (relevant.size === 0) return 0;
  const found = new Set(ranking.slice(0, k).filter((id) => relevant.has(id)));
  return found.size / relevant.size;
}

export function mrrAtK(ranking: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  const index = ranking.slice(0, k).findIndex((id) => relevant.has(id));
  return index === -1 ? 0 : 1 / (index + 1);
}

export interface Scores {
  "ndcg@10": number;
  "recall@100": number;
  "mrr@10": number;
}

/** Mean of the three metrics over queries; a query with no ranking scores 0. */
export function evaluate(rankings: ReadonlyMap<string, readonly string[]>, qrels: ReadonlyMap<string, ReadonlyMap<string, number>>): Scores {
  let ndcg = 0;
  let recall = 0;
  let mrr = 0;
  for (const [queryId, relevant] of qrels) {
    const ranking = rankings.get(queryId) ?? [];
    ndcg += ndcgAtK(ranking, relevant, 10);
    recall += recallAtK(ranking, relevant, 100);
    mrr += mrrAtK(ranking, relevant, 10);
  }
  const n = qrels.size || 1;
  return { "ndcg@10": ndcg / n, "recall@100": recall / n, "mrr@10": mrr / n };
}

/** Document ranking from a chunk ranking: a document ranks at its best chunk. */
export function documentRanking(chunkDocumentIds: readonly string[]): string[] {
  return [...new Set(chunkDocumentIds)];
}
