/**
 * `npm run bench:quality -- --data <dir> [--modes keyword,vector,hybrid,hybrid+rerank]
 *   [--embedder <model>] [--reranker <model>] [--fusion <json>] [--json <file>] [--calibrate] [--apply] [--queries <n>]`
 *
 * Ingests a collection (corpus.jsonl, queries.jsonl, qrels.tsv) through the
 * real pipeline — the API, the queue, the consumer, D1 and the local vector
 * index on Miniflare — then runs every query per mode through POST /v1/search
 * and prints nDCG@10, Recall@100 and MRR@10. A document ranks at its best
 * chunk. `--calibrate` searches fusion settings on the collection's own
 * per-leg results and prints the best; `--apply` stores them as the index's
 * fusion setting before the hybrid run; `--fusion '{"method":"rrf","k":60}'`
 * sets it explicitly (same fields as PUT /v1/index/settings).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { collectionExists, loadCollection, type Collection } from "./lib/collection.js";
import { calibrateFusion, type LegResults } from "./lib/calibration.js";
import { documentRanking, evaluate, type Scores } from "./lib/metrics.js";
import { ingestDocuments, progressPrinter, startBenchServer, type BenchApi } from "./lib/bench-server.js";

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
  },
});

const depth = 100;

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
  console.log(`dataset: ${collection.name} (${collection.corpus.length} documents, ${queries.length} judged queries)`);

  const bench = await startBenchServer({
    vars: {
      EMBEDDING_MODEL: values.embedder!,
      SEARCH_MAX_TOP_K: String(depth),
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
    const results: Record<string, Scores> = {};
    const runMode = async (mode: string) => {
      const rankings = new Map<string, string[]>();
      const [searchMode, rerank] = mode === "hybrid+rerank" ? ["hybrid", true] : [mode, false];
      await forEachConcurrently(queries, 4, async (query) => {
        const response = await api.request<{ results: SearchResult[] }>("POST", "/v1/search", {
          query: query.text,
          top_k: depth,
          mode: searchMode,
          ...(rerank ? { rerank: true } : {}),
        });
        const hits = response.results.map((result) => ({ ...result, document_id: ids.toCorpus.get(result.document_id) ?? result.document_id }));
        if (searchMode === "keyword" || searchMode === "vector") {
          let entry = legs.get(query.id);
          if (!entry) legs.set(query.id, (entry = { keyword: [], vector: [] }));
          entry[searchMode] = hits.map((hit) => ({ id: hit.chunk_id, documentId: hit.document_id, score: hit.score }));
        }
        rankings.set(query.id, documentRanking(hits.map((hit) => hit.document_id)));
      });
      results[mode] = evaluate(rankings, qrels);
      console.log(formatLine(mode, results[mode]!));
    };

    const legModes = values.calibrate ? ["keyword", "vector"] : [];
    for (const mode of legModes) if (!modes.includes(mode)) modes.unshift(mode);
    for (const mode of modes.filter((mode) => mode === "keyword" || mode === "vector")) await runMode(mode);

    if (values.calibrate) {
      const best = calibrateFusion(legs, qrels);
      console.log(`calibrated fusion: ${JSON.stringify(best.settings)} → nDCG@10 ${best.score.toFixed(4)} on all queries, ${best.crossValidated.toFixed(4)} two-fold cross-validated`);
      for (const line of best.leaderboard.slice(0, 5)) console.log(`  ${line}`);
      if (values.apply) {
        fusion = (await api.request("PUT", "/v1/index/settings", { fusion: best.settings })).fusion;
        console.log(`applied: ${JSON.stringify(fusion)}`);
      }
    }
    if (values.fusion) fusion = (await api.request("PUT", "/v1/index/settings", { fusion: JSON.parse(values.fusion) })).fusion;
    console.log(`fusion: ${JSON.stringify(fusion)}`);
    for (const mode of modes.filter((mode) => mode.startsWith("hybrid"))) await runMode(mode);

    if (values.json) {
      const report = { dataset: collection.name, embedder: health.embedder?.model ?? values.embedder, fusion, results };
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
  return `${mode.padEnd(14)} nDCG@10 ${scores["ndcg@10"].toFixed(4)}  Recall@100 ${scores["recall@100"].toFixed(4)}  MRR@10 ${scores["mrr@10"].toFixed(4)}`;
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
