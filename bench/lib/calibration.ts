/**
 * Picks hybrid fusion settings for a collection: every candidate setting is
 * applied, with the service's own fusion code (core/search/hybrid-fusion.ts),
 * to the per-query keyword and vector results fetched once from the API, and
 * scored by mean nDCG@10. Because choosing on the same queries that are
 * reported flatters the result, a two-fold cross-validated score is computed
 * too (choose on half the queries, score on the other half, both ways).
 */
import { fuseLegs, type FusionSettings } from "../../src/core/search/hybrid-fusion.js";
import { documentRanking, ndcgAtK } from "./metrics.js";

export interface LegHit {
  /** Chunk id. */
  id: string;
  documentId: string;
  score: number;
}

export type LegResults = Map<string, { keyword: LegHit[]; vector: LegHit[] }>;
type Qrels = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** The settings as the API takes them (PUT /v1/index/settings). */
export interface FusionSettingsBody {
  method: "rrf" | "convex";
  k: number;
  keyword_weight: number;
  vector_weight: number;
  normalization: "minmax" | "zscore";
}

export interface Calibration {
  settings: FusionSettingsBody;
  /** Mean nDCG@10 of the chosen setting on all queries (in-sample). */
  score: number;
  /** Two-fold cross-validated nDCG@10 (out-of-sample estimate). */
  crossValidated: number;
  leaderboard: string[];
}

const weights = Array.from({ length: 21 }, (_, i) => Math.round(i * 5) / 100);

export function candidateSettings(): FusionSettings[] {
  const candidates: FusionSettings[] = [];
  for (const k of [1, 5, 10, 20, 40, 60, 100]) {
    for (const w of weights) candidates.push({ method: "rrf", k, keywordWeight: w, vectorWeight: round(1 - w), normalization: "minmax" });
  }
  for (const normalization of ["minmax", "zscore"] as const) {
    for (const w of weights) candidates.push({ method: "convex", k: 60, keywordWeight: w, vectorWeight: round(1 - w), normalization });
  }
  return candidates.filter((settings) => settings.keywordWeight + settings.vectorWeight > 0);
}

/**
 * Mean nDCG@10 per query of one setting. `topK` cuts the fused chunk list as
 * a search with that `top_k` does (what a user's request gets back).
 */
export function scoreSetting(legs: LegResults, qrels: Qrels, settings: FusionSettings, queryIds: readonly string[], topK?: number): number {
  let total = 0;
  for (const queryId of queryIds) {
    const entry = legs.get(queryId);
    const relevant = qrels.get(queryId);
    if (!entry || !relevant) continue;
    const toScored = (hits: LegHit[]) => hits.map((hit) => ({ item: hit, score: hit.score }));
    const fused = fuseLegs(toScored(entry.keyword), toScored(entry.vector), (hit) => hit.id, settings);
    const shown = topK === undefined ? fused : fused.slice(0, topK);
    total += ndcgAtK(documentRanking(shown.map((entry) => entry.item.documentId)), relevant, 10);
  }
  return queryIds.length === 0 ? 0 : total / queryIds.length;
}

export function calibrateFusion(legs: LegResults, qrels: Qrels, options: { topK?: number } = {}): Calibration {
  const { topK } = options;
  const queryIds = [...qrels.keys()].sort();
  const candidates = candidateSettings();
  const best = (ids: readonly string[]) => {
    let top = { settings: candidates[0]!, score: -1 };
    for (const settings of candidates) {
      const score = scoreSetting(legs, qrels, settings, ids, topK);
      if (score > top.score + 1e-12) top = { settings, score };
    }
    return top;
  };
  const scored = candidates.map((settings) => ({ settings, score: scoreSetting(legs, qrels, settings, queryIds, topK) })).sort((a, b) => b.score - a.score);
  const chosen = best(queryIds);

  const foldA = queryIds.filter((_, index) => index % 2 === 0);
  const foldB = queryIds.filter((_, index) => index % 2 === 1);
  const onB = scoreSetting(legs, qrels, best(foldA).settings, foldB, topK);
  const onA = scoreSetting(legs, qrels, best(foldB).settings, foldA, topK);
  const crossValidated = (onA * foldA.length + onB * foldB.length) / Math.max(1, queryIds.length);

  return {
    settings: toBody(chosen.settings),
    score: chosen.score,
    crossValidated,
    leaderboard: scored.slice(0, 10).map(({ settings, score }) => `${score.toFixed(4)} ${JSON.stringify(toBody(settings))}`),
  };
}

function toBody(settings: FusionSettings): FusionSettingsBody {
  return {
    method: settings.method,
    k: settings.k,
    keyword_weight: settings.keywordWeight,
    vector_weight: settings.vectorWeight,
    normalization: settings.normalization,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
