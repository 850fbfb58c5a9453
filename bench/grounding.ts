/**
 * `npm run bench:grounding -- [--data <shared bench-data dir>] [--others <n>] [--json <file>]`
 *
 * Declining (issue 11): does chat decline what the documents do not answer,
 * and answer what they do? Questions in bench/data/grounding/*.jsonl (our own
 * writing: {question, collection, answerable, doc_id?, kind?}) over three
 * collections: the demo's sample documents, and SciFact and Cranfield from
 * the shared bench data (the documents the questions target plus `--others`
 * more, default 1500; a collection whose corpus is absent is skipped).
 *
 * Each collection is ingested into its own throwaway local server (the real
 * worker on Miniflare, extractive generator — the offline default), and every
 * question is asked through POST /v1/chat (`stream: false`) twice:
 * 1. with the gate off (GROUNDING_GATE=off): the retrieval features of
 *    core/answer/grounding-gate.ts are computed from the returned sources and
 *    whether the generator declined on its own is recorded; a sweep over
 *    thresholds (printed) shows what each setting would reach;
 * 2. with the gate at its defaults (or `--var` overrides): the end-to-end
 *    figures — decline rate on unanswerable questions, answer rate on
 *    answerable ones, and for answered ones whether the expected document is
 *    among the cited sources.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { defaultGroundingGateSettings, groundingFeatures, type GroundingFeatures } from "../src/core/answer/grounding-gate.js";
import { sampleDocs } from "../functions/demo/sample-docs.js";
import { ingestDocuments, progressPrinter, projectRoot, startBenchServer } from "./lib/bench-server.js";
import { rates, sweepThresholds, type GroundingObservation } from "./lib/grounding-sweep.js";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: join(projectRoot, "..", "shared", "bench-data") },
    others: { type: "string", default: "1500" },
    json: { type: "string" },
    /** Server variables for the second pass, e.g. --var GROUNDING_MIN_COVERAGE=0.6 (repeatable). */
    var: { type: "string", multiple: true },
  },
});

interface Item {
  question: string;
  collection: string;
  answerable: boolean;
  doc_id?: string;
  kind?: string;
}

interface ChatSource {
  n: number;
  document_id: string;
  chunk_id: string;
  title: string;
  text: string;
  heading?: string;
  scoring?: import("../src/core/search/result-scoring.js").ResultScoring;
}

interface ChatAnswer {
  answer: string;
  sources: ChatSource[];
  grounded: boolean;
  degraded?: string[];
}

interface Outcome {
  item: Item;
  features: GroundingFeatures;
  declined: boolean;
  citedExpected: boolean | null;
}

function loadItems(): Item[] {
  const dir = join(projectRoot, "bench", "data", "grounding");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".jsonl"))
    .sort()
    .flatMap((name) =>
      readFileSync(join(dir, name), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Item),
    );
}

type Doc = { id: string; title?: string; content: string; format?: string };

/** The documents a collection is ingested with, or null when it is absent. */
function collectionDocuments(name: string, items: Item[]): Doc[] | null {
  if (name === "sample") return sampleDocs.map((doc) => ({ ...doc })) as Doc[];
  const file = join(resolve(values.data!), name, "corpus.jsonl");
  if (!existsSync(file)) return null;
  const corpus = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { id?: string; _id?: string; title?: string; text: string });
  const wanted = new Set(items.flatMap((item) => (item.doc_id ? [item.doc_id] : [])));
  const others = Number(values.others);
  const chosen: Doc[] = [];
  let extra = 0;
  for (const entry of corpus) {
    const id = String(entry.id ?? entry._id);
    const target = wanted.has(id);
    if (!target && extra >= others) continue;
    if (!target) extra++;
    chosen.push({ id, title: entry.title || undefined, content: entry.text.trim() === "" ? entry.title || "(empty)" : entry.text, format: "text" });
  }
  const missing = [...wanted].filter((id) => !chosen.some((doc) => doc.id === id));
  if (missing.length > 0) throw new Error(`${name}: questions target documents not in the corpus: ${missing.join(", ")}`);
  return chosen;
}

/** The document ids the answer cites. */
function citedDocuments(answer: ChatAnswer): Set<string> {
  const cited = new Set<string>();
  for (const match of answer.answer.matchAll(/\[(\d+(?:\s*[,;–-]\s*\d+)*)\]/g)) {
    for (const n of match[1]!.split(/[^\d]+/).map(Number)) {
      const source = answer.sources.find((s) => s.n === n);
      if (source) cited.add(source.document_id);
    }
  }
  return cited;
}

