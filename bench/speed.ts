/**
 * `npm run bench:speed`: how fast the service is on this machine, in one run.
 *
 * 1. Hybrid search latency over HTTP (`POST /v1/search`, hybrid, top_k 8)
 *    against the real local server at each corpus size, plus the server's own
 *    per-stage timings.
 * 2. Ingestion throughput through the whole pipeline (API → Queue → consumer
 *    → D1 + FTS5 + vector upserts), embedding excluded.
 * 3. The local vector stand-in's exact scan against a plain Float32Array
 *    dot-product loop over the same matrix (in-process).
 * 4. The keyword leg (D1 FTS5 bm25) against Orama full-text search on the
 *    same documents and queries, with index build times.
 *
 * Embedding is kept out of the figures with `@local/feature-hashing-512`, a
 * feature-hashing embedder whose cost is a few microseconds of hashing (it is
 * not a semantic model; relevance is not measured here).
 *
 * Flags: --sizes 1000,10000,100000  --queries N  --warmup N  --orama-max N
 *        --synthetic (made-up text even when SciFact is there)
 *        --no-wait-quiet (do not wait for other processes to go quiet
 *        before each phase, nor repeat a pass they disturbed)
 *        --write / --no-write (RESULTS.md; default: write only for the full
 *        default run).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { create, insertMultiple, search as oramaSearch } from "@orama/orama";
import { featureHashingId, featureHashingVector } from "../src/adapters/local/node/models/feature-hashing.js";
import { LocalVectorStore } from "../src/adapters/local/node/vector-store.js";
import { contentWords } from "../src/core/text/tokenize.js";
import { projectRoot, startBenchServer, type BenchApi } from "./lib/bench-server.js";
import { collectionExists, loadCollection } from "./lib/collection.js";
import { startContentionMeter, waitForQuietMachine } from "./lib/cpu-contention.js";
import { timeFtsIndexing, type FtsIndexTiming } from "./lib/fts-index-timing.js";
import { formatMs, summarize, timeRepeated, type LatencySummary } from "./lib/latency.js";
import { inverseRowNorms, plainCosineTopK } from "./lib/plain-cosine-scan.js";
import { writeResultsSection } from "./lib/results-file.js";
import { buildSpeedCorpus, passagesOf, pickQueries, sampledQueries, seededRandom, syntheticPassages, type SpeedDocument } from "./lib/speed-corpus.js";
import { timedIngest, type TimedIngest } from "./lib/timed-ingest.js";

// ---------------------------------------------------------------------------
// Settings

const defaults = { sizes: [1_000, 10_000, 100_000], queries: 300, warmup: 30, oramaMax: 100_000 };
/**
 * Sharing the machine: before each phase wait (up to `quietWaitSeconds`) until
 * other processes use less than `quietCores`; a search pass during which they
 * used more than `busyCores` is run again once, and the quieter pass is kept.
 */
const quietCores = 0.15;
const busyCores = 0.3;
const quietWaitSeconds = 300;
const dimensions = 512;
const topK = 8;
/** The keyword leg's SQL LIMIT for top_k 8 (the search service fetches max(2·top_k, 20) per leg). */
const keywordPool = Math.min(100, Math.max(2 * topK, 20));
/** Passage budget in approximate tokens: well under CHUNK_MAX_TOKENS (320), so one document is one chunk. */
const passageTokens = 240;
const columnWeights = { title: 2, heading: 1.5, text: 1 };
const scifactDir = join(projectRoot, "..", "shared", "bench-data", "scifact");
const resultsFile = join(projectRoot, "bench", "RESULTS.md");

