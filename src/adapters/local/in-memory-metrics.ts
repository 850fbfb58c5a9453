/**
 * Metrics in one isolate's memory: the local-mode stand-in for Analytics
 * Engine (whose local simulator in miniflare discards every point) and the
 * fake for tests. Besides recording, it answers what /v1/stats and tests ask:
 * counters since the isolate started (over all tenants or one), the latest
 * state of each provider breaker, and what happened recently (HTTP 5xx rate,
 * ingestion failure rate) over a sliding window.
 *
 * Bounded: events older than `retentionMs` (default 1 hour) or beyond
 * `maxEvents` (default 10,000, oldest first) are forgotten by `recent()`;
 * counters are plain numbers. Per isolate: construct one at module scope so
 * requests and queue batches of the isolate share it; a new isolate starts
 * at zero, and in production each isolate would count only its own traffic
 * (use Analytics Engine there). `record` never throws.
 */
import {
  normalizeMetricEvent,
  queryModes,
  type BreakerState,
  type MetricCounters,
  type MetricEvent,
  type Metrics,
  type MetricsReader,
  type RecentActivity,
} from "../../ports/metrics.js";

export interface InMemoryMetricsOptions {
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** How long events stay visible to `recent()` (default 1 hour). */
  retentionMs?: number;
  /** Events kept for `recent()` at most (default 10,000). */
  maxEvents?: number;
}

export interface TimedMetricEvent {
  /** When it was recorded, on the injected clock. */
  at: number;
  event: MetricEvent;
}

/** Default window of `recent()`: 5 minutes. */
export const defaultRecentWindowMs = 5 * 60_000;

function emptyCounters(): MetricCounters {
  return {
    documents_indexed: 0,
    chunks_indexed: 0,
    documents_failed: 0,
    ingest_retries: 0,
    queries: Object.fromEntries(queryModes.map((mode) => [mode, 0])) as MetricCounters["queries"],
    degraded_queries: 0,
    generation_tokens: 0,
    http_requests: 0,
    http_client_errors: 0,
    http_server_errors: 0,
  };
}

function tenantOf(event: MetricEvent): string {
  return "tenant" in event && typeof event.tenant === "string" ? event.tenant : "";
}

function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

export class InMemoryMetrics implements Metrics, MetricsReader {
  private readonly clock: () => number;
  private readonly retentionMs: number;
  private readonly maxEvents: number;
  /** Counters over all tenants ("") and per tenant. */
  private readonly totals = new Map<string, MetricCounters>();
  private readonly latestBreakers = new Map<string, BreakerState>();
  private log: TimedMetricEvent[] = [];

  constructor(options: InMemoryMetricsOptions = {}) {
    this.clock = options.now ?? Date.now;
    this.retentionMs = options.retentionMs ?? 60 * 60_000;
    this.maxEvents = options.maxEvents ?? 10_000;
  }

  record(event: MetricEvent): void {
    try {
      const normalized = normalizeMetricEvent(event);
      if (!normalized) return;
      const at = this.clock();
      this.log.push({ at, event: normalized });
      this.prune(at);
      const tenant = tenantOf(normalized);
      this.count(this.countersFor(""), normalized);
      if (tenant !== "") this.count(this.countersFor(tenant), normalized);
      if (normalized.kind === "provider_breaker") this.latestBreakers.set(normalized.provider, normalized.state);
    } catch {
      // Metrics never fail the caller.
    }
  }

  /** Counters since this instance was created, over all tenants or for one. */
  counters(tenant?: string): MetricCounters {
    const counters = this.totals.get(tenant ?? "") ?? emptyCounters();
    return { ...counters, queries: { ...counters.queries } };
  }

  /** What happened in the last `windowMs` (default 5 minutes, at most the retention), over all tenants or for one. */
  recent(options: { windowMs?: number; tenant?: string } = {}): RecentActivity {
    const now = this.clock();
    const windowMs = Math.min(options.windowMs ?? defaultRecentWindowMs, this.retentionMs);
    const since = now - windowMs;
    let requests = 0;
    let serverErrors = 0;
    let indexed = 0;
    let failed = 0;
    for (const { at, event } of this.log) {
      if (at <= since) continue;
      if (options.tenant !== undefined && tenantOf(event) !== options.tenant) continue;
      if (event.kind === "http_request") {
        requests += 1;
        if (event.status >= 500) serverErrors += 1;
      } else if (event.kind === "document_indexed") {
        indexed += 1;
      } else if (event.kind === "document_failed") {
        failed += 1;
      }
    }
    return {
      window_ms: windowMs,
      http_requests: requests,
      http_server_errors: serverErrors,
      http_error_rate: rate(serverErrors, requests),
      documents_indexed: indexed,
      documents_failed: failed,
      ingest_failure_rate: rate(failed, indexed + failed),
    };
  }

  breakers(): Record<string, BreakerState> {
    return Object.fromEntries(this.latestBreakers);
  }

  /** The events still retained, oldest first. */
  events(): readonly TimedMetricEvent[] {
    return [...this.log];
  }

  /** Forgets everything (tests). */
  reset(): void {
    this.totals.clear();
    this.latestBreakers.clear();
    this.log = [];
  }

  private countersFor(tenant: string): MetricCounters {
    let counters = this.totals.get(tenant);
    if (!counters) {
      counters = emptyCounters();
      this.totals.set(tenant, counters);
    }
    return counters;
  }

  private count(counters: MetricCounters, event: MetricEvent): void {
    switch (event.kind) {
      case "document_indexed":
        counters.documents_indexed += 1;
        counters.chunks_indexed += event.chunks;
        return;
      case "document_failed":
        counters.documents_failed += 1;
        return;
      case "ingest_retry":
        counters.ingest_retries += 1;
        return;
      case "query":
        counters.queries[event.mode] += 1;
        if (event.degraded) counters.degraded_queries += 1;
        return;
      case "generation_tokens":
        counters.generation_tokens += event.tokens;
        return;
      case "http_request":
        counters.http_requests += 1;
        if (event.status >= 500) counters.http_server_errors += 1;
        else if (event.status >= 400) counters.http_client_errors += 1;
        return;
      case "provider_breaker":
        return;
    }
  }

  private prune(now: number): void {
    const cutoff = now - this.retentionMs;
    let drop = Math.max(0, this.log.length - this.maxEvents);
    while (drop < this.log.length && this.log[drop]!.at <= cutoff) drop += 1;
    if (drop > 0) this.log.splice(0, drop);
  }
}