async function askAll(collection: string, documents: Doc[], items: Item[], vars: Record<string, string>): Promise<Outcome[]> {
  const bench = await startBenchServer({ vars: { ...vars } });
  try {
    const printer = progressPrinter(`ingest ${collection}`);
    const final = await ingestDocuments(bench.api, documents, (p) => printer.update(p));
    printer.done(final);
    const outcomes: Outcome[] = [];
    for (const item of items) {
      const answer = await bench.api.request<ChatAnswer>("POST", "/v1/chat", { messages: [{ role: "user", content: item.question }], stream: false });
      const cited = citedDocuments(answer);
      outcomes.push({
        item,
        features: groundingFeatures(item.question, answer.sources, defaultGroundingGateSettings.coverageDepth, !(answer.degraded ?? []).includes("vector")),
        declined: !answer.grounded,
        citedExpected: !answer.grounded && item.doc_id ? null : item.doc_id ? cited.has(item.doc_id) : null,
      });
    }
    return outcomes;
  } finally {
    await bench.dispose();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function summary(label: string, outcomes: Outcome[]): { decline_rate: number; answer_rate: number; cited_expected: number; unanswerable: number; answerable: number } {
  const unanswerable = outcomes.filter((o) => !o.item.answerable);
  const answerable = outcomes.filter((o) => o.item.answerable);
  const answered = answerable.filter((o) => !o.declined);
  const result = {
    unanswerable: unanswerable.length,
    answerable: answerable.length,
    decline_rate: unanswerable.filter((o) => o.declined).length / Math.max(1, unanswerable.length),
    answer_rate: answered.length / Math.max(1, answerable.length),
    cited_expected: answered.filter((o) => o.citedExpected).length / Math.max(1, answered.length),
  };
  console.log(
    `${label.padEnd(12)} declined ${pct(result.decline_rate)} of ${result.unanswerable} unanswerable; answered ${pct(result.answer_rate)} of ${result.answerable} answerable (expected document cited in ${pct(result.cited_expected)} of those answered)`,
  );
  return result;
}

async function main() {
  const items = loadItems();
  const collections = [...new Set(items.map((item) => item.collection))];
  const overrides = Object.fromEntries(
    (values.var ?? []).map((pair) => {
      const at = pair.indexOf("=");
      if (at < 1) throw new Error(`--var takes NAME=VALUE (got "${pair}")`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  const observations: GroundingObservation[] = [];
  const gated: Outcome[] = [];
  const ungated: Outcome[] = [];
  const perCollection: Record<string, unknown> = {};
  for (const collection of collections) {
    const questions = items.filter((item) => item.collection === collection);
    const documents = collectionDocuments(collection, questions);
    if (documents === null) {
      console.log(`${collection}: skipped (no corpus under ${values.data})`);
      continue;
    }
    console.log(`${collection}: ${documents.length} documents, ${questions.filter((q) => q.answerable).length} answerable and ${questions.filter((q) => !q.answerable).length} unanswerable questions`);
    const off = await askAll(collection, documents, questions, { GROUNDING_GATE: "off" });
    ungated.push(...off);
    observations.push(...off.map((o) => ({ answerable: o.item.answerable, features: o.features, generatorDeclined: o.declined })));
    const on = await askAll(collection, documents, questions, { ...overrides });
    gated.push(...on);
    perCollection[collection] = { gate_off: summary(`  gate off`, off), gate_on: summary(`  gate on`, on) };
    for (const o of on) {
      if (o.item.answerable === o.declined) {
        const f = o.features;
        console.log(
          `    ${o.item.answerable ? "declined answerable" : "answered unanswerable"}: "${o.item.question}" (coverage ${f.coverage.toFixed(2)} of ${f.queryTerms}, vector ${f.vectorScore?.toFixed(3) ?? "-"}, both legs ${f.bothLegs})`,
        );
      }
    }
  }
  if (gated.length === 0) return;

  console.log("\nthreshold sweep (gate off features; declined = gate says unsupported or the generator declined), best 12:");
  const grid = { coverage: [0, 0.2, 0.25, 0.3, 0.34, 0.4, 0.45, 0.5, 0.55, 0.58, 0.6, 0.62, 0.65, 0.67, 0.7, 0.75, 0.8], vector: [-1, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5] };
  const rows = sweepThresholds(observations, defaultGroundingGateSettings, grid);
  for (const row of rows.slice(0, 12)) {
    console.log(`  coverage ≥ ${row.minCoverage.toFixed(2)}, vector ≥ ${row.minVectorScore.toFixed(2)}: declined ${pct(row.declineRate)}, answered ${pct(row.answerRate)}`);
  }
  const defaults = rates(observations, defaultGroundingGateSettings);
  console.log(
    `  defaults (coverage ≥ ${defaultGroundingGateSettings.minCoverage}, vector ≥ ${defaultGroundingGateSettings.minVectorScore}): declined ${pct(defaults.declineRate)}, answered ${pct(defaults.answerRate)}`,
  );
  console.log("\nall collections:");
  const offAll = summary("gate off", ungated);
  const onAll = summary("gate on", gated);
  if (values.json) {
    mkdirSync(dirname(resolve(values.json)), { recursive: true });
    writeFileSync(
      values.json,
      `${JSON.stringify({ gate: { ...defaultGroundingGateSettings, ...overrides }, gate_off: offAll, gate_on: onAll, collections: perCollection, sweep: rows.slice(0, 20), observations: ungated.map((o) => ({ question: o.item.question, collection: o.item.collection, answerable: o.item.answerable, generator_declined: o.declined, ...o.features })), features: gated.map((o) => ({ question: o.item.question, collection: o.item.collection, answerable: o.item.answerable, declined: o.declined, ...o.features })) }, null, 2)}\n`,
    );
    console.log(`wrote ${values.json}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