interface Options {
  sizes: number[];
  queries: number;
  warmup: number;
  oramaMax: number;
  write: boolean | undefined;
  synthetic: boolean;
  waitQuiet: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { ...defaults, write: undefined, synthetic: false, waitQuiet: true };
  const count = (flag: string, value: string | undefined) => {
    const parsed = Number(String(value).replace(/k$/i, "000"));
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} needs a positive integer, got ${String(value)}`);
    return parsed;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes("=") ? flag.split("=", 2) : [flag, undefined];
    const value = () => inline ?? argv[++i];
    if (name === "--sizes") options.sizes = [...new Set(value()!.split(",").map((s) => count("--sizes", s.trim())))].sort((a, b) => a - b);
    else if (name === "--queries") options.queries = count("--queries", value());
    else if (name === "--warmup") options.warmup = Number(value());
    else if (name === "--orama-max") options.oramaMax = Number(value());
    else if (name === "--write") options.write = true;
    else if (name === "--no-write") options.write = false;
    else if (name === "--synthetic") options.synthetic = true;
    else if (name === "--no-wait-quiet") options.waitQuiet = false;
    else if (name === "--help" || name === "-h") {
      console.log("usage: npm run bench:speed -- [--sizes 1000,10000,100000] [--queries 300] [--warmup 30] [--orama-max 100000] [--synthetic] [--no-wait-quiet] [--write|--no-write]");
      process.exit(0);
    } else throw new Error(`unknown flag ${flag} (try --help)`);
  }
  if (!Number.isInteger(options.warmup) || options.warmup < 0) throw new Error("--warmup needs an integer ≥ 0");
  return options;
}

// ---------------------------------------------------------------------------
// Results

interface VectorScanResult {
  otherCores?: number;
  vectors: number;
  repetitions: number;
  store: LatencySummary;
  plain: LatencySummary;
  agreement: number;
  buildSeconds: number;
}

interface OramaResult {
  documents: number;
  insertSeconds: number;
  heapMB: number;
  search: LatencySummary;
}

interface SizeResult {
  chunks: number;
  documents: number;
  ingest: TimedIngest;
  hybridHttp: LatencySummary;
  hybridStages: Record<"embed_ms" | "vector_ms" | "keyword_ms" | "fuse_ms" | "total_ms", LatencySummary>;
  keywordHttp: LatencySummary;
  keywordServer: LatencySummary;
  keywordServerTotal: LatencySummary;
  /** Diagnostic: the vector leg alone (mode "vector"). */
  vectorHttp: LatencySummary;
  vectorStages: Record<"embed_ms" | "vector_ms" | "total_ms", LatencySummary>;
  /** Cores other processes kept busy during each phase (undefined off Linux). */
  otherCores: { ingest?: number; hybrid?: number; vector?: number; keyword?: number };
}

type Timings = { embed_ms: number; vector_ms: number; keyword_ms: number; fuse_ms: number; total_ms: number };

// ---------------------------------------------------------------------------
// Helpers

const log = (line = "") => console.log(line);
/** Cores other processes used during a phase, for the tables ("–" off Linux). */
const fmtCores = (cores: number | undefined) => (cores === undefined ? "–" : cores.toFixed(2));
let waitQuiet = true;

/** Waits for other processes to go (nearly) idle, so that a phase has the machine to itself. */
async function quietMachine(): Promise<void> {
  if (!waitQuiet) return;
  const started = performance.now();
  const quiet = await waitForQuietMachine({ maxOtherCores: quietCores, timeoutSeconds: quietWaitSeconds });
  const waited = (performance.now() - started) / 1000;
  if (!quiet) note(`  (other processes stayed busy for ${waited.toFixed(0)} s; going on anyway)`);
  else if (waited > 5) note(`  (waited ${waited.toFixed(0)} s for other processes to go quiet)`);
}

/**
 * Runs a phase on a quiet machine and measures how much CPU the rest of the
 * machine used meanwhile. With `repeatable`, a phase disturbed by more than
 * `busyCores` runs once more and the quieter run is kept.
 */
async function withContention<T>(phase: () => Promise<T>, options: { repeatable?: boolean } = {}): Promise<[T, number | undefined]> {
  await quietMachine();
  let meter = startContentionMeter();
  let result = await phase();
  let other = meter.stop()?.otherCores;
  if (options.repeatable && waitQuiet && other !== undefined && other > busyCores) {
    note(`  (other processes used ${other.toFixed(2)} cores during that pass; running it again)`);
    await quietMachine();
    meter = startContentionMeter();
    const again = await phase();
    const otherAgain = meter.stop()?.otherCores;
    if (otherAgain !== undefined && otherAgain < other) {
      result = again;
      other = otherAgain;
    }
  }
  return [result, other];
}
const note = (line: string) => process.stderr.write(`${line}\n`);
const fmtInt = (n: number) => n.toLocaleString("en-US");
const fmtSize = (n: number) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));
const ms = (s: LatencySummary) => `p50 ${formatMs(s.p50)} ms, p95 ${formatMs(s.p95)} ms`;

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

/** The query terms the keyword leg sends to FTS5 (`buildFtsQuery`): distinct content words, at most 32. */
function ftsTerms(query: string): string[] {
  return [...new Set(contentWords(query))].slice(0, 32);
}

// ---------------------------------------------------------------------------
// 3. Vector stand-in vs plain loop (in-process)

async function benchVectorScan(vectors: number): Promise<VectorScanResult> {
  const random = seededRandom(vectors);
  const matrix = new Float32Array(vectors * dimensions);
  for (let i = 0; i < matrix.length; i++) matrix[i] = random() * 2 - 1;
  const dataDir = mkdtempSync(join(tmpdir(), "edge-rag-vector-bench-"));
  const store = new LocalVectorStore({ dataDir });
  try {
    const index = store.createIndex("speed", { dimensions, metric: "cosine" });
    const buildStarted = performance.now();
    for (let start = 0; start < vectors; start += 1000) {
      const batch = [];
      for (let row = start; row < Math.min(vectors, start + 1000); row++) {
        batch.push({ id: `v${row}`, values: matrix.subarray(row * dimensions, (row + 1) * dimensions), namespace: "default" });
      }
      index.upsert(batch);
    }
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    const invNorms = inverseRowNorms(matrix, dimensions);

    const queryCount = 64;
    const queries = Array.from({ length: queryCount }, () => Float32Array.from({ length: dimensions }, () => random() * 2 - 1));
    // As the vector service receives it: a plain number[] parsed from JSON.
    const queryArrays = queries.map((query) => Array.from(query));

    let agreement = 0;
    for (let q = 0; q < queryCount; q++) {
      const storeIds = index.query(queryArrays[q]!, { topK: 10, namespace: "default" }).map((match) => match.id);
      const plainIds = Array.from(plainCosineTopK(matrix, invNorms, dimensions, queries[q]!, 10).rows, (row) => `v${row}`);
      if (storeIds.join() === plainIds.join()) agreement++;
    }

    // About 25 G multiply-adds per method, 50..500 repetitions; the two methods alternate.
    const repetitions = Math.round(Math.min(500, Math.max(50, 2.5e10 / (vectors * dimensions) / 2)));
    const warmup = 20;
    const storeTimes: number[] = [];
    const plainTimes: number[] = [];
    let sink = 0;
    for (let i = 0; i < warmup + repetitions; i++) {
      const q = i % queryCount;
      let started = performance.now();
      sink += index.query(queryArrays[q]!, { topK: 10, namespace: "default" }).length;
      const storeMs = performance.now() - started;
      started = performance.now();
      sink += plainCosineTopK(matrix, invNorms, dimensions, queries[q]!, 10).rows.length;
      const plainMs = performance.now() - started;
      if (i >= warmup) {
        storeTimes.push(storeMs);
        plainTimes.push(plainMs);
      }
    }
    if (sink === 0) throw new Error("no results");
    return { vectors, repetitions, store: summarize(storeTimes), plain: summarize(plainTimes), agreement: agreement / queryCount, buildSeconds };
  } finally {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// 4b. Orama (in-process)

interface OramaIndex {
  insertSeconds: number;
  heapMB: number;
  /** Runs one query with the same terms as our keyword leg; returns the number of hits. */
  search(query: string): Promise<number>;
}

async function buildOrama(documents: readonly SpeedDocument[]): Promise<OramaIndex> {
  const heapBefore = process.memoryUsage().heapUsed;
  // Stemming on, as FTS5's porter tokenizer stems; title boosted 2× like the bm25 column weight.
  const db = create({ schema: { title: "string", text: "string" } as const, components: { tokenizer: { stemming: true } } });
  const started = performance.now();
  await insertMultiple(
    db,
    documents.map((doc) => ({ id: doc.id, title: doc.title, text: doc.content })),
    1000,
  );
  const insertSeconds = (performance.now() - started) / 1000;
  const heapMB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  return {
    insertSeconds,
    heapMB,
    async search(query) {
      const term = ftsTerms(query).join(" ");
      const result = await oramaSearch(db, { term, limit: keywordPool, properties: ["title", "text"], boost: { title: columnWeights.title } });
      return result.hits.length;
    },
  };
}

// ---------------------------------------------------------------------------
// 1, 2, 4a. The server

/**
 * Warm-up on the last `warmup` queries, then every query once, one request at
 * a time. With `alongside`, each request is followed by the same query in
 * `alongside` (timed separately), so both see the same background load.
 */
async function searchPass(
  api: BenchApi,
  queries: readonly string[],
  mode: "hybrid" | "keyword" | "vector",
  warmup: number,
  alongside?: (query: string) => Promise<number>,
) {
  const warmupQueries = queries.slice(-Math.min(warmup, queries.length));
  for (const query of warmupQueries) {
    await api.request("POST", "/v1/search", { query, mode, top_k: topK });
    await alongside?.(query);
  }
  const timings: Timings[] = [];
  const durations: number[] = [];
  const alongsideDurations: number[] = [];
  let empty = 0;
  let alongsideHits = 0;
  for (const query of queries) {
    let started = performance.now();
    const response = await api.request<{ results: unknown[]; timings: Timings }>("POST", "/v1/search", { query, mode, top_k: topK });
    durations.push(performance.now() - started);
    timings.push(response.timings);
    if (response.results.length === 0) empty++;
    if (alongside) {
      started = performance.now();
      alongsideHits += await alongside(query);
      alongsideDurations.push(performance.now() - started);
    }
  }
  if (alongside && alongsideHits === 0) throw new Error("the in-process comparison found nothing: check the corpus");
  return { http: summarize(durations), timings, empty, alongside: summarize(alongsideDurations) };
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseArgs(argv);
  waitQuiet = options.waitQuiet;
  const isDefaultRun =
    options.sizes.join() === defaults.sizes.join() &&
    options.queries === defaults.queries &&
    options.warmup === defaults.warmup &&
    options.oramaMax === defaults.oramaMax &&
    !options.synthetic;
  const write = options.write ?? isDefaultRun;
  const command = `npm run bench:speed${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
  const maxSize = options.sizes[options.sizes.length - 1]!;

  const commit = git(["rev-parse", "--short", "HEAD"]) || "unknown";
  const dirty = git(["status", "--porcelain"]) !== "";
  const cpuModel = cpus()[0]?.model.trim() ?? "unknown CPU";
  const machine = `${cpus().length} cores (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
  const date = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";

  log(`edge-rag speed benchmark — ${date}`);
  log(`Machine: ${machine}`);
  log(`Commit: ${commit}${dirty ? " (with uncommitted changes)" : ""}`);
  log(`Command: ${command}`);

  // Corpus and queries.
  let corpusNote: string;
  let queryNote: string;
  let documents: SpeedDocument[];
  let queries: string[];
  if (!options.synthetic && collectionExists(scifactDir)) {
    const collection = loadCollection(scifactDir);
    const passages = passagesOf(collection.corpus, passageTokens);
    documents = buildSpeedCorpus(passages, maxSize, { maxTokens: passageTokens });
    queries = pickQueries(
      collection.queries.map((query) => query.text),
      options.queries,
    );
    corpusNote =
      `SciFact abstracts (${fmtInt(collection.corpus.length)}) cut into ${fmtInt(passages.length)} passages of whole sentences ` +
      `(≤ ${passageTokens} approx. tokens, one chunk each); beyond that, variants (sentences shuffled, one may be dropped, one borrowed from another passage)`;
    queryNote = `${fmtInt(options.queries)} SciFact test claims${options.queries > collection.queries.length ? " (cycled)" : ""}`;
  } else {
    if (!options.synthetic) log(`Note: ${scifactDir} not found; using synthetic text (Zipf vocabulary) and sampled queries.`);
    const passages = syntheticPassages(Math.min(maxSize, 20_000), { maxTokens: passageTokens });
    documents = buildSpeedCorpus(passages, maxSize, { maxTokens: passageTokens });
    queries = sampledQueries(passages, options.queries);
    corpusNote = `synthetic passages (Zipf vocabulary of 30,000 made-up words, ≤ ${passageTokens} approx. tokens); variants beyond 20,000`;
    queryNote = `${fmtInt(options.queries)} queries sampled from passage sentences (6–12 words)`;
  }
  log(`Corpus: ${corpusNote}.`);
  log(`Queries: ${queryNote}; ${options.warmup} warm-up requests before each timed pass; requests one at a time.`);
  const startLoad = loadavg()[0]!;
  log(`Load average (1 min) at start: ${startLoad.toFixed(2)} on ${cpus().length} cores.`);
  log(`Embedder: ${featureHashingId} (hashed word unigrams + bigrams; NOT a semantic model: used here so embedding costs ~nothing).`);

  // Hashing cost in-process, to show what "embedding" costs in the figures below.
  const hashQuery = summarize(await timeRepeated((i) => featureHashingVector(queries[i % queries.length]!), { warmup: 200, repetitions: 2000 }));
  const hashChunk = summarize(
    await timeRepeated((i) => featureHashingVector(`${documents[i % documents.length]!.title}\n${documents[i % documents.length]!.content}`), {
      warmup: 200,
      repetitions: 2000,
    }),
  );
  log(`Hashing cost in-process: ${formatMs(hashQuery.p50 * 1000)} µs per query, ${formatMs(hashChunk.p50 * 1000)} µs per chunk (p50).`);
  log();

  // 3. Vector scan.
  log("== Local vector stand-in: exact scan vs a plain Float32Array loop (in-process, 512-d cosine, random vectors, topK 10) ==");
  const vectorResults: VectorScanResult[] = [];
  for (const size of options.sizes) {
    const [result, otherCores] = await withContention(() => benchVectorScan(size), { repeatable: true });
    if (otherCores !== undefined) result.otherCores = otherCores;
    vectorResults.push(result);
    log(
      `${fmtSize(size).padStart(5)} vectors: LocalVectorIndex.query ${ms(result.store)} | plain loop ${ms(result.plain)} | ` +
        `ratio of medians ${(result.store.p50 / result.plain.p50).toFixed(2)}× | ${result.repetitions} reps each, alternating | ` +
        `same top-10 on ${(result.agreement * 100).toFixed(0)}% of 64 queries | upserting took ${result.buildSeconds.toFixed(1)} s | other processes ${fmtCores(otherCores)} cores`,
    );
  }
  log();

  // 1, 2, 4a. Server.
  log(`== Server over HTTP (Miniflare: worker + D1 + Queues; vector stand-in in this Node process), EMBEDDING_MODEL=${featureHashingId} ==`);
  const bench = await startBenchServer({ vars: { EMBEDDING_MODEL: featureHashingId }, embeddingCache: false });
  const sizeResults: SizeResult[] = [];
  const oramaResults: OramaResult[] = [];
  const ftsResults: FtsIndexTiming[] = [];
  try {
    let indexed = 0;
    for (const size of options.sizes) {
      const slice = documents.slice(indexed, size);
      log(`-- ${fmtSize(size)}: ingesting documents ${fmtInt(indexed + 1)}..${fmtInt(size)}`);
      const [ingest, ingestOther] = await withContention(() => timedIngest(bench.api, slice, note));
      indexed = size;
      const { documents: docStats, chunks } = ingest.stats;
      log(
        `   ingested ${fmtInt(ingest.documents)} docs → ${fmtInt(ingest.chunks)} chunks in ${ingest.totalSeconds.toFixed(1)} s ` +
          `(submitting took ${ingest.submitSeconds.toFixed(1)} s): ${(ingest.documents / ingest.totalSeconds).toFixed(0)} docs/s, ` +
          `${(ingest.chunks / ingest.totalSeconds).toFixed(0)} chunks/s; failed ${ingest.failed}; other processes ${fmtCores(ingestOther)} cores`,
      );
      if (chunks !== size || docStats.ready !== size) {
        log(`   WARNING: /v1/index/stats says ${fmtInt(docStats.ready)} ready documents and ${fmtInt(chunks)} chunks, expected ${fmtInt(size)} of each`);
      } else {
        log(`   /v1/index/stats: ${fmtInt(docStats.ready)} ready documents, ${fmtInt(chunks)} chunks ✓`);
      }

      const [hybrid, hybridOther] = await withContention(() => searchPass(bench.api, queries, "hybrid", options.warmup), { repeatable: true });
      const stage = (key: keyof Timings) => summarize(hybrid.timings.map((t) => t[key]));
      const hybridStages = { embed_ms: stage("embed_ms"), vector_ms: stage("vector_ms"), keyword_ms: stage("keyword_ms"), fuse_ms: stage("fuse_ms"), total_ms: stage("total_ms") };
      log(
        `   hybrid  HTTP ${ms(hybrid.http)} | server p50: total ${formatMs(hybridStages.total_ms.p50)}, embed ${formatMs(hybridStages.embed_ms.p50)}, ` +
          `vector ${formatMs(hybridStages.vector_ms.p50)}, keyword ${formatMs(hybridStages.keyword_ms.p50)}, fuse ${formatMs(hybridStages.fuse_ms.p50)} ms` +
          (hybrid.empty > 0 ? ` | ${hybrid.empty} empty results` : "") +
          ` | other processes ${fmtCores(hybridOther)} cores`,
      );
      const [vector, vectorOther] = await withContention(() => searchPass(bench.api, queries, "vector", options.warmup), { repeatable: true });
      const vectorStage = (key: keyof Timings) => summarize(vector.timings.map((t) => t[key]));
      const vectorStages = { embed_ms: vectorStage("embed_ms"), vector_ms: vectorStage("vector_ms"), total_ms: vectorStage("total_ms") };
      log(
        `   vector  HTTP ${ms(vector.http)} | server p50: total ${formatMs(vectorStages.total_ms.p50)}, embed ${formatMs(vectorStages.embed_ms.p50)}, ` +
          `vector ${formatMs(vectorStages.vector_ms.p50)} ms (diagnostic: the vector leg alone) | other processes ${fmtCores(vectorOther)} cores`,
      );
      // Keyword leg, each request followed by the same query in Orama (built now on the same documents).
      let orama: OramaIndex | undefined;
      if (size <= options.oramaMax) {
        const [built, buildOther] = await withContention(() => buildOrama(documents.slice(0, size)));
        orama = built;
        log(
          `   Orama insertMultiple of ${fmtInt(size)} documents: ${orama.insertSeconds.toFixed(2)} s (~${orama.heapMB.toFixed(0)} MB heap) | other processes ${fmtCores(buildOther)} cores`,
        );
      }
      const oramaIndex = orama;
      const [keyword, keywordOther] = await withContention(
        () => searchPass(bench.api, queries, "keyword", options.warmup, oramaIndex ? (query) => oramaIndex.search(query) : undefined),
        { repeatable: true },
      );
      const keywordServer = summarize(keyword.timings.map((t) => t.keyword_ms));
      const keywordServerTotal = summarize(keyword.timings.map((t) => t.total_ms));
      log(
        `   keyword HTTP ${ms(keyword.http)} | server keyword_ms ${ms(keywordServer)}` +
          (keyword.empty > 0 ? ` | ${keyword.empty} empty results` : "") +
          ` | other processes ${fmtCores(keywordOther)} cores`,
      );
      if (orama) {
        log(`   Orama (in-process, interleaved with the HTTP requests) ${ms(keyword.alongside)}`);
        oramaResults.push({ documents: size, insertSeconds: orama.insertSeconds, heapMB: orama.heapMB, search: keyword.alongside });
        orama = undefined;
        await quietMachine();
        const fts = await timeFtsIndexing(
          documents.slice(0, size).map((doc) => ({ id: doc.id, title: doc.title, text: doc.content })),
          join(projectRoot, "migrations"),
        );
        ftsResults.push(fts);
        log(`   D1 FTS5 index build in a fresh database ('rebuild' over ${fmtInt(fts.rows)} stored rows): ${fts.rebuildSeconds.toFixed(2)} s`);
      }
      sizeResults.push({
        chunks,
        documents: size,
        ingest,
        hybridHttp: hybrid.http,
        hybridStages,
        keywordHttp: keyword.http,
        keywordServer,
        keywordServerTotal,
        vectorHttp: vector.http,
        vectorStages,
        otherCores: { ingest: ingestOther, hybrid: hybridOther, vector: vectorOther, keyword: keywordOther },
      });
    }
  } finally {
    await bench.dispose();
  }
  log();

  // 5. Summary.
  const report = renderReport({
    startLoad,
    waitQuiet: options.waitQuiet,
    date,
    machine,
    commit: `${commit}${dirty ? " (with uncommitted changes)" : ""}`,
    command,
    corpusNote,
    queryNote,
    warmup: options.warmup,
    hashQuery,
    hashChunk,
    vectorResults,
    oramaResults,
    ftsResults,
    sizeResults,
  });
  log(report);
  if (write) {
    writeResultsSection(resultsFile, "Speed", report);
    log(`\nWrote the "## Speed" section of ${resultsFile}.`);
  } else {
    log(`\nNot written to bench/RESULTS.md (only the full default run writes; pass --write to force).`);
  }
}

function renderReport(r: {
  startLoad: number;
  waitQuiet: boolean;
  date: string;
  machine: string;
  commit: string;
  command: string;
  corpusNote: string;
  queryNote: string;
  warmup: number;
  hashQuery: LatencySummary;
  hashChunk: LatencySummary;
  vectorResults: VectorScanResult[];
  oramaResults: OramaResult[];
  ftsResults: FtsIndexTiming[];
  sizeResults: SizeResult[];
}): string {
  const lines: string[] = [];
  const add = (line = "") => lines.push(line);
  add(`Command: \`${r.command}\` — ${r.date}, commit ${r.commit}.`);
  add(
    `Machine: ${r.machine}; 1-minute load average ${r.startLoad.toFixed(2)} at the start. The "other CPU" columns give the cores that other processes ` +
      "kept busy during each phase (machine busy time minus this benchmark's process tree, from /proc): near 0 means the figures had the machine to themselves. " +
      (r.waitQuiet
        ? `Each phase waited (up to ${quietWaitSeconds} s) for other processes to use under ${quietCores} cores; a search pass they disturbed by more than ${busyCores} cores ran once more and the quieter pass is reported.`
        : "This run did not wait for a quiet machine (--no-wait-quiet)."),
  );
  add();
  add(`Corpus: ${r.corpusNote}. Queries: ${r.queryNote}; ${r.warmup} warm-up requests before every timed pass; one request at a time; p50/p95 over every query.`);
  add(
    `Embedder: \`${featureHashingId}\` (feature hashing of word unigrams and bigrams; a speed-testing/baseline embedder, not a semantic model), ` +
      `so embedding is excluded except for hashing: ${formatMs(r.hashQuery.p50 * 1000)} µs per query and ${formatMs(r.hashChunk.p50 * 1000)} µs per chunk in-process (p50).`,
  );
  add();

