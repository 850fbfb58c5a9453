/**
 * From what a speed run measured to the figures issue 9 names (one place, so
 * the printed report and the JSON file cannot disagree). Pure.
 */
import { addBatchSummaries, callsPer1000Chunks, noBatches, type BatchLogSummary, type CallCounts } from "./batch-calls.js";
import type { EmbedderPhase } from "./embedder-phase.js";
import type { Outcome, VectorScanFigures } from "./external-figures.js";
import type { SizeResult } from "./size-phase.js";
import type { EmbedderJsonInput, SizeFigures, SpeedJsonInput } from "./speed-json.js";

export interface VectorScanResult {
  size: number;
  outcome: Outcome<VectorScanFigures>;
  otherCores?: number;
}

export interface SpeedRun {
  sizes: SizeResult[];
  vectorScan: VectorScanResult[];
  /** Undefined when the phase was skipped. */
  embedder: EmbedderPhase | undefined;
}

/** The figures of one size (the vector figures come from the in-process scan of the same size). */
export function sizeFigures(result: SizeResult, scan: VectorScanResult | undefined): SizeFigures {
  const vector = scan?.outcome.ok ? scan.outcome.value : undefined;
  return {
    size: result.size,
    ingestChunksPerS: result.ingest.chunks / result.ingest.totalSeconds,
    fts5RebuildRowsPerS: result.rebuild ? result.rebuild.rows / result.rebuild.rebuildSeconds : null,
    hybridHttpP50: result.hybrid.http.p50,
    hybridKeywordP50: result.hybrid.stages.keyword_ms.p50,
    hybridVectorP50: result.hybrid.stages.vector_ms.p50,
    hybridTotalP50: result.hybrid.stages.total_ms.p50,
    keywordOnlyP50: result.keywordOnly.stages.keyword_ms.p50,
    fts5QueryP50: Number.isFinite(result.fts5.p50) ? result.fts5.p50 : null,
    plainLoopP50: vector ? vector.plain_p50_ms : null,
    vectorSpeedup: vector ? vector.speedup : null,
    vectorRecallAt10: vector ? vector.recall_at_10 : null,
    floorIngestChunksPerS: result.floor ? result.floor.ingest.documents / result.floor.ingest.seconds : null,
    bareKeywordP50: result.floor && Number.isFinite(result.floor.keyword.p50) ? result.floor.keyword.p50 : null,
    bareKeywordFts5P50: result.floor && Number.isFinite(result.floor.keywordFts5.p50) ? result.floor.keywordFts5.p50 : null,
  };
}

/** Every ingest step's queue batches together. */
export function allBatches(run: Pick<SpeedRun, "sizes">): BatchLogSummary {
  return run.sizes.reduce((sum, result) => addBatchSummaries(sum, result.batches), noBatches);
}

/** Calls per 1,000 chunks over every ingest step (null when any batch line lacked the counts, or none was logged). */
export function runCallsPer1000(run: Pick<SpeedRun, "sizes">): CallCounts | null {
  const batches = allBatches(run);
  if (batches.batches === 0) return null;
  const chunks = run.sizes.reduce((sum, result) => sum + result.ingest.chunks, 0);
  return callsPer1000Chunks(batches.calls, chunks);
}

export function embedderJsonInput(phase: EmbedderPhase | undefined): EmbedderJsonInput | null {
  if (!phase) return null;
  const throughput = phase.throughput.ok ? phase.throughput.value : undefined;
  return {
    model: throughput?.model ?? null,
    textsPerS: throughput?.texts_per_s ?? null,
    speedupVsPureJs: throughput?.speedup_vs_pure_js ?? null,
    searchP95DuringIngest: phase.search.ok ? phase.search.value.during.p95 : null,
  };
}

export function speedJsonInput(run: SpeedRun): SpeedJsonInput {
  return {
    sizes: run.sizes.map((result) => sizeFigures(result, run.vectorScan.find((scan) => scan.size === result.size))),
    callsPer1000Chunks: runCallsPer1000(run),
    embedder: embedderJsonInput(run.embedder),
  };
}
