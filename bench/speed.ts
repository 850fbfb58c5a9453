/**
 * `npm run bench:speed`: how fast the service is on this machine, in one run,
 * with every figure of issue 9 measured against its reference in the same run.
 *
 * 1. The local vector stand-in's in-process query against a plain scalar
 *    loop over the same matrix (bench/lib/vector-scan-bench.ts).
 * 2. At each corpus size, against the real local server in its own process
 *    (hashing embedder, so embedding costs ~nothing; lib/size-phase.ts):
 *    ingestion throughput and the consumer's remote calls (from its log),
 *    hybrid / vector-only / keyword-only search over HTTP with the server's
 *    stage timings, raw SQLite FTS5 (better-sqlite3) and Orama in-process on
 *    the same rows and queries, and FTS5's 'rebuild' rate over the same rows.
 * 3. The default embedder: throughput, and search latency while a 5,000
 *    document ingest runs (lib/embedder-phase.ts).
 * Then the report (lib/speed-report.ts) and, with --json, the figures in the
 * issue's JSON shape (lib/speed-json.ts).
 *
 * Flags: --sizes 1000,10000,100000  --queries N  --warmup N  --orama-max N
 *        --synthetic (made-up text even when SciFact is there)
 *        --no-wait-quiet (do not wait for other processes to go quiet
 *        before each phase, nor repeat a pass they disturbed)
 *        --json <file>  --embedder-docs N (default 5000)  --embedder-texts N
 *        --skip-embedder  --no-query-cache (every search embeds its query)
 *        --write / --no-write (RESULTS.md; default: write only for the full
 *        default run).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { featureHashingId, featureHashingVector } from "../src/adapters/local/node/models/feature-hashing.js";
import { projectRoot } from "./lib/bench-server.js";
import { collectionExists, loadCollection } from "./lib/collection.js";
import { runEmbedderPhase, type EmbedderPhase } from "./lib/embedder-phase.js";
import { vectorScanFigures } from "./lib/external-figures.js";
import { D1Floor } from "./lib/d1-floor.js";
import { Fts5Reference, loadBetterSqlite } from "./lib/fts5-reference.js";
import { formatMs, summarize, timeRepeated } from "./lib/latency.js";
import { createPhaseRunner } from "./lib/quiet-phase.js";
import { referenceChunks, type ReferenceChunk } from "./lib/reference-chunks.js";
import { writeResultsSection } from "./lib/results-file.js";
import { runSize, type SizeResult } from "./lib/size-phase.js";
import { buildSpeedCorpus, passagesOf, pickQueries, sampledQueries, syntheticPassages, type SpeedDocument } from "./lib/speed-corpus.js";
import { speedJsonInput, type VectorScanResult } from "./lib/speed-figures.js";
import { buildSpeedJson } from "./lib/speed-json.js";
import { embedderTextCount, isDefaultSpeedRun, parseSpeedArgs, speedUsage } from "./lib/speed-options.js";
import { renderSpeedReport } from "./lib/speed-report.js";
import { startSpeedServer } from "./lib/speed-server.js";

const dimensions = 512;
const topK = 8;
/** The keyword leg's SQL LIMIT for top_k 8 (the search service fetches max(2·top_k, 20) per leg). */
const keywordPool = Math.min(100, Math.max(2 * topK, 20));
/** Passage budget in approximate tokens: well under CHUNK_MAX_TOKENS (320), so one document is one chunk. */
const passageTokens = 240;
/** The service's default bm25 weights (src/services/search/keyword-leg.ts). */
const columnWeights = { title: 2, heading: 1.5, text: 1 };
const scifactDir = join(projectRoot, "..", "shared", "bench-data", "scifact");
const resultsFile = join(projectRoot, "bench", "RESULTS.md");

const log = (line = "") => console.log(line);
const note = (line: string) => process.stderr.write(`${line}\n`);
const fmtInt = (n: number) => n.toLocaleString("en-US");
const fmtSize = (n: number) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

