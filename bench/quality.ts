/**
 * `npm run bench:quality -- --data <dir> [--modes keyword,vector,hybrid,hybrid+rerank]
 *   [--top-k <n>] [--var NAME=VALUE ...] [--embedder <model>] [--reranker <model>] [--fusion <json>] [--json <file>] [--calibrate] [--apply] [--queries <n>]`
 *
 * Ingests a collection (corpus.jsonl, queries.jsonl, qrels.tsv) through the
 * real pipeline — the API, the queue, the consumer, D1 and the local vector
 * index on Miniflare — then runs every query per mode through POST /v1/search
 * twice: with `--top-k` (default: the API's own default, what a user's
 * request gets, legs of the same depth as theirs) for nDCG@10 and MRR@10,
 * and with `top_k` 100 (100-deep legs) for Recall@100. A document ranks at
 * its best chunk. `--calibrate` searches fusion settings on the per-leg
 * results at the default depth (the legs a default request fuses, the fused
 * list cut to `--top-k`) and prints the best with its two-fold
 * cross-validated score; `--apply` stores them as the index's fusion setting
 * before the hybrid run; `--fusion '{"method":"rrf","k":60}'` sets it
 * explicitly (same fields as PUT /v1/index/settings).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { collectionExists, loadCollection, type Collection } from "./lib/collection.js";
import { calibrateFusion, type LegResults } from "./lib/calibration.js";
import { documentRanking, evaluate, type Scores } from "./lib/metrics.js";
import { ingestDocuments, progressPrinter, startBenchServer, type BenchApi } from "./lib/bench-server.js";
import { searchSchema } from "../functions/schemas.js";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    modes: { type: "string", default: "keyword,vector,hybrid" },
    embedder: { type: "string", default: "@local/universal-sentence-encoder" },
    reranker: { type: "string" },
    json: { type: "string" },
    calibrate: { type: "boolean", default: false },
    fusion: { type: "string" },
    apply: { type: "boolean", default: false },
    queries: { type: "string" },
    "top-k": { type: "string" },
    /** Server variables for the run, e.g. --var KEYWORD_EXPANSION=rm3 (repeatable). */
    var: { type: "string", multiple: true },
  },
});

/** The deep pass (Recall@100). */
const depth = 100;
/** What POST /v1/search returns when the request names no top_k. */
const defaultTopK = searchSchema.parse({ query: "x" }).top_k;

interface SearchResult {
  document_id: string;
  chunk_id: string;
  score: number;
}

