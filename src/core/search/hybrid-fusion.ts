/**
 * Combines the keyword and vector legs into one ranking. Two methods:
 *
 * - "rrf": weighted reciprocal rank fusion (ranks only; k, weights).
 * - "convex": a weighted sum of each leg's scores after normalising them per
 *   query ("minmax" to [0, 1], or "zscore"); an item a leg did not return gets
 *   that leg's floor (0 after min-max, the lowest z-score seen otherwise; when
 *   a leg's scores have no spread, found items get 1 and missing ones 0).
 *
 * Used by the search service and, with the very same code, by the benchmark's
 * calibration, so calibrated settings mean the same thing in both places.
 */
import { reciprocalRankFusion } from "./reciprocal-rank-fusion.js";

export type FusionMethod = "rrf" | "convex";
export type ScoreNormalization = "minmax" | "zscore";

export interface FusionSettings {
  method: FusionMethod;
  /** RRF constant (method "rrf"). */
  k: number;
  keywordWeight: number;
  vectorWeight: number;
  /** Score normalisation (method "convex"). */
  normalization: ScoreNormalization;
}

export const defaultFusionSettings: Readonly<FusionSettings> = Object.freeze({
  method: "rrf",
  k: 60,
  keywordWeight: 1,
  vectorWeight: 1,
  normalization: "minmax",
});

export interface ScoredItem<T> {
  item: T;
  /** Higher is better. */
  score: number;
}

/** Fuses two ranked legs (best first, higher score better) into one ranking, best first. */
export function fuseLegs<T>(keyword: readonly ScoredItem<T>[], vector: readonly ScoredItem<T>[], key: (item: T) => string, settings: FusionSettings): ScoredItem<T>[] {
  if (settings.method === "rrf") {
    return reciprocalRankFusion(
      [
        { items: keyword, weight: settings.keywordWeight },
        { items: vector, weight: settings.vectorWeight },
      ],
      (entry) => key(entry.item),
      { k: settings.k },
    ).map((fused) => ({ item: fused.item.item, score: fused.score }));
  }
  return convexCombination(
    [
      { items: keyword, weight: settings.keywordWeight },
      { items: vector, weight: settings.vectorWeight },
    ],
    key,
    settings.normalization,
  );
}

/**
 * Weighted sum of per-list normalised scores. An item missing from a list
 * gets that list's lowest normalised score, so it can tie with the weakest
 * item the list did find; ties go to the item found by more (weighted)
 * lists, then break on the key for determinism.
 */
export function convexCombination<T>(
  lists: readonly { items: readonly ScoredItem<T>[]; weight: number }[],
  key: (item: T) => string,
  normalization: ScoreNormalization,
): ScoredItem<T>[] {
  const fused = new Map<string, { item: T; score: number; seen: boolean[] }>();
  const floors: number[] = [];
  lists.forEach((list, listIndex) => {
    const normalised = normalise(list.items.map((entry) => entry.score), normalization);
    floors.push(normalised.floor);
    list.items.forEach((entry, index) => {
      const id = key(entry.item);
      let slot = fused.get(id);
      if (!slot) fused.set(id, (slot = { item: entry.item, score: 0, seen: lists.map(() => false) }));
      if (slot.seen[listIndex]) return; // first (best) occurrence only
      slot.seen[listIndex] = true;
      slot.score += list.weight * normalised.values[index]!;
    });
  });
  for (const slot of fused.values()) {
    slot.seen.forEach((seen, listIndex) => {
      if (!seen) slot.score += lists[listIndex]!.weight * floors[listIndex]!;
    });
  }
  const presence = (seen: boolean[]) => seen.reduce((sum, found, listIndex) => sum + (found ? lists[listIndex]!.weight : 0), 0);
  return [...fused.entries()]
    .sort(([idA, a], [idB, b]) => b.score - a.score || presence(b.seen) - presence(a.seen) || (idA < idB ? -1 : idA > idB ? 1 : 0))
    .map(([, slot]) => ({ item: slot.item, score: slot.score }));
}

function normalise(scores: readonly number[], normalization: ScoreNormalization): { values: number[]; floor: number } {
  if (scores.length === 0) return { values: [], floor: 0 };
  if (normalization === "minmax") {
    const min = Math.min(...scores);
    const max = Math.max(...scores);
    const span = max - min;
    return { values: scores.map((score) => (span > 0 ? (score - min) / span : 1)), floor: 0 };
  }
  const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
  const deviation = Math.sqrt(scores.reduce((sum, score) => sum + (score - mean) ** 2, 0) / scores.length);
  // One result (or all equal): no spread to standardise. Being found still
  // counts: found items get one standard deviation above what missing ones get.
  if (!(deviation > 0)) return { values: scores.map(() => 1), floor: 0 };
  const values = scores.map((score) => (score - mean) / deviation);
  return { values, floor: Math.min(...values) };
}
