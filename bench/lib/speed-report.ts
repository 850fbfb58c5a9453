/**
 * The speed benchmark's report as Markdown (printed, and the "## Speed"
 * section of bench/RESULTS.md with --write): every figure with what exactly
 * it times. Pure.
 */
import { allBatches, runCallsPer1000, sizeFigures, type SpeedRun } from "./speed-figures.js";
import { floorMs, ratio } from "./speed-json.js";
import { formatMs, type LatencySummary } from "./latency.js";
import { busyCores, quietCores, quietWaitSeconds } from "./quiet-phase.js";

export interface ReportContext {
  command: string;
  date: string;
  machine: string;
  commit: string;
  startLoad: number;
  waitQuiet: boolean;
  corpusNote: string;
  queryNote: string;
  warmup: number;
  topK: number;
  keywordPool: number;
  hashingModel: string;
  hashQueryP50Ms: number;
  hashChunkP50Ms: number;
  primeQueryEmbeddings: boolean;
  sqliteVersion: string;
  betterSqliteVersion: string;
  dimensions: number;
}

const fmtInt = (n: number) => n.toLocaleString("en-US");
const fmtSize = (n: number) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));
const fmtCores = (cores: number | undefined) => (cores === undefined ? "–" : cores.toFixed(2));
const fmtRatio = (r: number | null, digits = 2) => (r === null || !Number.isFinite(r) ? "n/a" : `${r.toFixed(digits)}×`);
const fmtMsOrNa = (value: number | null) => (value === null ? "n/a" : `${formatMs(value)} ms`);
const p50p95 = (s: LatencySummary) => `${formatMs(s.p50)} ms | ${formatMs(s.p95)} ms`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function renderSpeedReport(run: SpeedRun, r: ReportContext): string {
  const lines: string[] = [];
  const add = (line = "") => lines.push(line);
  const figures = run.sizes.map((result) => sizeFigures(result, run.vectorScan.find((scan) => scan.size === result.size)));
  const calls = runCallsPer1000(run);
  const batches = allBatches(run);

  add(`Command: \`${r.command}\` — ${r.date}, commit ${r.commit}.`);
  add(
    `Machine: ${r.machine}; 1-minute load average ${r.startLoad.toFixed(2)} at the start. The "other CPU" columns give the cores that other processes ` +
      "kept busy during each phase (machine busy time minus this benchmark's process tree, servers included, from /proc): near 0 means the figures had the machine to themselves. " +
      (r.waitQuiet
        ? `Each phase waited (up to ${quietWaitSeconds} s) for other processes to use under ${quietCores} cores; a search pass they disturbed by more than ${busyCores} cores ran once more and the quieter pass is reported.`
        : "This run did not wait for a quiet machine (--no-wait-quiet)."),
  );
  add();
  add(`Corpus: ${r.corpusNote}. Queries: ${r.queryNote}; ${r.warmup} warm-up requests before every timed pass; one request at a time; p50/p95 over every query.`);
  add(
    `Server: the worker on Miniflare (real D1 and Queues) in a child process of its own (bench/load-server.ts), the vector stand-in and embedder in that process's Node half; ` +
      "LOG_LEVEL=info, so the consumer's `queue.batch` lines can be read (one log line per request as well). " +
      `Embedder: \`${r.hashingModel}\` (feature hashing; not a semantic model), so embedding costs ${formatMs(r.hashQueryP50Ms * 1000)} µs per query and ${formatMs(r.hashChunkP50Ms * 1000)} µs per chunk in-process (p50). ` +
      (r.primeQueryEmbeddings
        ? "Query embeddings: every query was searched once (mode vector) before the timed passes, so the per-isolate query-embedding LRU serves them and HTTP figures exclude embedding (`embed` p50 shows what is left)."
        : "Query embeddings: cache off (QUERY_EMBEDDING_CACHE_SIZE=0, --no-query-cache): every search embeds its query, a service-binding round trip to the Node half."),
  );
  add();

  add("### Summary (issue 9 figures)");
  add();
  add(
    "`chunks/s`: ingestion throughput of the step (below). `vs FTS5 rebuild`: that rate ÷ the rows/s of FTS5's `'rebuild'` over the same rows in a fresh D1 (higher is better). " +
      "`hybrid HTTP p50`: client wall time of `POST /v1/search` hybrid. `floor`: raw SQLite FTS5 query p50 (in-process, same rows/MATCH/SQL) + plain-loop cosine scan p50 (in-process, same size, " +
      `${r.dimensions}-d); \`vs floor\` = HTTP p50 ÷ floor (lower is better). \`keyword ÷ FTS5\`: the server's \`keyword_ms\` p50 (keyword-only pass) ÷ raw FTS5 p50 (lower is better). ` +
      "`vector speedup`/`recall@10`: the local vector stand-in's in-process `index.query` vs the plain loop (section 3).",
  );
  add();
  add(
    "`bare steps`: the same two ratios for the steps no implementation of this design can skip, alone on the same runtime in the same run (bench/lib/d1-floor.ts; sections 2 and 4): " +
      "what the service could reach here at best.",
  );
  add();
  add("| chunks | chunks/s | vs FTS5 rebuild | bare steps vs FTS5 rebuild | hybrid HTTP p50 | floor | vs floor | keyword ÷ FTS5 | bare D1 call ÷ FTS5 | vector speedup | recall@10 |");
  add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const f of figures) {
    add(
      `| ${fmtInt(f.size)} | ${f.ingestChunksPerS.toFixed(0)} | ${fmtRatio(ratio(f.ingestChunksPerS, f.fts5RebuildRowsPerS), 4)} | ${fmtRatio(ratio(f.floorIngestChunksPerS, f.fts5RebuildRowsPerS), 4)} | ` +
        `${formatMs(f.hybridHttpP50)} ms | ${fmtMsOrNa(floorMs(f))} | ${fmtRatio(ratio(f.hybridHttpP50, floorMs(f)))} | ${fmtRatio(ratio(f.keywordOnlyP50, f.fts5QueryP50))} | ` +
        `${fmtRatio(ratio(f.bareKeywordP50, f.bareKeywordFts5P50))} | ${fmtRatio(f.vectorSpeedup)} | ${f.vectorRecallAt10 === null ? "n/a" : f.vectorRecallAt10.toFixed(4)} |`,
    );
  }
  add();
  add(
    calls
      ? `Remote binding calls per 1,000 chunks (summed from the consumer's \`queue.batch\` log lines over every ingest step, ${fmtInt(batches.batches)} batches): ` +
          `AI.run ${calls.ai.toFixed(2)}, Vectorize ${calls.vectorize.toFixed(2)}, D1 round trips ${calls.d1.toFixed(2)}.`
      : `Remote binding calls per 1,000 chunks: n/a (${batches.batches === 0 ? "no `queue.batch` lines were read" : `${batches.batchesWithCalls} of ${fmtInt(batches.batches)} \`queue.batch\` lines carry a \`calls\` field`}).`,
  );
  add();

  add("### 1. Hybrid search latency over HTTP");
  add();
  add(
    "`POST /v1/search` `{mode: \"hybrid\", top_k: " + r.topK + "}`. HTTP = client wall time from sending the request to the parsed JSON response, keep-alive connection, in the benchmark process. " +
      "Server stages are the response's `timings` (whole milliseconds: workerd's clock advances only across I/O): `embed` = the query embedding; " +
      "`vector` = the vector-index query through the service binding (worker → Node half → worker); `keyword` = the keyword leg (FTS5 query building + the D1 round trip), started once the embedding is in; " +
      "`hydrate` = the one D1 round trip that turns vector matches into visible chunks; `total` = the whole search in the worker.",
  );
  add();
  add("| chunks | HTTP p50 | HTTP p95 | server total p50 | total p95 | embed p50 | vector p50 | keyword p50 | hydrate p50 | fuse p50 | other CPU |");
  add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const s of run.sizes) {
    const st = s.hybrid.stages;
    add(
      `| ${fmtInt(s.chunks)} | ${formatMs(s.hybrid.http.p50)} ms | ${formatMs(s.hybrid.http.p95)} ms | ${formatMs(st.total_ms.p50)} ms | ${formatMs(st.total_ms.p95)} ms | ` +
        `${formatMs(st.embed_ms.p50)} ms | ${formatMs(st.vector_ms.p50)} ms | ${formatMs(st.keyword_ms.p50)} ms | ${formatMs(st.hydrate_ms.p50)} ms | ${formatMs(st.fuse_ms.p50)} ms | ${fmtCores(s.otherCores.hybrid)} |`,
    );
  }
  add();
  add(
    "Do the legs overlap? Each leg alone, same queries, server `total` p50: `mode: \"keyword\"` and `mode: \"vector\"` (which includes hydrating its matches). " +
      "Overlapping legs put hybrid's total near the slower of the two; legs that run one after the other put it near their sum.",
  );
  add();
  add("| chunks | keyword-only total p50 | vector-only total p50 | slower leg | sum of legs | hybrid total p50 | hybrid ÷ slower leg | hybrid ÷ sum |");
  add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const s of run.sizes) {
    const keyword = s.keywordOnly.stages.total_ms.p50;
    const vector = s.vectorOnly.stages.total_ms.p50;
    const hybrid = s.hybrid.stages.total_ms.p50;
    add(
      `| ${fmtInt(s.chunks)} | ${formatMs(keyword)} ms | ${formatMs(vector)} ms | ${formatMs(Math.max(keyword, vector))} ms | ${formatMs(keyword + vector)} ms | ${formatMs(hybrid)} ms | ` +
        `${fmtRatio(ratio(hybrid, Math.max(keyword, vector)))} | ${fmtRatio(ratio(hybrid, keyword + vector))} |`,
    );
  }
  add();
  add(
    "The same question at the client's clock (sub-millisecond, unlike workerd's whole milliseconds): HTTP p50 of each mode over the same keep-alive connection. " +
      "Every mode pays the same HTTP and routing cost, so this ratio understates the server-side one a little; both are shown.",
  );
  add();
  add("| chunks | keyword-only HTTP p50 | vector-only HTTP p50 | hybrid HTTP p50 | hybrid ÷ slower leg (HTTP) |");
  add("| ---: | ---: | ---: | ---: | ---: |");
  for (const s of run.sizes) {
    const keyword = s.keywordOnly.http.p50;
    const vector = s.vectorOnly.http.p50;
    add(
      `| ${fmtInt(s.chunks)} | ${formatMs(keyword)} ms | ${formatMs(vector)} ms | ${formatMs(s.hybrid.http.p50)} ms | ${fmtRatio(ratio(s.hybrid.http.p50, Math.max(keyword, vector)))} |`,
    );
  }
  add();
  add(
    "Against the floor: the raw work of the same queries at the same size, measured in this run — raw SQLite FTS5 (section 4's reference) plus the plain-loop cosine scan over a " +
      `${r.dimensions}-d Float32Array of the same number of rows (section 3's yardstick; the random matrix there, as scan time does not depend on the values).`,
  );
  add();
  add("| chunks | hybrid HTTP p50 | raw FTS5 p50 | plain-loop scan p50 | floor | HTTP ÷ floor |");
  add("| ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const f of figures) {
    add(
      `| ${fmtInt(f.size)} | ${formatMs(f.hybridHttpP50)} ms | ${fmtMsOrNa(f.fts5QueryP50)} | ${fmtMsOrNa(f.plainLoopP50)} | ${fmtMsOrNa(floorMs(f))} | ${fmtRatio(ratio(f.hybridHttpP50, floorMs(f)))} |`,
    );
  }
  add();

  add("### 2. Ingestion throughput (embedding excluded)");
  add();
  add(
    "From the first `POST /v1/documents/batch` (100 documents each, sent one after another) until `GET /v1/index/stats` counts every new document ready: " +
      "API → D1 → Queue → consumer → parse → chunk → hash-embed → vector upserts → D1 chunks + FTS5 → activation. The index grows step by step; each row adds documents to the previous ones. " +
      "FTS5 rebuild: the same rows (all chunks up to the step's size) loaded into a fresh D1 with the real schema, then `INSERT INTO chunks_fts(chunks_fts) VALUES('rebuild')` timed alone " +
      "(loading is not timed: from Node each D1 statement pays Miniflare's proxy). Calls: the consumer's remote binding calls of the step (AI.run; Vectorize upsert/insert/delete/query/getByIds; " +
      "D1 statements and db.batch() calls, one round trip each), summed from its `queue.batch` log lines, per 1,000 chunks. " +
      "Bare steps: the same documents, posted the same way, through only what no implementation of this design can skip, on the same runtime with the same schema (bench/lib/d1-floor.ts): " +
      "per POST one D1 statement storing the documents and one `sendBatch`; per queue batch one statement returning their content and one `db.batch` writing their chunk rows (FTS5 trigger) and marking them ready — " +
      "no auth, validation, hashing, parsing, chunking, embedding, vectors, version bookkeeping or logging. Its rate bounds the service's from above.",
  );
  add();
  add("| step | new docs | new chunks | seconds | chunks/s | FTS5 rebuild rows/s | ÷ rebuild | bare steps chunks/s | bare ÷ rebuild | queue batches | AI / 1k chunks | Vectorize / 1k | D1 / 1k | other CPU |");
  add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  let previous = 0;
  for (const [index, s] of run.sizes.entries()) {
    const i = s.ingest;
    const f = figures[index]!;
    const perK = s.batches.calls && i.chunks > 0 ? { ai: (s.batches.calls.ai * 1000) / i.chunks, vectorize: (s.batches.calls.vectorize * 1000) / i.chunks, d1: (s.batches.calls.d1 * 1000) / i.chunks } : null;
    add(
      `| ${fmtSize(previous)} → ${fmtSize(s.size)} | ${fmtInt(i.documents)} | ${fmtInt(i.chunks)} | ${i.totalSeconds.toFixed(1)} | ${f.ingestChunksPerS.toFixed(0)} | ` +
        `${f.fts5RebuildRowsPerS === null ? "n/a" : fmtInt(Math.round(f.fts5RebuildRowsPerS))} | ${fmtRatio(ratio(f.ingestChunksPerS, f.fts5RebuildRowsPerS), 4)} | ` +
        `${f.floorIngestChunksPerS === null ? "n/a" : f.floorIngestChunksPerS.toFixed(0)} | ${fmtRatio(ratio(f.floorIngestChunksPerS, f.fts5RebuildRowsPerS), 4)} | ${fmtInt(s.batches.batches)} | ` +
        `${perK ? perK.ai.toFixed(2) : "n/a"} | ${perK ? perK.vectorize.toFixed(2) : "n/a"} | ${perK ? perK.d1.toFixed(2) : "n/a"} | ${fmtCores(s.otherCores.ingest)} |`,
    );
    previous = s.size;
  }
  add();

  add("### 3. Local vector stand-in vs a plain loop");
  add();
  add(
    "In-process (bench/lib/vector-scan-bench.ts): a `LocalVectorStore` index (512-d random vectors, cosine, one namespace) queried with `index.query(q, {topK: 10, namespace})` in this process — no HTTP, " +
      "no service binding — against `bench/lib/plain-cosine-scan.ts` (a scalar dot-product loop with precomputed inverse norms) over the identical matrix, alternating; " +
      "`speedup` = plain p50 ÷ ours p50; `recall@10` against the exact float32 top 10; memory per 100k vectors from the index's typed arrays (before = float32 rows only, after = with the int8 copy and its factors). " +
      "Service path: the server's `vector_ms` p50 in the vector-only pass — the index query as the service runs it, through the service binding (worker → Node half → worker) on the indexed corpus (top_k " +
      `${Math.min(100, Math.max(2 * r.topK, 20))} pool), plus that pass's HTTP p50.`,
  );
  add();
  add("| vectors | in-process index.query p50 | plain loop p50 | speedup | recall@10 | memory / 100k before → after | service `vector_ms` p50 (via binding) | vector-only HTTP p50 | other CPU |");
  add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const scan of run.vectorScan) {
    const served = run.sizes.find((s) => s.size === scan.size);
    const service = served ? `${formatMs(served.vectorOnly.stages.vector_ms.p50)} ms | ${formatMs(served.vectorOnly.http.p50)} ms` : "– | –";
    if (scan.outcome.ok) {
      const v = scan.outcome.value;
      add(
        `| ${fmtInt(scan.size)} | ${formatMs(v.ours_p50_ms)} ms | ${formatMs(v.plain_p50_ms)} ms | ${v.speedup.toFixed(2)}× | ${v.recall_at_10.toFixed(4)} | ` +
          `${mb(v.memory_bytes_per_100k_before)} → ${mb(v.memory_bytes_per_100k_after)} | ${service} | ${fmtCores(scan.otherCores)} |`,
      );
    } else add(`| ${fmtInt(scan.size)} | failed: ${scan.outcome.error.replaceAll("|", "/")} | | | | | ${service} | ${fmtCores(scan.otherCores)} |`);
  }
  add();

  add("### 4. Keyword leg vs raw SQLite FTS5 (and Orama)");
  add();
  add(
    `Same rows, same queries. Ours: the keyword-only pass (\`mode: "keyword"\`, top_k ${r.topK}); \`keyword_ms\` = the server's keyword leg (FTS5 query building + the D1 round trip from the worker; whole ms), ` +
      `HTTP = client wall time. Raw FTS5: better-sqlite3 ${r.betterSqliteVersion} (SQLite ${r.sqliteVersion}, native, in-memory, in this process) with the migrations' schema and the same chunk rows (the project's parser and chunker), ` +
      `the same MATCH expression (\`buildFtsQuery\` + \`tenantScopedFtsMatch\`), bm25 weights (0, title 2, heading 1.5, text 1) and two-step SQL as the D1 store (ranked CTE LIMIT max(200, 10 × ${r.keywordPool}), ` +
      `then the join with chunks and documents, LIMIT ${r.keywordPool}), run right after each HTTP request for the same query. ` +
      `Orama 3.1.18 (pure JS, in-process): \`search(db, {term, limit: ${r.keywordPool}, properties: ["title", "text"], boost: {title: 2}})\`, stemming on, term = the same distinct content words.`,
  );
  add();
  add("| chunks | ours HTTP p50 | ours keyword_ms p50 | p95 | raw FTS5 p50 | p95 | keyword_ms ÷ FTS5 (p50) | Orama p50 | keyword_ms ÷ Orama | other CPU |");
  add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const s of run.sizes) {
    const k = s.keywordOnly.stages.keyword_ms;
    add(
      `| ${fmtInt(s.chunks)} | ${formatMs(s.keywordOnly.http.p50)} ms | ${p50p95(k)} | ${p50p95(s.fts5)} | ${fmtRatio(ratio(k.p50, s.fts5.p50))} | ` +
        `${s.orama ? `${formatMs(s.orama.search.p50)} ms | ${fmtRatio(ratio(k.p50, s.orama.search.p50))}` : "– | –"} | ${fmtCores(s.otherCores.keyword)} |`,
    );
  }
  add();
  if (run.sizes.some((s) => s.floor)) {
    add(
      "The bare D1 call: the same SQL with the same parameters as one D1 call from a minimal worker on the same runtime, over the same documents ingested through the bare steps (section 2), " +
        "timed in the worker like `keyword_ms` (whole ms; again without the candidate LIMIT when it left too few rows, as the store does), with raw FTS5 run right after each call on the same query. " +
        "A keyword leg that runs this SQL through D1 from a worker cannot take less than that call.",
    );
    add();
    add("| chunks | bare D1 call p50 | mean | raw FTS5 p50 (same pass) | mean | bare D1 call ÷ FTS5 (p50) | means | other CPU |");
    add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const s of run.sizes) {
      if (!s.floor) continue;
      const { keyword, keywordFts5 } = s.floor;
      add(
        `| ${fmtInt(s.chunks)} | ${formatMs(keyword.p50)} ms | ${formatMs(keyword.mean)} ms | ${formatMs(keywordFts5.p50)} ms | ${formatMs(keywordFts5.mean)} ms | ` +
          `${fmtRatio(ratio(keyword.p50, keywordFts5.p50))} | ${fmtRatio(ratio(keyword.mean, keywordFts5.mean))} | ${fmtCores(s.floor.otherCores.keyword)} |`,
      );
    }
    add();
  }
  add(
    "`keyword_ms` is whole milliseconds (workerd's clock), so at small sizes its p50 is coarse; means for comparison: " +
      run.sizes.map((s) => `${fmtSize(s.size)}: keyword_ms ${formatMs(s.keywordOnly.stages.keyword_ms.mean)} ms vs raw FTS5 ${formatMs(s.fts5.mean)} ms`).join("; ") +
      ".",
  );
  add();
  if (run.sizes.some((s) => s.orama)) {
    add("| documents | Orama insertMultiple | Orama heap (approx.) |");
    add("| ---: | ---: | ---: |");
    for (const s of run.sizes) if (s.orama) add(`| ${fmtInt(s.size)} | ${s.orama.insertSeconds.toFixed(2)} s | ${s.orama.heapMB.toFixed(0)} MB |`);
    add();
  }

  add("### 5. Default embedder");
  add();
  const e = run.embedder;
  if (!e) add("Skipped (--skip-embedder).");
  else {
    if (e.throughput.ok) {
      const t = e.throughput.value;
      add(
        `Throughput (bench/lib/embedder-speed.ts, in this process, ${t.texts ?? "?"} texts from ${e.corpus.split(":")[0]}): \`${t.model}\` ${t.texts_per_s.toFixed(1)} texts/s` +
          (t.runtime ? ` (${t.runtime})` : "") +
          `; before: ${t.pure_js_texts_per_s.toFixed(1)} texts/s${t.baseline ? ` (${t.baseline})` : ""}; speedup ${t.speedup_vs_pure_js.toFixed(2)}×; other CPU ${fmtCores(e.throughputOtherCores)}.`,
      );
    } else add(`Throughput: failed — ${e.throughput.error}.`);
    add();
    if (e.search.ok) {
      const s = e.search.value;
      add(
        `Search while ingesting: a fresh server with the default embedder (no EMBEDDING_MODEL override) and the query-embedding cache off (every search embeds its query) ingests ${fmtInt(s.ingest.documents)} documents ` +
          `(${e.corpus}) → ${fmtInt(s.ingest.chunks)} chunks in ${s.ingest.totalSeconds.toFixed(1)} s (${(s.ingest.chunks / s.ingest.totalSeconds).toFixed(1)} chunks/s, ${(s.ingest.documents / s.ingest.totalSeconds).toFixed(1)} docs/s) ` +
          `while hybrid searches (top_k ${r.topK}) are sent one at a time; then the same searches in the same order on the idle server. HTTP wall time per search.`,
      );
      add();
      add("| searches | n | p50 | p95 | max | failed | other CPU |");
      add("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
      add(`| during the ingest | ${s.during.n} | ${formatMs(s.during.p50)} ms | ${formatMs(s.during.p95)} ms | ${formatMs(s.during.max)} ms | ${s.errors.during} | ${fmtCores(s.otherCores.ingest)} |`);
      add(`| idle, afterwards | ${s.idle.n} | ${formatMs(s.idle.p50)} ms | ${formatMs(s.idle.p95)} ms | ${formatMs(s.idle.max)} ms | ${s.errors.idle} | ${fmtCores(s.otherCores.idle)} |`);
    } else add(`Search while ingesting: failed — ${e.search.error}.`);
  }
  return lines.join("\n");
}
