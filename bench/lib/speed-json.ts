/**
 * The speed benchmark's figures in the JSON shape issue 9 fixes, so runs can
 * be compared by machine:
 *
 *   {"ingest": {"<size>": {"chunks_per_s", "vs_fts5_rebuild", "floor_chunks_per_s", "floor_vs_fts5_rebuild"}},
 *    "calls_per_1000_chunks": {"ai", "vectorize", "d1"},
 *    "embedder": {"model", "texts_per_s", "speedup_vs_pure_js", "search_p95_ms_during_ingest"},
 *    "hybrid": {"<size>": {"http_p50_ms", "keyword_ms", "vector_ms", "total_ms", "floor_ms", "vs_floor"}},
 *    "vector_vs_plain_loop": {"<size>": {"speedup", "recall_at_10"}},
 *    "keyword_vs_fts5": {"<size>": r},
 *    "bare_d1_keyword_vs_fts5": {"<size>": r}}
 *
 * `vs_fts5_rebuild` and `speedup` are rates over the reference's (higher is
 * better); `vs_floor` and `keyword_vs_fts5` are our time over the
 * reference's (lower is better). The `floor_…` and `bare_d1_…` figures are
 * the bare steps of bench/lib/d1-floor.ts in the same run: the best this
 * runtime allows for the two ratios next to them. A figure that was not measured (a phase
 * skipped or failed, older server code without call counts) is null; the
 * keys are always there. Pure.
 */
import type { CallCounts } from "./batch-calls.js";

/** What one corpus size measured (milliseconds are p50s). */
export interface SizeFigures {
  size: number;
  /** Chunks that became searchable per second in this size's ingest step. */
  ingestChunksPerS: number;
  /** Rows per second of FTS5's 'rebuild' over the same rows in a fresh D1. */
  fts5RebuildRowsPerS: number | null;
  hybridHttpP50: number;
  /** Server timings of the hybrid pass. */
  hybridKeywordP50: number;
  hybridVectorP50: number;
  hybridTotalP50: number;
  /** The server's keyword_ms in the keyword-only pass. */
  keywordOnlyP50: number;
  /** Raw SQLite FTS5, same rows, same MATCH and SQL, in-process. */
  fts5QueryP50: number | null;
  /** The plain scalar cosine loop over a matrix of this size. */
  plainLoopP50: number | null;
  vectorSpeedup: number | null;
  vectorRecallAt10: number | null;
  /** The bare steps' ingestion rate (d1-floor.ts). */
  floorIngestChunksPerS: number | null;
  /** The keyword SQL as bare D1 calls (whole ms, p50), and raw FTS5 timed right after each. */
  bareKeywordP50: number | null;
  bareKeywordFts5P50: number | null;
}

export interface EmbedderJsonInput {
  model: string | null;
  textsPerS: number | null;
  speedupVsPureJs: number | null;
  searchP95DuringIngest: number | null;
}

export interface SpeedJsonInput {
  sizes: SizeFigures[];
  callsPer1000Chunks: CallCounts | null;
  embedder: EmbedderJsonInput | null;
}

type N = number | null;

export interface SpeedJson {
  ingest: Record<string, { chunks_per_s: N; vs_fts5_rebuild: N; floor_chunks_per_s: N; floor_vs_fts5_rebuild: N }>;
  calls_per_1000_chunks: { ai: N; vectorize: N; d1: N };
  embedder: { model: string | null; texts_per_s: N; speedup_vs_pure_js: N; search_p95_ms_during_ingest: N };
  hybrid: Record<string, { http_p50_ms: N; keyword_ms: N; vector_ms: N; total_ms: N; floor_ms: N; vs_floor: N }>;
  vector_vs_plain_loop: Record<string, { speedup: N; recall_at_10: N }>;
  keyword_vs_fts5: Record<string, N>;
  bare_d1_keyword_vs_fts5: Record<string, N>;
}

/** `value` rounded to `decimals`, or null when it is missing or not finite. */
export function rounded(value: number | null | undefined, decimals: number): N {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** a / b, or null when either is missing or b is not positive. */
export function ratio(a: number | null | undefined, b: number | null | undefined): N {
  if (a === null || a === undefined || b === null || b === undefined || !(b > 0) || !Number.isFinite(a)) return null;
  return a / b;
}

/** The floor of a hybrid search: raw FTS5 query time plus the plain-loop scan time (null unless both are known). */
export function floorMs(figures: Pick<SizeFigures, "fts5QueryP50" | "plainLoopP50">): N {
  if (figures.fts5QueryP50 === null || figures.plainLoopP50 === null) return null;
  return figures.fts5QueryP50 + figures.plainLoopP50;
}

export function buildSpeedJson(input: SpeedJsonInput): SpeedJson {
  const bySize = <T>(make: (figures: SizeFigures) => T): Record<string, T> =>
    Object.fromEntries([...input.sizes].sort((a, b) => a.size - b.size).map((figures) => [String(figures.size), make(figures)]));
  const calls = input.callsPer1000Chunks;
  const embedder = input.embedder;
  return {
    ingest: bySize((f) => ({
      chunks_per_s: rounded(f.ingestChunksPerS, 1),
      vs_fts5_rebuild: rounded(ratio(f.ingestChunksPerS, f.fts5RebuildRowsPerS), 5),
      floor_chunks_per_s: rounded(f.floorIngestChunksPerS, 1),
      floor_vs_fts5_rebuild: rounded(ratio(f.floorIngestChunksPerS, f.fts5RebuildRowsPerS), 5),
    })),
    calls_per_1000_chunks: { ai: rounded(calls?.ai, 2), vectorize: rounded(calls?.vectorize, 2), d1: rounded(calls?.d1, 2) },
    embedder: {
      model: embedder?.model ?? null,
      texts_per_s: rounded(embedder?.textsPerS, 2),
      speedup_vs_pure_js: rounded(embedder?.speedupVsPureJs, 3),
      search_p95_ms_during_ingest: rounded(embedder?.searchP95DuringIngest, 2),
    },
    hybrid: bySize((f) => {
      const floor = floorMs(f);
      return {
        http_p50_ms: rounded(f.hybridHttpP50, 3),
        keyword_ms: rounded(f.hybridKeywordP50, 3),
        vector_ms: rounded(f.hybridVectorP50, 3),
        total_ms: rounded(f.hybridTotalP50, 3),
        floor_ms: rounded(floor, 3),
        vs_floor: rounded(ratio(f.hybridHttpP50, floor), 3),
      };
    }),
    vector_vs_plain_loop: bySize((f) => ({ speedup: rounded(f.vectorSpeedup, 3), recall_at_10: rounded(f.vectorRecallAt10, 4) })),
    keyword_vs_fts5: bySize((f) => rounded(ratio(f.keywordOnlyP50, f.fts5QueryP50), 3)),
    bare_d1_keyword_vs_fts5: bySize((f) => rounded(ratio(f.bareKeywordP50, f.bareKeywordFts5P50), 3)),
  };
}
