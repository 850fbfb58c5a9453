import { describe, expect, it } from "vitest";
import { buildSpeedJson, floorMs, type SizeFigures } from "./speed-json.js";

const size = (overrides: Partial<SizeFigures> & { size: number }): SizeFigures => ({
  ingestChunksPerS: 250,
  fts5RebuildRowsPerS: 50_000,
  hybridHttpP50: 6,
  hybridKeywordP50: 2,
  hybridVectorP50: 3,
  hybridTotalP50: 4,
  keywordOnlyP50: 3,
  fts5QueryP50: 2,
  plainLoopP50: 2,
  vectorSpeedup: 3.2,
  vectorRecallAt10: 0.995,
  floorIngestChunksPerS: 4_000,
  bareKeywordP50: 3,
  bareKeywordFts5P50: 2.5,
  ...overrides,
});

describe("buildSpeedJson", () => {
  it("writes the issue's shape, keys in its order, sizes as strings in ascending order", () => {
    const json = buildSpeedJson({
      sizes: [size({ size: 10_000 }), size({ size: 1000 })],
      callsPer1000Chunks: { ai: 10.5, vectorize: 1, d1: 28.333333 },
      embedder: { model: "@local/universal-sentence-encoder", textsPerS: 52.1234, speedupVsPureJs: 5.25, searchP95DuringIngest: 41.2 },
    });
    expect(Object.keys(json)).toEqual(["ingest", "calls_per_1000_chunks", "embedder", "hybrid", "vector_vs_plain_loop", "keyword_vs_fts5", "bare_d1_keyword_vs_fts5"]);
    expect(Object.keys(json.ingest)).toEqual(["1000", "10000"]);
    expect(json.ingest["1000"]).toEqual({ chunks_per_s: 250, vs_fts5_rebuild: 0.005, floor_chunks_per_s: 4000, floor_vs_fts5_rebuild: 0.08 });
    expect(json.calls_per_1000_chunks).toEqual({ ai: 10.5, vectorize: 1, d1: 28.33 });
    expect(json.embedder).toEqual({ model: "@local/universal-sentence-encoder", texts_per_s: 52.12, speedup_vs_pure_js: 5.25, search_p95_ms_during_ingest: 41.2 });
    expect(json.hybrid["10000"]).toEqual({ http_p50_ms: 6, keyword_ms: 2, vector_ms: 3, total_ms: 4, floor_ms: 4, vs_floor: 1.5 });
    expect(json.vector_vs_plain_loop["1000"]).toEqual({ speedup: 3.2, recall_at_10: 0.995 });
    expect(json.keyword_vs_fts5).toEqual({ "1000": 1.5, "10000": 1.5 });
    expect(json.bare_d1_keyword_vs_fts5).toEqual({ "1000": 1.2, "10000": 1.2 });
  });

  it("keeps every key, with null, for what was not measured", () => {
    const json = buildSpeedJson({
      sizes: [
        size({ size: 1000, fts5RebuildRowsPerS: null, fts5QueryP50: null, vectorSpeedup: null, vectorRecallAt10: null, plainLoopP50: null, floorIngestChunksPerS: null, bareKeywordP50: null }),
      ],
      callsPer1000Chunks: null,
      embedder: null,
    });
    expect(json.ingest["1000"]).toEqual({ chunks_per_s: 250, vs_fts5_rebuild: null, floor_chunks_per_s: null, floor_vs_fts5_rebuild: null });
    expect(json.calls_per_1000_chunks).toEqual({ ai: null, vectorize: null, d1: null });
    expect(json.embedder).toEqual({ model: null, texts_per_s: null, speedup_vs_pure_js: null, search_p95_ms_during_ingest: null });
    expect(json.hybrid["1000"]).toMatchObject({ floor_ms: null, vs_floor: null });
    expect(json.vector_vs_plain_loop["1000"]).toEqual({ speedup: null, recall_at_10: null });
    expect(json.keyword_vs_fts5["1000"]).toBeNull();
    expect(json.bare_d1_keyword_vs_fts5["1000"]).toBeNull();
  });

  it("never divides by a zero reference", () => {
    const json = buildSpeedJson({ sizes: [size({ size: 1000, fts5QueryP50: 0, plainLoopP50: 0, fts5RebuildRowsPerS: 0 })], callsPer1000Chunks: null, embedder: null });
    expect(json.keyword_vs_fts5["1000"]).toBeNull();
    expect(json.hybrid["1000"]!.vs_floor).toBeNull();
    expect(json.ingest["1000"]!.vs_fts5_rebuild).toBeNull();
    expect(floorMs({ fts5QueryP50: 0.5, plainLoopP50: 1.25 })).toBe(1.75);
  });
});
