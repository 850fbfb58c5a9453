/**
 * One corpus size of the speed benchmark against the hashing-embedder
 * server: grow the index to `size` (timed ingest, with the consumer's remote
 * calls read from its log), then time search passes — hybrid, vector only,
 * keyword only — with raw SQLite FTS5 (and Orama, up to `oramaMax`) run
 * in-process after each keyword request on the same query, and finally time
 * FTS5's 'rebuild' over the same rows in a fresh D1 (the raw indexing rate
 * the ingest is compared with). With a D1 floor (d1-floor.ts), the same
 * documents also go through the bare steps, and the keyword SQL runs as bare
 * D1 calls beside raw FTS5: what this runtime allows at best.
 */
import { join } from "node:path";
import type { BatchLogSummary } from "./batch-calls.js";
import { projectRoot } from "./bench-server.js";
import { countedIngest } from "./counted-ingest.js";
import type { D1Floor, FloorIngest } from "./d1-floor.js";
import { referenceMatch, type Fts5Reference } from "./fts5-reference.js";
import { timeFtsIndexing, type FtsIndexTiming } from "./fts-index-timing.js";
import { formatMs, summarize, type LatencySummary } from "./latency.js";
import { buildOrama } from "./orama-reference.js";
import type { PhaseRunner } from "./quiet-phase.js";
import type { ReferenceChunk } from "./reference-chunks.js";
import { searchPass, stageSummary, type Reference, type SearchPass, type ServerTimings } from "./search-pass.js";
import type { SpeedServer } from "./speed-server.js";
import type { SpeedDocument } from "./speed-corpus.js";
import type { TimedIngest } from "./timed-ingest.js";

export type StageSummaries = Record<keyof ServerTimings, LatencySummary>;

export interface SizeResult {
  size: number;
  /** Searchable chunks after the step (from /v1/index/stats). */
  chunks: number;
  ingest: TimedIngest;
  batches: BatchLogSummary;
  hybrid: { http: LatencySummary; stages: StageSummaries; empty: number };
  vectorOnly: { http: LatencySummary; stages: StageSummaries; empty: number };
  keywordOnly: { http: LatencySummary; stages: StageSummaries; empty: number };
  /** Raw FTS5 in-process, after each keyword-only request. */
  fts5: LatencySummary;
  orama?: { insertSeconds: number; heapMB: number; search: LatencySummary };
  rebuild?: FtsIndexTiming;
  /** The bare steps (d1-floor.ts): the same documents' ingest, and the keyword SQL as bare D1 calls with raw FTS5 timed right after each. */
  floor?: { ingest: FloorIngest; keyword: LatencySummary; keywordFts5: LatencySummary; otherCores: { ingest?: number; keyword?: number } };
  otherCores: { ingest?: number; hybrid?: number; vector?: number; keyword?: number };
}

export interface SizeContext {
  server: SpeedServer;
  phases: PhaseRunner;
  queries: readonly string[];
  warmup: number;
  topK: number;
  /** The keyword leg's pool for top_k (its SQL LIMIT). */
  keywordPool: number;
  columnWeights: { title: number; heading: number; text: number };
  oramaMax: number;
  /** Embed every query once before the timed passes (the server's query-embedding LRU then serves them). */
  primeQueryEmbeddings: boolean;
  fts5: Fts5Reference;
  /** The bare-steps floor (absent: not measured). */
  floor?: D1Floor;
  log: (line: string) => void;
  note: (line: string) => void;
}

const stagesOf = (pass: SearchPass): StageSummaries => ({
  embed_ms: stageSummary(pass, "embed_ms"),
  vector_ms: stageSummary(pass, "vector_ms"),
  keyword_ms: stageSummary(pass, "keyword_ms"),
  hydrate_ms: stageSummary(pass, "hydrate_ms"),
  fuse_ms: stageSummary(pass, "fuse_ms"),
  total_ms: stageSummary(pass, "total_ms"),
});
const fmtInt = (n: number) => n.toLocaleString("en-US");
const fmtCores = (cores: number | undefined) => (cores === undefined ? "–" : cores.toFixed(2));
const ms = (s: LatencySummary) => `p50 ${formatMs(s.p50)} ms, p95 ${formatMs(s.p95)} ms`;

/**
 * Grows the index with `newDocuments` (whose chunk rows are `newChunks`;
 * `allDocuments`/`allChunks` are everything up to `size`) and measures.
 */