/** The speed corpus (one chunk per document) and the queries, from SciFact or synthetic text. */
function corpusAndQueries(options: { synthetic: boolean; maxSize: number; queries: number }) {
  if (!options.synthetic && collectionExists(scifactDir)) {
    const collection = loadCollection(scifactDir);
    const passages = passagesOf(collection.corpus, passageTokens);
    return {
      documents: buildSpeedCorpus(passages, options.maxSize, { maxTokens: passageTokens }),
      queries: pickQueries(
        collection.queries.map((query) => query.text),
        options.queries,
      ),
      corpusNote:
        `SciFact abstracts (${fmtInt(collection.corpus.length)}) cut into ${fmtInt(passages.length)} passages of whole sentences ` +
        `(≤ ${passageTokens} approx. tokens, one chunk each); beyond that, variants (sentences shuffled, one may be dropped, one borrowed from another passage)`,
      queryNote: `${fmtInt(options.queries)} SciFact test claims${options.queries > collection.queries.length ? " (cycled)" : ""}`,
    };
  }
  if (!options.synthetic) log(`Note: ${scifactDir} not found; using synthetic text (Zipf vocabulary) and sampled queries.`);
  const passages = syntheticPassages(Math.min(options.maxSize, 20_000), { maxTokens: passageTokens });
  return {
    documents: buildSpeedCorpus(passages, options.maxSize, { maxTokens: passageTokens }),
    queries: sampledQueries(passages, options.queries),
    corpusNote: `synthetic passages (Zipf vocabulary of 30,000 made-up words, ≤ ${passageTokens} approx. tokens); variants beyond 20,000`,
    queryNote: `${fmtInt(options.queries)} queries sampled from passage sentences (6–12 words)`,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parseSpeedArgs(argv);
  if ("help" in parsed) {
    log(speedUsage);
    return;
  }
  const options = parsed;
  const write = options.write ?? isDefaultSpeedRun(options);
  const command = `npm run bench:speed${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
  const maxSize = options.sizes[options.sizes.length - 1]!;
  const phases = createPhaseRunner({ waitQuiet: options.waitQuiet, note });
  const workDir = mkdtempSync(join(tmpdir(), "edge-rag-speed-"));

  const commit = `${git(["rev-parse", "--short", "HEAD"]) || "unknown"}${git(["status", "--porcelain"]) !== "" ? " (with uncommitted changes)" : ""}`;
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
  const date = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
  log(`edge-rag speed benchmark — ${date}`);
  log(`Machine: ${machine}`);
  log(`Commit: ${commit}`);
  log(`Command: ${command}`);

  const { documents, queries, corpusNote, queryNote } = corpusAndQueries({ synthetic: options.synthetic, maxSize, queries: options.queries });
  log(`Corpus: ${corpusNote}.`);
  log(`Queries: ${queryNote}; ${options.warmup} warm-up requests before each timed pass; requests one at a time.`);
  const startLoad = loadavg()[0]!;
  log(`Load average (1 min) at start: ${startLoad.toFixed(2)} on ${cpus().length} cores.`);
  log(`Embedder: ${featureHashingId} (hashed word unigrams + bigrams; NOT a semantic model: used here so embedding costs ~nothing).`);
  const hashQuery = summarize(await timeRepeated((i) => featureHashingVector(queries[i % queries.length]!), { warmup: 200, repetitions: 2000 }));
  const hashChunk = summarize(
    await timeRepeated((i) => featureHashingVector(`${documents[i % documents.length]!.title}\n${documents[i % documents.length]!.content}`), { warmup: 200, repetitions: 2000 }),
  );
  log(`Hashing cost in-process: ${formatMs(hashQuery.p50 * 1000)} µs per query, ${formatMs(hashChunk.p50 * 1000)} µs per chunk (p50).`);
  log();

  // 1. Vector scan, in-process.
  log(`== Local vector stand-in, in-process: LocalVectorStore index.query vs a plain Float32Array loop (${dimensions}-d cosine, random vectors, topK 10) ==`);
  const vectorScan: VectorScanResult[] = [];
  for (const size of options.sizes) {
    const [outcome, otherCores] = await phases.withContention(() => vectorScanFigures(size, { dimensions, log }), { repeatable: true });
    if (!outcome.ok) log(`${fmtSize(size)} vectors: failed — ${outcome.error}`);
    vectorScan.push({ size, outcome, ...(otherCores === undefined ? {} : { otherCores }) });
  }
  log();

  // 2. Server, size by size.
  log(`== Server over HTTP (Miniflare: worker + D1 + Queues, in its own process), EMBEDDING_MODEL=${featureHashingId}, LOG_LEVEL=info ==`);
  const fts5 = new Fts5Reference(join(projectRoot, "migrations"), columnWeights);
  const sqlite = loadBetterSqlite();
  const betterSqliteVersion = sqlite.ok ? sqlite.version : "unavailable";
  const server = await startSpeedServer({
    dir: workDir,
    name: "server",
    vars: {
      EMBEDDING_MODEL: featureHashingId,
      LOG_LEVEL: "info",
      // The benchmark submits up to 90,000 documents at once: no back-pressure (INGEST_MAX_BACKLOG).
      INGEST_MAX_BACKLOG: "0",
      QUERY_EMBEDDING_CACHE_SIZE: options.queryCache ? String(Math.min(5_000, Math.max(500, queries.length))) : "0",
    },
  });
  log(`   server output: ${server.logFile} (deleted at the end unless a phase fails)`);

  const sizes: SizeResult[] = [];
  let failed = false;
  let floor: D1Floor | undefined;
  try {
    // The bare steps beside the service (bench/lib/d1-floor.ts): what this runtime allows at best.
    floor = await D1Floor.start(join(projectRoot, "migrations"), join(projectRoot, "wrangler.toml"));
    let indexed = 0;
    const allChunks: ReferenceChunk[] = [];
    for (const size of options.sizes) {
      log(`-- ${fmtSize(size)}: ingesting documents ${fmtInt(indexed + 1)}..${fmtInt(size)}`);
      const newDocuments: SpeedDocument[] = documents.slice(indexed, size);
      const newChunks = referenceChunks(newDocuments);
      allChunks.push(...newChunks);
      sizes.push(
        await runSize(
          {
            server,
            phases,
            queries,
            warmup: options.warmup,
            topK,
            keywordPool,
            columnWeights,
            oramaMax: options.oramaMax,
            primeQueryEmbeddings: options.queryCache,
            fts5,
            floor,
            log,
            note,
          },
          size,
          { newDocuments, newChunks, allDocuments: documents.slice(0, size), allChunks },
        ),
      );
      indexed = size;
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    try {
      await server.stop();
    } finally {
      await floor?.close();
    }
    if (failed) log(`(server output kept: ${server.logFile})`);
  }
  const sqliteVersion = fts5.sqliteVersion;
  fts5.close();
  log();

  // 3. Default embedder.
  let embedder: EmbedderPhase | undefined;
  if (options.skipEmbedder) log("== Default embedder: skipped (--skip-embedder) ==");
  else {
    log(`== Default embedder: throughput in-process, then search latency while ${fmtInt(options.embedderDocs)} documents are ingested (own server, default EMBEDDING_MODEL) ==`);
    embedder = await runEmbedderPhase({ docs: options.embedderDocs, texts: embedderTextCount(options), scifactDir, dir: workDir, topK, phases, log, note });
    if (embedder.search.ok) {
      const s = embedder.search.value;
      log(
        `search during ingest: n ${s.during.n}, p50 ${formatMs(s.during.p50)} ms, p95 ${formatMs(s.during.p95)} ms (${s.errors.during} failed) | ` +
          `idle afterwards: n ${s.idle.n}, p50 ${formatMs(s.idle.p50)} ms, p95 ${formatMs(s.idle.p95)} ms (${s.errors.idle} failed)`,
      );
    } else log(`search during ingest: failed — ${embedder.search.error}${embedder.logFile ? ` (server output: ${embedder.logFile})` : ""}`);
  }
  log();

  // Report.
  const run = { sizes, vectorScan, embedder };
  const report = renderSpeedReport(run, {
    command,
    date,
    machine,
    commit,
    startLoad,
    waitQuiet: options.waitQuiet,
    corpusNote,
    queryNote,
    warmup: options.warmup,
    topK,
    keywordPool,
    hashingModel: featureHashingId,
    hashQueryP50Ms: hashQuery.p50,
    hashChunkP50Ms: hashChunk.p50,
    primeQueryEmbeddings: options.queryCache,
    sqliteVersion,
    betterSqliteVersion,
    dimensions,
  });
  log(report);
  const json = buildSpeedJson(speedJsonInput(run));
  log();
  log("JSON figures (issue 9 shape):");
  log(JSON.stringify(json));
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
    log(`Wrote ${options.json}.`);
  }
  if (write) {
    writeResultsSection(resultsFile, "Speed", report);
    log(`\nWrote the "## Speed" section of ${resultsFile}.`);
  } else {
    log(`\nNot written to bench/RESULTS.md (only the full default run writes; pass --write to force).`);
  }
  const embedderFailed = embedder && (!embedder.search.ok || !embedder.throughput.ok);
  if (!embedderFailed) rmSync(workDir, { recursive: true, force: true });
  else log(`(server logs kept in ${workDir})`);
}

await main();
