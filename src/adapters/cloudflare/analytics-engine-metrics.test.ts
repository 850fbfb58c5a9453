/**
 * The Analytics Engine adapter against a recording fake of the binding's
 * interface (`writeDataPoint`). Miniflare has a local Analytics Engine
 * binding, but it discards every point, so nothing could be read back from
 * it; the fake records the points and the contract decodes them with the
 * documented layout.
 */
import { describe, expect, it } from "vitest";
import { everyKind, runMetricsContract } from "../../ports/metrics.contract.js";
import { AnalyticsEngineMetrics, analyticsEngineLayout, decodeDataPoint, encodeDataPoint, truncateUtf8 } from "./analytics-engine-metrics.js";

function recordingDataset() {
  const points: AnalyticsEngineDataPoint[] = [];
  return {
    points,
    dataset: {
      writeDataPoint(point?: AnalyticsEngineDataPoint) {
        if (point) points.push(structuredClone(point));
      },
    } satisfies AnalyticsEngineDataset,
  };
}

runMetricsContract("Analytics Engine (recording binding)", () => {
  const { dataset, points } = recordingDataset();
  return { metrics: new AnalyticsEngineMetrics(dataset), readBack: () => points.map((point) => decodeDataPoint(point)!) };
});

describe("AnalyticsEngineMetrics", () => {
  it("writes the documented columns: tenant as the index, kind in blob1, fixed positions for every field", () => {
    const { dataset, points } = recordingDataset();
    const metrics = new AnalyticsEngineMetrics(dataset);
    metrics.record({ kind: "http_request", route: "/v1/search", status: 503, method: "POST", tenant: "t_1", duration_ms: 41.25 });
    metrics.record({ kind: "query", tenant: "t_1", mode: "vector", degraded: true });
    metrics.record({ kind: "provider_breaker", provider: "openai:gpt", state: "half-open" });
    metrics.record({ kind: "document_indexed", tenant: "t_2", chunks: 7 });
    expect(points).toEqual([
      { indexes: ["t_1"], blobs: ["http_request", "t_1", "/v1/search", "POST", "", "", "", ""], doubles: [0, 0, 503, 41.25, 0, 0] },
      { indexes: ["t_1"], blobs: ["query", "t_1", "", "", "vector", "", "", ""], doubles: [0, 0, 0, 0, 1, 0] },
      { indexes: ["-"], blobs: ["provider_breaker", "", "", "", "", "openai:gpt", "half-open", ""], doubles: [0, 0, 0, 0, 0, 0] },
      { indexes: ["t_2"], blobs: ["document_indexed", "t_2", "", "", "", "", "", ""], doubles: [7, 0, 0, 0, 0, 0] },
    ]);
    // Within Analytics Engine's limits: at most 20 blobs and 20 doubles.
    expect(analyticsEngineLayout.blobs.length).toBeLessThanOrEqual(20);
    expect(analyticsEngineLayout.doubles.length).toBeLessThanOrEqual(20);
  });

  it("keeps the index within 96 bytes without splitting a character, and blobs well within 16 KB", () => {
    const tenant = "é".repeat(60); // 120 bytes
    const point = encodeDataPoint({ kind: "generation_tokens", tenant, tokens: 1 });
    const index = point.indexes![0] as string;
    expect(new TextEncoder().encode(index).byteLength).toBe(96);
    expect(index).toBe("é".repeat(48));
    expect(truncateUtf8("a😀b", 4)).toBe("a");
    // The largest possible point: every string at its limit, in 4-byte characters.
    const big = "😀".repeat(200);
    for (const event of everyKind) {
      const { dataset, points } = recordingDataset();
      new AnalyticsEngineMetrics(dataset).record({ ...event, tenant: big, route: big, provider: big, code: big, method: big } as never);
      const size = points[0]!.blobs!.reduce((sum: number, blob) => sum + new TextEncoder().encode(String(blob)).byteLength, 0);
      expect(size).toBeLessThan(16 * 1024);
    }
  });

  it("never throws when the binding does, and tells onError", () => {
    const errors: unknown[] = [];
    const metrics = new AnalyticsEngineMetrics(
      {
        writeDataPoint() {
          throw new Error("binding unavailable");
        },
      },
      { onError: (error) => errors.push(error) },
    );
    expect(() => metrics.record({ kind: "generation_tokens", tenant: "t_1", tokens: 5 })).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(metrics.dropped).toBe(1);
    const throwingCallback = new AnalyticsEngineMetrics(
      {
        writeDataPoint() {
          throw new Error("x");
        },
      },
      {
        onError() {
          throw new Error("y");
        },
      },
    );
    expect(() => throwingCallback.record({ kind: "generation_tokens", tenant: "t_1", tokens: 5 })).not.toThrow();
  });

  it("writes at most 250 points per instance (Analytics Engine's limit per invocation), dropping the rest", () => {
    const { dataset, points } = recordingDataset();
    const metrics = new AnalyticsEngineMetrics(dataset);
    for (let i = 0; i < 260; i++) metrics.record({ kind: "http_request", route: "/health", status: 200 });
    expect(points).toHaveLength(250);
    expect(metrics.dropped).toBe(10);
  });

  it("decodes nothing from a point of another writer", () => {
    expect(decodeDataPoint({ blobs: ["something_else"] })).toBeNull();
    expect(decodeDataPoint({})).toBeNull();
  });
});
