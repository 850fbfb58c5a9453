/**
 * Weighted reciprocal rank fusion: score(d) = Σ weight_leg / (k + rank_leg(d)),
 * ranks 1-based, summed over the legs that returned d. Scale-free, so it fuses
 * bm25 scores and cosine similarities without calibrating either.
 */

export interface RankedList<T> {
  /** Results of one leg, best first. */
  items: readonly T[];
  weight: number;
}

export interface FusedItem<T> {
  item: T;
  score: number;
  /** 1-based rank in each input list (undefined where the list lacked the item). */
  ranks: (number | undefined)[];
}

/**
 * Fuses ranked lists into one, best first. Items are identified by `key`;
 * the first list that contains an item supplies the object returned. Ties
 * break on the best single rank, then on the key, so output is deterministic.
 */
export function reciprocalRankFusion<T>(
  lists: readonly RankedList<T>[],
  key: (item: T) => string,
  options: { k?: number } = {},
): FusedItem<T>[] {
  const k = options.k ?? 60;
  if (!(k >= 0)) throw new RangeError("k must be a non-negative number");
  const fused = new Map<string, FusedItem<T>>();
  lists.forEach((list, listIndex) => {
    list.items.forEach((item, index) => {
      const id = key(item);
      let entry = fused.get(id);
      if (!entry) {
        entry = { item, score: 0, ranks: new Array<number | undefined>(lists.length).fill(undefined) };
        fused.set(id, entry);
      }
      if (entry.ranks[listIndex] !== undefined) return; // a leg lists an item once; keep its best rank
      const rank = index + 1;
      entry.ranks[listIndex] = rank;
      entry.score += list.weight / (k + rank);
    });
  });
  const bestRank = (entry: FusedItem<T>) => Math.min(...entry.ranks.map((rank) => rank ?? Infinity));
  return [...fused.entries()]
    .sort(([idA, a], [idB, b]) => b.score - a.score || bestRank(a) - bestRank(b) || (idA < idB ? -1 : idA > idB ? 1 : 0))
    .map(([, entry]) => entry);
}
