/**
 * The contract of the metrics port: one suite every implementation passes
 * (the in-memory stand-in in `adapters/local/in-memory-metrics.test.ts`, the
 * Analytics Engine adapter in
 * `adapters/cloudflare/analytics-engine-metrics.test.ts`). Each
 * implementation supplies `readBack`, which returns what it stored as events
 * — the stand-in its event log, Analytics Engine its data points decoded
 * with the documented column layout — so the suite checks that every kind
 * of event survives the trip, and that bad input is cleaned or dropped
 * without an exception ever reaching the caller.
 */
import { describe, expect, it } from "vitest";
import type { MetricEvent, Metrics } from "./metrics.js";

export interface MetricsUnderTest {
  metrics: Metrics;
  /** Everything recorded so far, as normalised events, in order. */
  readBack(): MetricEvent[];
}

/** One event of every kind, with every optional field given. */
export const everyKind: MetricEvent[] = [
  { kind: "document_indexed", tenant: "t_0123456789abcdef", chunks: 12 },
  { kind: "document_failed", tenant: "t_0123456789abcdef", code: "PARSE_FAILED" },
  { kind: "ingest_retry", tenant: "t_0123456789abcdef", attempt: 2 },
  { kind: "provider_breaker", provider: "workers-ai:@cf/baai/bge-base-en-v1.5", state: "open" },
  { kind: "query", tenant: "t_0123456789abcdef", mode: "hybrid", degraded: true },
  { kind: "generation_tokens", tenant: "t_0123456789abcdef", tokens: 345 },
  { kind: "http_request", route: "/v1/documents/:id", status: 404, method: "GET", tenant: "t_0123456789abcdef", duration_ms: 12.5 },
];

export function runMetricsContract(name: string, create: () => MetricsUnderTest): void {
  describe(`Metrics contract: ${name}`, () => {
    it("records every kind of event as given", () => {
      const { metrics, readBack } = create();
      for (const event of everyKind) expect(metrics.record(event)).toBeUndefined();
      expect(readBack()).toEqual(everyKind);
    });

    it("fills optional fields with neutral values", () => {
      const { metrics, readBack } = create();
      metrics.record({ kind: "document_failed", tenant: "t_1" });
      metrics.record({ kind: "ingest_retry", tenant: "t_1" });
      metrics.record({ kind: "query", tenant: "t_1", mode: "keyword" });
      metrics.record({ kind: "http_request", route: "/health", status: 200 });
      expect(readBack()).toEqual([
        { kind: "document_failed", tenant: "t_1", code: "" },
        { kind: "ingest_retry", tenant: "t_1", attempt: 0 },
        { kind: "query", tenant: "t_1", mode: "keyword", degraded: false },
        { kind: "http_request", route: "/health", status: 200, method: "", tenant: "", duration_ms: 0 },
      ]);
    });

    it("cleans bad numbers and strings instead of throwing", () => {
      const { metrics, readBack } = create();
      metrics.record({ kind: "document_indexed", tenant: `t_${"x".repeat(500)}`, chunks: Number.NaN });
      metrics.record({ kind: "generation_tokens", tenant: "t_\u0000a\nb", tokens: -5 });
      metrics.record({ kind: "generation_tokens", tenant: "t_2", tokens: Number.POSITIVE_INFINITY });
      metrics.record({ kind: "http_request", route: "/v1/search", status: 200.4, method: "post", duration_ms: -1 });
      const [indexed, tokens, infinite, request] = readBack() as any[];
      expect(indexed).toEqual({ kind: "document_indexed", tenant: `t_${"x".repeat(126)}`, chunks: 0 });
      expect(tokens).toEqual({ kind: "generation_tokens", tenant: "t_ab", tokens: 0 });
      expect(infinite.tokens).toBe(0);
      expect(request).toMatchObject({ status: 200, method: "POST", duration_ms: 0 });
    });

    it("drops events it cannot record, and never throws", () => {
      const { metrics, readBack } = create();
      const bad = [
        null,
        undefined,
        "query",
        42,
        {},
        { kind: "unknown_kind", tenant: "t_1" },
        { kind: "query", tenant: "t_1", mode: "semantic" },
        { kind: "provider_breaker", provider: "p", state: "broken" },
      ];
      for (const event of bad) expect(() => metrics.record(event as unknown as MetricEvent)).not.toThrow();
      expect(readBack()).toEqual([]);
    });
  });
}
