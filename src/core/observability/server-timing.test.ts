import { describe, expect, it } from "vitest";
import { formatServerTiming, sanitizeServerTimingName, serverTimingMetrics } from "./server-timing.js";

describe("Server-Timing", () => {
  it("formats stage durations as name;dur= pairs rounded to 0.1 ms", () => {
    expect(
      formatServerTiming([
        { name: "embed", durationMs: 12.34 },
        { name: "vector", durationMs: 40 },
        { name: "keyword", durationMs: 0 },
        { name: "first_token", durationMs: 210.06 },
      ]),
    ).toBe("embed;dur=12.3, vector;dur=40, keyword;dur=0, first_token;dur=210.1");
  });

  it("sanitises names, drops missing or invalid durations and duplicates, quotes descriptions", () => {
    expect(
      formatServerTiming([
        { name: "first token", durationMs: 5 },
        { name: "a,b;c=d\"e", durationMs: 1 },
        { name: "", durationMs: 1 },
        { name: "null", durationMs: null },
        { name: "nan", durationMs: Number.NaN },
        { name: "inf", durationMs: Number.POSITIVE_INFINITY },
        { name: "negative", durationMs: -1 },
        { name: "first_token", durationMs: 99 },
        { name: "db", durationMs: 2, description: 'say "hi"\\\r\n' },
      ]),
    ).toBe('first_token;dur=5, a_b_c_d_e;dur=1, db;dur=2;desc="say \\"hi\\"\\\\"');
    expect(sanitizeServerTimingName("x".repeat(100))).toHaveLength(64);
    expect(sanitizeServerTimingName("ümlaut")).toBe("_mlaut");
    expect(formatServerTiming([])).toBe("");
  });

  it("builds metrics from service timings (keys ending in _ms), optionally picked and ordered", () => {
    const timings = { embed_ms: 12.3, vector_ms: 40.1, keyword_ms: 8, fuse_ms: 0.2, rerank_ms: 0, total_ms: 61, first_token_ms: null, retrieval_ms: 55 };
    expect(formatServerTiming(serverTimingMetrics(timings))).toBe("embed;dur=12.3, vector;dur=40.1, keyword;dur=8, fuse;dur=0.2, rerank;dur=0, total;dur=61, retrieval;dur=55");
    expect(formatServerTiming(serverTimingMetrics({ ...timings, first_token_ms: 210 }, ["first_token", "embed", "missing"]))).toBe("first_token;dur=210, embed;dur=12.3");
  });
});
