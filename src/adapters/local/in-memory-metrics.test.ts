import { describe, expect, it } from "vitest";
import { runMetricsContract } from "../../ports/metrics.contract.js";
import { InMemoryMetrics } from "./in-memory-metrics.js";

runMetricsContract("in memory", () => {
  const metrics = new InMemoryMetrics();
  return { metrics, readBack: () => metrics.events().map(({ event }) => event) };
});

function clockAt(start: number) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("InMemoryMetrics", () => {
  it("counts per tenant and over all tenants", () => {
    const metrics = new InMemoryMetrics();
    metrics.record({ kind: "document_indexed", tenant: "t_a", chunks: 3 });
    metrics.record({ kind: "document_indexed", tenant: "t_b", chunks: 5 });
    metrics.record({ kind: "document_failed", tenant: "t_a", code: "PARSE_FAILED" });
    metrics.record({ kind: "ingest_retry", tenant: "t_a", attempt: 1 });
    metrics.record({ kind: "query", tenant: "t_a", mode: "hybrid" });
    metrics.record({ kind: "query", tenant: "t_a", mode: "keyword", degraded: true });
    metrics.record({ kind: "query", tenant: "t_b", mode: "vector" });
    metrics.record({ kind: "generation_tokens", tenant: "t_b", tokens: 120 });
    metrics.record({ kind: "http_request", route: "/v1/search", status: 200, tenant: "t_a" });
    metrics.record({ kind: "http_request", route: "/v1/search", status: 429, tenant: "t_a" });
    metrics.record({ kind: "http_request", route: "/health", status: 503 });

    expect(metrics.counters()).toEqual({
      documents_indexed: 2,
      chunks_indexed: 8,
      documents_failed: 1,
      ingest_retries: 1,
      queries: { hybrid: 1, vector: 1, keyword: 1 },
      degraded_queries: 1,
      generation_tokens: 120,
      http_requests: 3,
      http_client_errors: 1,
      http_server_errors: 1,
    });
    expect(metrics.counters("t_a")).toMatchObject({ documents_indexed: 1, chunks_indexed: 3, documents_failed: 1, queries: { hybrid: 1, vector: 0, keyword: 1 }, http_requests: 2, http_server_errors: 0 });
    expect(metrics.counters("t_b")).toMatchObject({ chunks_indexed: 5, generation_tokens: 120, queries: { vector: 1 } });
    expect(metrics.counters("t_unknown").documents_indexed).toBe(0);
    // A copy: changing it changes nothing inside.
    metrics.counters().queries.hybrid = 99;
    expect(metrics.counters().queries.hybrid).toBe(1);
  });

  it("answers the recent error rates over a sliding window", () => {
    const clock = clockAt(1_000_000);
    const metrics = new InMemoryMetrics({ now: clock.now });
    expect(metrics.recent()).toMatchObject({ http_requests: 0, http_error_rate: null, ingest_failure_rate: null });
    for (let i = 0; i < 6; i++) metrics.record({ kind: "http_request", route: "/v1/search", status: 500, tenant: "t_a" });
    clock.advance(10 * 60_000);
    for (let i = 0; i < 3; i++) metrics.record({ kind: "http_request", route: "/v1/search", status: 200, tenant: "t_a" });
    metrics.record({ kind: "http_request", route: "/v1/chat", status: 502, tenant: "t_b" });
    metrics.record({ kind: "document_indexed", tenant: "t_a", chunks: 1 });
    metrics.record({ kind: "document_failed", tenant: "t_a" });
    metrics.record({ kind: "document_failed", tenant: "t_a" });
    metrics.record({ kind: "document_indexed", tenant: "t_a", chunks: 1 });

    // The six 500s are 10 minutes old: outside the default 5-minute window.
    expect(metrics.recent()).toEqual({
      window_ms: 300_000,
      http_requests: 4,
      http_server_errors: 1,
      http_error_rate: 0.25,
      documents_indexed: 2,
      documents_failed: 2,
      ingest_failure_rate: 0.5,
    });
    expect(metrics.recent({ tenant: "t_a" })).toMatchObject({ http_requests: 3, http_server_errors: 0, http_error_rate: 0 });
    expect(metrics.recent({ windowMs: 15 * 60_000 })).toMatchObject({ window_ms: 900_000, http_requests: 10, http_server_errors: 7, http_error_rate: 0.7 });
  });

  it("forgets events past the retention or beyond maxEvents, but keeps counting", () => {
    const clock = clockAt(0);
    const metrics = new InMemoryMetrics({ now: clock.now, retentionMs: 60_000, maxEvents: 5 });
    for (let i = 0; i < 8; i++) metrics.record({ kind: "http_request", route: "/health", status: 200 });
    expect(metrics.events()).toHaveLength(5);
    clock.advance(60_001);
    metrics.record({ kind: "http_request", route: "/health", status: 500 });
    expect(metrics.events()).toHaveLength(1);
    // A window longer than the retention is cut to it.
    expect(metrics.recent({ windowMs: 10 * 60_000 })).toMatchObject({ window_ms: 60_000, http_requests: 1, http_error_rate: 1 });
    expect(metrics.counters().http_requests).toBe(9);
  });

  it("keeps the latest state of each provider breaker", () => {
    const metrics = new InMemoryMetrics();
    metrics.record({ kind: "provider_breaker", provider: "workers-ai:embed", state: "open" });
    metrics.record({ kind: "provider_breaker", provider: "openai:gpt", state: "open" });
    metrics.record({ kind: "provider_breaker", provider: "workers-ai:embed", state: "half-open" });
    metrics.record({ kind: "provider_breaker", provider: "workers-ai:embed", state: "closed" });
    expect(metrics.breakers()).toEqual({ "workers-ai:embed": "closed", "openai:gpt": "open" });
    metrics.reset();
    expect(metrics.breakers()).toEqual({});
    expect(metrics.counters().http_requests).toBe(0);
  });
});