async function main() {
  if (!values.data) throw new Error("pass --data <collection dir> (e.g. ../shared/bench-data/scifact)");
  const dir = resolve(values.data);
  if (!collectionExists(dir)) {
    console.log(`skipped: no collection at ${dir} (needs corpus.jsonl, queries.jsonl, qrels.tsv)`);
    return;
  }
  const collection = loadCollection(dir);
  const queryLimit = values.queries ? Number(values.queries) : collection.queries.length;
  const queries = collection.queries.slice(0, queryLimit);
  const qrels = new Map(queries.map((query) => [query.id, collection.qrels.get(query.id)!]));
  let modes = values.modes!.split(",").map((mode) => mode.trim()).filter(Boolean);
  for (const mode of modes) {
    if (!["keyword", "vector", "hybrid", "hybrid+rerank"].includes(mode)) throw new Error(`unknown mode ${mode}`);
  }
  if (modes.includes("hybrid+rerank") && !values.reranker) {
    console.log("hybrid+rerank skipped: pass --reranker <model> (a cross-encoder whose weights are in models/, e.g. @cf/baai/bge-reranker-base)");
    modes = modes.filter((mode) => mode !== "hybrid+rerank");
  }
  if (values.calibrate && (values.var ?? []).some((pair) => /^KEYWORD_EXPANSION=rm3$/.test(pair))) {
    // The legs for calibration are cut from the 100-deep pass; with expansion a leg's order depends on its depth.
    throw new Error("--calibrate cannot be combined with KEYWORD_EXPANSION=rm3 (the keyword leg's order then depends on its depth)");
  }
  const topK = values["top-k"] === undefined ? defaultTopK : Number(values["top-k"]);
  if (!Number.isInteger(topK) || topK < 1 || topK > depth) throw new Error(`--top-k must be an integer between 1 and ${depth}`);
  // The depth of each leg for a request of `topK` (search-service.ts: min(100, max(2 × top_k, 20))).
  const legDepth = Math.min(100, Math.max(2 * topK, 20));
  console.log(`dataset: ${collection.name} (${collection.corpus.length} documents, ${queries.length} judged queries)`);
  console.log(`top_k: ${topK}${values["top-k"] === undefined ? " (the API's default)" : ""}, legs ${legDepth} deep; Recall@100 from a second pass with top_k ${depth}`);

  const bench = await startBenchServer({
    vars: {
      EMBEDDING_MODEL: values.embedder!,
      SEARCH_MAX_TOP_K: String(depth),
      ...Object.fromEntries((values.var ?? []).map((pair) => {
        const at = pair.indexOf("=");
        if (at < 1) throw new Error(`--var takes NAME=VALUE (got "${pair}")`);
        return [pair.slice(0, at), pair.slice(at + 1)];
      })),
      ...(values.reranker ? { RERANK_MODEL: values.reranker } : {}),
    },
  });
  try {
    const { api } = bench;
    const ids = await ingestCollection(api, collection);

    const health = await fetch(new URL("/health", bench.server.url)).then((response) => response.json() as Promise<any>);
    let fusion = (await api.request("GET", "/v1/index/settings")).fusion;
    console.log(`embedder: ${health.embedder?.model} (${health.embedder?.dimensions} dimensions)`);

    const legs: LegResults = new Map();
    let calibration: { settings: unknown; in_sample: number; cross_validated: number } | undefined;
    const results: Record<string, Scores> = {};
    /** Document rankings of one pass over every query. */
    const runPass = async (mode: string, passTopK: number, onHits?: (queryId: string, hits: (SearchResult & { document_id: string })[]) => void) => {
      const rankings = new Map<string, string[]>();
      const [searchMode, rerank] = mode === "hybrid+rerank" ? ["hybrid", true] : [mode, false];
      await forEachConcurrently(queries, 4, async (query) => {
        const response = await api.request<{ results: SearchResult[] }>("POST", "/v1/search", {
          query: query.text,
          top_k: passTopK,
          mode: searchMode,
          ...(rerank ? { rerank: true } : {}),
        });
        const hits = response.results.map((result) => ({ ...result, document_id: ids.toCorpus.get(result.document_id) ?? result.document_id }));
        onHits?.(query.id, hits);
        rankings.set(query.id, documentRanking(hits.map((hit) => hit.document_id)));
      });
      return rankings;
    };
    const runMode = async (mode: string) => {
      const shown = evaluate(await runPass(mode, topK), qrels);
      // The deep pass: for a leg alone, its first `legDepth` hits are the leg a default hybrid request fuses.
      const deep = evaluate(
        await runPass(mode, depth, (queryId, hits) => {
          if (mode !== "keyword" && mode !== "vector") return;
          let entry = legs.get(queryId);
          if (!entry) legs.set(queryId, (entry = { keyword: [], vector: [] }));
          entry[mode] = hits.slice(0, legDepth).map((hit) => ({ id: hit.chunk_id, documentId: hit.document_id, score: hit.score }));
        }),
        qrels,
      );
      results[mode] = { "ndcg@10": shown["ndcg@10"], "mrr@10": shown["mrr@10"], "recall@100": deep["recall@100"] };
      console.log(formatLine(mode, results[mode]!));
    };

    const legModes = values.calibrate ? ["keyword", "vector"] : [];
    for (const mode of legModes) if (!modes.includes(mode)) modes.unshift(mode);
    for (const mode of modes.filter((mode) => mode === "keyword" || mode === "vector")) await runMode(mode);

    if (values.calibrate) {
      const best = calibrateFusion(legs, qrels, { topK });
      console.log(
        `calibrated fusion (top_k ${topK}, legs ${legDepth} deep): ${JSON.stringify(best.settings)} → nDCG@10 ${best.score.toFixed(4)} on all queries, ${best.crossValidated.toFixed(4)} two-fold cross-validated`,
      );
      calibration = { settings: best.settings, in_sample: best.score, cross_validated: best.crossValidated };
      for (const line of best.leaderboard.slice(0, 5)) console.log(`  ${line}`);
      if (values.apply) {
        fusion = (await api.request("PUT", "/v1/index/settings", { fusion: best.settings })).fusion;
        console.log(`applied: ${JSON.stringify(fusion)}`);
      }
    }
    if (values.fusion) fusion = (await api.request("PUT", "/v1/index/settings", { fusion: JSON.parse(values.fusion) })).fusion;
    console.log(`fusion: ${JSON.stringify(fusion)}${values.var?.length ? `; server variables: ${values.var.join(" ")}` : ""}`);
    for (const mode of modes.filter((mode) => mode.startsWith("hybrid"))) await runMode(mode);

    if (values.json) {
      const report = {
        dataset: collection.name,
        embedder: health.embedder?.model ?? values.embedder,
        top_k: topK,
        leg_depth: legDepth,
        fusion,
        // results[mode]["ndcg@10"] and ["mrr@10"] at top_k; ["recall@100"] from the 100-deep pass.
        results,
        ...(calibration ? { calibration } : {}),
        // The legs a default request fuses, per query: input for bench/fusion-choice.ts (one default for several collections).
        ...(values.calibrate ? { top_k_legs: Object.fromEntries(legs), qrels: Object.fromEntries([...qrels].map(([id, judged]) => [id, Object.fromEntries(judged)])) } : {}),
      };
      mkdirSync(dirname(resolve(values.json)), { recursive: true });
      writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`wrote ${values.json}`);
    }
  } finally {
    await bench.dispose();
  }
}

/** Posts the corpus (ids kept; ids our API cannot take are mapped) and waits until it is indexed. */
async function ingestCollection(api: BenchApi, collection: Collection) {
  const toApi = new Map<string, string>();
  const toCorpus = new Map<string, string>();
  const documents = collection.corpus.map((doc) => {
    const apiId = /^[A-Za-z0-9][A-Za-z0-9._:@~+=-]{0,127}$/.test(doc.id) ? doc.id : `d-${Buffer.from(doc.id).toString("hex").slice(0, 120)}`;
    toApi.set(doc.id, apiId);
    toCorpus.set(apiId, doc.id);
    return { id: apiId, title: doc.title || undefined, content: doc.text.trim() === "" ? doc.title || "(empty)" : doc.text, format: "text" };
  });
  const printer = progressPrinter(`ingest ${collection.name}`);
  const final = await ingestDocuments(api, documents, (progress) => printer.update(progress));
  printer.done(final);
  if (final.failed > 0) console.log(`warning: ${final.failed} documents failed to index`);
  return { toApi, toCorpus };
}

function formatLine(mode: string, scores: Scores): string {
  return `${mode.padEnd(14)} nDCG@10 ${scores["ndcg@10"].toFixed(4)}  MRR@10 ${scores["mrr@10"].toFixed(4)}  Recall@100 (top_k ${depth}) ${scores["recall@100"].toFixed(4)}`;
}

async function forEachConcurrently<T>(items: readonly T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ""}` : error);
  process.exit(1);
});
