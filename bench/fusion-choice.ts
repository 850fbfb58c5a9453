/**
 * `npx tsx bench/fusion-choice.ts <report.json> [<report.json> ...]`
 *
 * Chooses one fusion default for several collections from the reports that
 * `npm run bench:quality -- --calibrate --json <file>` writes (each holds the
 * legs a default request fuses, per query, and the judgements). A setting is
 * eligible only if its hybrid is at or above the better single leg on every
 * collection; among those the one with the best mean nDCG@10 over the
 * collections wins. Choosing on the same queries flatters, so the choice is
 * also cross-validated: two folds per collection (even / odd query ids in
 * sorted order), choose on one fold of every collection, score on the other,
 * both ways; the cross-validated figure per collection is what to report.
 */
import { readFileSync } from "node:fs";
import { candidateSettings, scoreSetting, type LegResults } from "./lib/calibration.js";
import type { FusionSettings } from "../src/core/search/hybrid-fusion.js";

interface Report {
  dataset: string;
  top_k: number;
  leg_depth: number;
  results: Record<string, { "ndcg@10": number }>;
  top_k_legs?: Record<string, { keyword: { id: string; documentId: string; score: number }[]; vector: { id: string; documentId: string; score: number }[] }>;
  qrels?: Record<string, Record<string, number>>;
}

interface Collection {
  name: string;
  topK: number;
  legs: LegResults;
  qrels: Map<string, Map<string, number>>;
  ids: string[];
  folds: [string[], string[]];
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: npx tsx bench/fusion-choice.ts <report.json> [...] (reports of bench:quality --calibrate --json)");
  process.exit(1);
}

const collections: Collection[] = files.map((file) => {
  const report = JSON.parse(readFileSync(file, "utf8")) as Report;
  if (!report.top_k_legs || !report.qrels) throw new Error(`${file}: no legs (run bench:quality with --calibrate)`);
  const legs: LegResults = new Map(Object.entries(report.top_k_legs));
  const qrels = new Map(Object.entries(report.qrels).map(([id, judged]) => [id, new Map(Object.entries(judged))]));
  const ids = [...qrels.keys()].sort();
  return { name: report.dataset, topK: report.top_k, legs, qrels, ids, folds: [ids.filter((_, i) => i % 2 === 0), ids.filter((_, i) => i % 2 === 1)] };
});

const candidates = candidateSettings();
const legOnly = (weights: { keyword: number; vector: number }): FusionSettings => ({ method: "rrf", k: 60, keywordWeight: weights.keyword, vectorWeight: weights.vector, normalization: "minmax" });
/** nDCG@10 of the better single leg, on some queries (a leg alone, cut to top_k, as a request of that mode returns it). */
function betterLeg(collection: Collection, ids: readonly string[]): number {
  return Math.max(
    scoreSetting(collection.legs, collection.qrels, legOnly({ keyword: 1, vector: 0 }), ids, collection.topK),
    scoreSetting(collection.legs, collection.qrels, legOnly({ keyword: 0, vector: 1 }), ids, collection.topK),
  );
}

/** The eligible setting with the best mean nDCG@10, choosing on the given queries of each collection. */
function choose(idsOf: (collection: Collection) => readonly string[]): { settings: FusionSettings; scores: number[] } | undefined {
  const floors = collections.map((collection) => betterLeg(collection, idsOf(collection)));
  let best: { settings: FusionSettings; scores: number[]; mean: number } | undefined;
  for (const settings of candidates) {
    const scores = collections.map((collection) => scoreSetting(collection.legs, collection.qrels, settings, idsOf(collection), collection.topK));
    if (scores.some((score, i) => score < floors[i]! - 1e-12)) continue;
    const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
    if (!best || mean > best.mean + 1e-12) best = { settings, scores, mean };
  }
  return best;
}

const describe = (settings: FusionSettings) => JSON.stringify({ method: settings.method, k: settings.k, keyword_weight: settings.keywordWeight, vector_weight: settings.vectorWeight, normalization: settings.normalization });

const chosen = choose((collection) => collection.ids);
if (!chosen) {
  console.log("no setting keeps hybrid at or above the better leg on every collection");
  process.exit(0);
}
console.log(`chosen on all queries: ${describe(chosen.settings)}`);
collections.forEach((collection, i) => {
  console.log(`  ${collection.name} (top_k ${collection.topK}): hybrid ${chosen.scores[i]!.toFixed(4)} vs better leg ${betterLeg(collection, collection.ids).toFixed(4)} (in-sample)`);
});

// Two-fold cross-validation: choose on fold f of every collection, score on the other fold.
const crossValidated = collections.map(() => 0);
const legCross = collections.map(() => 0);
for (const fold of [0, 1] as const) {
  const pick = choose((collection) => collection.folds[fold]);
  collections.forEach((collection, i) => {
    const held = collection.folds[1 - fold]!;
    const score = pick ? scoreSetting(collection.legs, collection.qrels, pick.settings, held, collection.topK) : betterLeg(collection, held);
    crossValidated[i]! += (score * held.length) / collection.ids.length;
    legCross[i]! += (betterLeg(collection, held) * held.length) / collection.ids.length;
  });
  console.log(`  fold ${fold}: chose ${pick ? describe(pick.settings) : "(none eligible)"}`);
}
collections.forEach((collection, i) => {
  console.log(`  ${collection.name}: two-fold cross-validated hybrid ${crossValidated[i]!.toFixed(4)} vs better leg ${legCross[i]!.toFixed(4)} (${(crossValidated[i]! - legCross[i]!).toFixed(4)})`);
});