  add("### 1. Hybrid search latency over HTTP");
  add();
  add(
    "`POST /v1/search` `{mode: \"hybrid\", top_k: 8}` against the local server (the worker on Miniflare with real D1 and Queues, the vector stand-in in the host Node process). " +
      "HTTP = client-side wall time from sending the request to the parsed JSON response, keep-alive connection. " +
      "Server stages are the response's `timings` (whole milliseconds: workerd's clock advances only across I/O). " +
      "`embed` is the query-embedding call to the host process (hashing costs microseconds; the rest is the service-binding round trip); " +
      "`vector` is the vector-index query plus the D1 visibility join; `keyword` is the FTS5 bm25 query; the service starts both legs at once.",
  );
  add();
  add("| chunks | HTTP p50 | HTTP p95 | server total p50 | total p95 | embed p50 | vector p50 | keyword p50 | fuse p50 | other CPU |");
  add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const s of r.sizeResults) {
    const st = s.hybridStages;
    add(
      `| ${fmtInt(s.chunks)} | ${formatMs(s.hybridHttp.p50)} ms | ${formatMs(s.hybridHttp.p95)} ms | ${formatMs(st.total_ms.p50)} ms | ${formatMs(st.total_ms.p95)} ms | ` +
        `${formatMs(st.embed_ms.p50)} ms | ${formatMs(st.vector_ms.p50)} ms | ${formatMs(st.keyword_ms.p50)} ms | ${formatMs(st.fuse_ms.p50)} ms | ${fmtCores(s.otherCores.hybrid)} |`,
    );
  }
  add();
  add(
    "Where the time goes: each leg alone, same queries (`mode: \"keyword\"` and `mode: \"vector\"`, server p50). " +
      "If hybrid's total is close to keyword + vector rather than the larger of the two, the legs do not overlap in local mode.",
  );
  add();
  add("| chunks | keyword-only: HTTP p50 | keyword_ms p50 | vector-only: HTTP p50 | embed p50 | vector p50 | total p50 | keyword_ms + vector-only total | hybrid total p50 | other CPU |");
  add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const s of r.sizeResults) {
    add(
      `| ${fmtInt(s.chunks)} | ${formatMs(s.keywordHttp.p50)} ms | ${formatMs(s.keywordServer.p50)} ms | ${formatMs(s.vectorHttp.p50)} ms | ` +
        `${formatMs(s.vectorStages.embed_ms.p50)} ms | ${formatMs(s.vectorStages.vector_ms.p50)} ms | ${formatMs(s.vectorStages.total_ms.p50)} ms | ` +
        `${formatMs(s.keywordServer.p50 + s.vectorStages.total_ms.p50)} ms | ${formatMs(s.hybridStages.total_ms.p50)} ms | ${fmtCores(s.otherCores.vector)} |`,
    );
  }
  add();

  add("### 2. Ingestion throughput (embedding excluded)");
  add();
  add(
    "From the first `POST /v1/documents/batch` (100 documents each, sent one after another) until `GET /v1/index/stats` counts every new document ready: " +
      "API → D1 → Queue → consumer (batches of 10) → parse → chunk → hash-embed → vector upserts → D1 chunks + FTS5 → activation. " +
      "The index grows step by step, so each row adds documents to the previous ones.",
  );
  add();
  add("| step | new docs | new chunks | seconds | docs/s | chunks/s | submit only (s) | other CPU |");
  add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  let previous = 0;
  for (const s of r.sizeResults) {
    const i = s.ingest;
    add(
      `| ${fmtSize(previous)} → ${fmtSize(s.documents)} | ${fmtInt(i.documents)} | ${fmtInt(i.chunks)} | ${i.totalSeconds.toFixed(1)} | ` +
        `${(i.documents / i.totalSeconds).toFixed(0)} | ${(i.chunks / i.totalSeconds).toFixed(0)} | ${i.submitSeconds.toFixed(1)} | ${fmtCores(s.otherCores.ingest)} |`,
    );
    previous = s.documents;
  }
  add();

  add("### 3. Local vector stand-in: exact scan vs a plain loop");
  add();
  add(
    "In-process in Node: a `LocalVectorStore` index (512-d, cosine, one namespace, no metadata) filled with random vectors, `query(q, {topK: 10, namespace})` with `q` a `number[]` " +
      "(as the vector service receives it), vs `for each row: dot(q, row) · invNorm[row]` over the identical `Float32Array` with a sorted top-10 insertion list (`bench/lib/plain-cosine-scan.ts`). " +
      "64 random queries, 20 warm-up rounds, then the two methods alternate query by query.",
  );
  add();
  add("| vectors | LocalVectorIndex.query p50 | p95 | plain loop p50 | p95 | ratio (p50) | same top-10 | repetitions | other CPU |");
  add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const v of r.vectorResults) {
    add(
      `| ${fmtInt(v.vectors)} | ${formatMs(v.store.p50)} ms | ${formatMs(v.store.p95)} ms | ${formatMs(v.plain.p50)} ms | ${formatMs(v.plain.p95)} ms | ` +
        `${(v.store.p50 / v.plain.p50).toFixed(2)}× | ${(v.agreement * 100).toFixed(0)}% | ${v.repetitions} | ${fmtCores(v.otherCores)} |`,
    );
  }
  add();

  add("### 4. Keyword leg (D1 FTS5 bm25) vs Orama");
  add();
  add(
    `Same documents, same queries. Ours, over HTTP: \`POST /v1/search\` \`{mode: "keyword", top_k: 8}\` (client wall time: HTTP, auth, routing, FTS5 query building, ` +
      `the D1 query: FTS5 ranks the tenant's matches (\`chunks_fts MATCH 'tenant_id : … AND (…)' ORDER BY bm25 LIMIT 200\`), then the best ${keywordPool} visible ones are joined with chunks and documents; JSON); ours, server: the response's \`keyword_ms\` ` +
      `(query building + the D1 round trip from the worker; whole ms). Orama 3.1.18: \`search(db, {term, limit: ${keywordPool}, properties: ["title", "text"], boost: {title: 2}})\` ` +
      "in-process in Node (pure JS, no I/O, no serialisation), each call right after the HTTP request for the same query (interleaved, so both see the same machine load), " +
      "English stemming on (FTS5 uses porter), `term` = the same distinct non-stopword words our leg ORs together; " +
      "Orama's default matching is by prefix and OR-like (threshold 1). " +
      "Indexing: Orama = `insertMultiple` (batches of 1,000) in-process, tokenising and indexing title and text; D1 = in a fresh D1 with the real schema and the same rows, " +
      "`INSERT INTO chunks_fts(chunks_fts) VALUES('rebuild')`: FTS5 tokenising and indexing every stored row in one statement (loading the rows is not timed: from Node each D1 statement " +
      "pays Miniflare's proxy, a few ms, which would measure the proxy, not SQLite). In the service itself FTS5 indexes incrementally, through a trigger, as chunks are inserted (part of the ingestion figures).",
  );
  add();
  add("| chunks | ours HTTP p50 | p95 | ours keyword_ms p50 | p95 | Orama p50 | p95 | HTTP / Orama (p50) | keyword_ms / Orama (p50) | other CPU |");
  add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const s of r.sizeResults) {
    const orama = r.oramaResults.find((o) => o.documents === s.documents);
    const o = orama?.search;
    add(
      `| ${fmtInt(s.chunks)} | ${formatMs(s.keywordHttp.p50)} ms | ${formatMs(s.keywordHttp.p95)} ms | ${formatMs(s.keywordServer.p50)} ms | ${formatMs(s.keywordServer.p95)} ms | ` +
        (o
          ? `${formatMs(o.p50)} ms | ${formatMs(o.p95)} ms | ${(s.keywordHttp.p50 / o.p50).toFixed(2)}× | ${(s.keywordServer.p50 / o.p50).toFixed(2)}× |`
          : "– | – | – | – |") +
        ` ${fmtCores(s.otherCores.keyword)} |`,
    );
  }
  add();
  add("| documents | Orama insertMultiple | Orama heap (approx.) | D1 FTS5 'rebuild' |");
  add("| ---: | ---: | ---: | ---: |");
  for (const o of r.oramaResults) {
    const fts = r.ftsResults.find((f) => f.rows === o.documents);
    add(
      `| ${fmtInt(o.documents)} | ${o.insertSeconds.toFixed(2)} s | ${o.heapMB.toFixed(0)} MB | ${fts ? `${fts.rebuildSeconds.toFixed(2)} s` : "–"} |`,
    );
  }
  return lines.join("\n");
}

await main();
