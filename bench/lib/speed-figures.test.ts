import { describe, expect, it } from "vitest";
import { summarizeBatchCalls } from "./batch-calls.js";
import { summarize } from "./latency.js";
import type { SizeResult, StageSummaries } from "./size-phase.js";
import { runCallsPer1000, sizeFigures, speedJsonInput, type SpeedRun } from "./speed-figures.js";
import { buildSpeedJson } from "./speed-json.js";
import { renderSpeedReport, type ReportContext } from "./speed-report.js";

const flat = (ms: number) => summarize([ms, ms, ms]);
const stages = (total: number, keyword: number, vector: number): StageSummaries => ({
  embed_ms: flat(0),
  vector_ms: flat(vector),
  keyword_ms: flat(keyword),
  hydrate_ms: flat(1),
  fuse_ms: flat(0),
  total_ms: flat(total),
});
const batchLine = (chunks: number, calls?: { ai: number; vectorize: number; d1: number }) =>
  JSON.stringify({ level: "info", event: "queue.batch", indexed: chunks, chunks, ...(calls ? { calls } : {}) });

function sizeResult(size: number, calls: boolean): SizeResult {
  return {
    size,
    chunks: size,
    ingest: { documents: size, chunks: size, failed: 0, submitSeconds: 1, totalSeconds: size / 500, stats: { documents: { queued: 0, processing: 0, ready: size, failed: 0, total: size }, chunks: size } },
    batches: summarizeBatchCalls([batchLine(size, calls ? { ai: size / 100, vectorize: 1, d1: size / 50 } : undefined)]),
    hybrid: { http: flat(8), stages: stages(6, 3, 4), empty: 0 },
    vectorOnly: { http: flat(6), stages: stages(5, 0, 4), empty: 0 },
    keywordOnly: { http: flat(5), stages: stages(3, 3, 0), empty: 0 },
    fts5: flat(2),
    rebuild: { rows: size, rebuildSeconds: size / 100_000 },
    floor: { ingest: { documents: size, seconds: size / 8_000 }, keyword: flat(3), keywordFts5: flat(2.5), otherCores: {} },
    otherCores: {},
  };
}

const context: ReportContext = {
  command: "npm run bench:speed -- --sizes 1000",
  date: "2026-01-01 00:00 UTC",
  machine: "2 cores",
  commit: "abc",
  startLoad: 0.5,
  waitQuiet: false,
  corpusNote: "test corpus",
  queryNote: "3 queries",
  warmup: 0,
  topK: 8,
  keywordPool: 20,
  hashingModel: "@local/feature-hashing-512",
  hashQueryP50Ms: 0.01,
  hashChunkP50Ms: 0.02,
  primeQueryEmbeddings: true,
  sqliteVersion: "3.53.2",
  betterSqliteVersion: "12.11.1",
  dimensions: 512,
};

const scan = (size: number) => ({
  size,
  outcome: {
    ok: true as const,
    value: { speedup: 3, recall_at_10: 0.995, ours_p50_ms: 1, plain_p50_ms: 3, memory_bytes_per_100k_before: 2e8, memory_bytes_per_100k_after: 2.6e8 },
  },
});

describe("speed figures", () => {
  it("derive the issue's ratios from one size's measurements", () => {
    const figures = sizeFigures(sizeResult(1000, true), scan(1000));
    expect(figures).toMatchObject({ ingestChunksPerS: 500, fts5RebuildRowsPerS: 100_000, hybridHttpP50: 8, keywordOnlyP50: 3, fts5QueryP50: 2, plainLoopP50: 3, vectorSpeedup: 3 });
    expect(sizeFigures(sizeResult(1000, true), { size: 1000, outcome: { ok: false, error: "boom" } })).toMatchObject({ plainLoopP50: null, vectorSpeedup: null });
  });

  it("scale the calls of every step to 1,000 chunks, or give null when any step lacks them", () => {
    expect(runCallsPer1000({ sizes: [sizeResult(1000, true), sizeResult(9000, true)] })).toEqual({ ai: 10, vectorize: 0.2, d1: 20 });
    expect(runCallsPer1000({ sizes: [sizeResult(1000, true), sizeResult(9000, false)] })).toBeNull();
  });

  it("feed the JSON and the printed report the same numbers", () => {
    const run: SpeedRun = { sizes: [sizeResult(1000, false)], vectorScan: [scan(1000)], embedder: undefined };
    const json = buildSpeedJson(speedJsonInput(run));
    expect(json.hybrid["1000"]).toEqual({ http_p50_ms: 8, keyword_ms: 3, vector_ms: 4, total_ms: 6, floor_ms: 5, vs_floor: 1.6 });
    expect(json.keyword_vs_fts5["1000"]).toBe(1.5);
    expect(json.ingest["1000"]).toEqual({ chunks_per_s: 500, vs_fts5_rebuild: 0.005, floor_chunks_per_s: 8000, floor_vs_fts5_rebuild: 0.08 });
    expect(json.bare_d1_keyword_vs_fts5["1000"]).toBe(1.2);
    const report = renderSpeedReport(run, context);
    expect(report).toContain("| 1,000 | 500 | 0.0050× | 0.0800× | 8.00 ms | 5.00 ms | 1.60× | 1.50× | 1.20× | 3.00× | 0.9950 |");
    expect(report).toContain("| 1,000 | 3.00 ms | 3.00 ms | 2.50 ms | 2.50 ms | 1.20× | 1.20× | – |");
    expect(report).toContain("Remote binding calls per 1,000 chunks: n/a (0 of 1 `queue.batch` lines carry a `calls` field)");
    expect(report).toContain("in-process index.query p50");
    expect(report).toContain("service `vector_ms` p50 (via binding)");
    expect(report).toContain("Skipped (--skip-embedder).");
  });
});