export async function runSize(
  ctx: SizeContext,
  size: number,
  step: { newDocuments: readonly SpeedDocument[]; newChunks: readonly ReferenceChunk[]; allDocuments: readonly SpeedDocument[]; allChunks: readonly ReferenceChunk[] },
): Promise<SizeResult> {
  const { server, phases, log, note } = ctx;

  const [{ ingest, batches }, ingestOther] = await phases.withContention(() => countedIngest(server, step.newDocuments, { onProgress: note }));
  const { documents: docStats, chunks } = ingest.stats;
  log(
    `   ingested ${fmtInt(ingest.documents)} docs → ${fmtInt(ingest.chunks)} chunks in ${ingest.totalSeconds.toFixed(1)} s ` +
      `(submitting took ${ingest.submitSeconds.toFixed(1)} s): ${(ingest.chunks / ingest.totalSeconds).toFixed(0)} chunks/s; failed ${ingest.failed}; ` +
      `${batches.batches} queue batches logged` +
      (batches.calls ? ` (calls: AI ${batches.calls.ai}, Vectorize ${batches.calls.vectorize}, D1 ${batches.calls.d1})` : batches.batches > 0 ? " (no call counts in them: n/a)" : "") +
      `; other processes ${fmtCores(ingestOther)} cores`,
  );
  if (docStats.ready !== size) log(`   WARNING: /v1/index/stats says ${fmtInt(docStats.ready)} ready documents, expected ${fmtInt(size)}`);
  if (batches.finished < ingest.documents) log(`   WARNING: the log's queue.batch lines account for ${batches.finished} of ${ingest.documents} documents`);

  // The reference grows with the same rows (not timed).
  const contentOf = new Map(step.newDocuments.map((doc) => [doc.id, doc.content]));
  ctx.fts5.addChunks(step.newChunks, (id) => contentOf.get(id) ?? "");
  if (ctx.fts5.rows !== chunks) log(`   WARNING: the raw FTS5 reference holds ${fmtInt(ctx.fts5.rows)} chunk rows, the server ${fmtInt(chunks)}`);

  if (ctx.primeQueryEmbeddings) {
    for (const query of ctx.queries) await server.api.request("POST", "/v1/search", { query, mode: "vector", top_k: ctx.topK });
  }
  const pass = (mode: "hybrid" | "vector" | "keyword", references?: Record<string, Reference>) =>
    phases.withContention(() => searchPass(server.api, ctx.queries, mode, { warmup: ctx.warmup, topK: ctx.topK, references }), { repeatable: true });

  const [hybrid, hybridOther] = await pass("hybrid");
  const hybridStages = stagesOf(hybrid);
  log(
    `   hybrid  HTTP ${ms(hybrid.http)} | server p50: total ${formatMs(hybridStages.total_ms.p50)}, embed ${formatMs(hybridStages.embed_ms.p50)}, ` +
      `vector ${formatMs(hybridStages.vector_ms.p50)}, keyword ${formatMs(hybridStages.keyword_ms.p50)}, hydrate ${formatMs(hybridStages.hydrate_ms.p50)}, ` +
      `fuse ${formatMs(hybridStages.fuse_ms.p50)} ms${hybrid.empty > 0 ? ` | ${hybrid.empty} empty results` : ""} | other processes ${fmtCores(hybridOther)} cores`,
  );
  const [vector, vectorOther] = await pass("vector");
  const vectorStages = stagesOf(vector);
  log(
    `   vector  HTTP ${ms(vector.http)} | server p50: total ${formatMs(vectorStages.total_ms.p50)}, embed ${formatMs(vectorStages.embed_ms.p50)}, ` +
      `vector (index query via the service binding) ${formatMs(vectorStages.vector_ms.p50)}, hydrate ${formatMs(vectorStages.hydrate_ms.p50)} ms | other processes ${fmtCores(vectorOther)} cores`,
  );

  // Orama is built only now and dropped after the keyword pass (its heap is large at 100k).
  const references: Record<string, Reference> = { fts5: (query) => ctx.fts5.search(query, ctx.keywordPool).length };
  let oramaBuild: { insertSeconds: number; heapMB: number } | undefined;
  if (size <= ctx.oramaMax) {
    const [built, buildOther] = await phases.withContention(() => buildOrama(step.allDocuments, { limit: ctx.keywordPool, titleBoost: ctx.columnWeights.title }));
    oramaBuild = { insertSeconds: built.insertSeconds, heapMB: built.heapMB };
    references.orama = (query) => built.search(query);
    log(`   Orama insertMultiple of ${fmtInt(size)} documents: ${built.insertSeconds.toFixed(2)} s (~${built.heapMB.toFixed(0)} MB heap) | other processes ${fmtCores(buildOther)} cores`);
  }
  const [keyword, keywordOther] = await pass("keyword", references);
  delete references.orama;
  const keywordStages = stagesOf(keyword);
  const fts5 = keyword.references.fts5!;
  log(
    `   keyword HTTP ${ms(keyword.http)} | server keyword_ms ${ms(keywordStages.keyword_ms)}${keyword.empty > 0 ? ` | ${keyword.empty} empty results` : ""} | ` +
      `raw FTS5 in-process ${ms(fts5)}` +
      (keyword.references.orama ? ` | Orama in-process ${ms(keyword.references.orama)}` : "") +
      ` | other processes ${fmtCores(keywordOther)} cores`,
  );

  let floor: SizeResult["floor"];
  if (ctx.floor) {
    const d1Floor = ctx.floor;
    const [floorIngest, floorIngestOther] = await phases.withContention(() => d1Floor.ingest(step.newDocuments));
    log(
      `   bare steps (d1-floor.ts): ${fmtInt(floorIngest.documents)} docs in ${floorIngest.seconds.toFixed(1)} s: ${(floorIngest.documents / floorIngest.seconds).toFixed(0)} chunks/s` +
        ` | other processes ${fmtCores(floorIngestOther)} cores`,
    );
    const options = { weights: ctx.columnWeights, candidates: Math.max(200, ctx.keywordPool * 10), limit: ctx.keywordPool };
    const [bare, bareOther] = await phases.withContention(
      async () => {
        const bareMs: number[] = [];
        const rawMs: number[] = [];
        const warmup = Math.min(ctx.warmup, ctx.queries.length);
        for (const [index, query] of [...ctx.queries.slice(ctx.queries.length - warmup), ...ctx.queries].entries()) {
          const match = referenceMatch(query);
          if (match === null) continue;
          const call = await d1Floor.keyword(match, options);
          const started = performance.now();
          ctx.fts5.search(query, ctx.keywordPool);
          const raw = performance.now() - started;
          if (index < warmup) continue;
          bareMs.push(call.ms);
          rawMs.push(raw);
        }
        return { keyword: summarize(bareMs), keywordFts5: summarize(rawMs) };
      },
      { repeatable: true },
    );
    log(`   bare D1 keyword calls (whole ms, in a worker) ${ms(bare.keyword)} | raw FTS5 right after each ${ms(bare.keywordFts5)} | other processes ${fmtCores(bareOther)} cores`);
    floor = { ingest: floorIngest, ...bare, otherCores: { ingest: floorIngestOther, keyword: bareOther } };
  }

  await phases.quietMachine();
  let rebuild: FtsIndexTiming | undefined;
  try {
    rebuild = await timeFtsIndexing(
      step.allChunks.map((chunk) => ({ id: chunk.id, title: chunk.title, text: chunk.text })),
      join(projectRoot, "migrations"),
    );
    log(`   D1 FTS5 'rebuild' over the same ${fmtInt(rebuild.rows)} rows in a fresh D1: ${rebuild.rebuildSeconds.toFixed(2)} s (${fmtInt(Math.round(rebuild.rows / rebuild.rebuildSeconds))} rows/s)`);
  } catch (error) {
    log(`   D1 FTS5 'rebuild' timing failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  return {
    size,
    chunks,
    ingest,
    batches,
    hybrid: { http: hybrid.http, stages: hybridStages, empty: hybrid.empty },
    vectorOnly: { http: vector.http, stages: vectorStages, empty: vector.empty },
    keywordOnly: { http: keyword.http, stages: keywordStages, empty: keyword.empty },
    fts5,
    ...(keyword.references.orama && oramaBuild ? { orama: { ...oramaBuild, search: keyword.references.orama } } : {}),
    ...(rebuild ? { rebuild } : {}),
    ...(floor ? { floor } : {}),
    otherCores: { ingest: ingestOther, hybrid: hybridOther, vector: vectorOther, keyword: keywordOther },
  };
}
