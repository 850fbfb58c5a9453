/**
 * Port: operational metrics. A small, closed set of events — documents
 * indexed or failed, ingestion retries, provider circuit-breaker changes,
 * queries by mode, generated tokens, HTTP requests — recorded with
 * `record(event)`, which is synchronous, cheap and never throws: metrics must
 * never fail or slow the work they describe.
 *
 * Events carry ids, modes, codes and numbers only — never keys, query text
 * or document text. `normalizeMetricEvent` is the one definition of a valid
 * event: adapters pass what it returns (strings cut and cleaned, numbers made
 * finite and non-negative, optional fields filled) and drop what it refuses
 * (an unknown kind or mode).
 *
 * Implementations (both pass `metrics.contract.ts`):
 * - `adapters/cloudflare/analytics-engine-metrics.ts`: Workers Analytics
 *   Engine (production), queried with its SQL API;
 * - `adapters/local/in-memory-metrics.ts`: counters in one isolate's memory
 *   (local mode and tests), which also implements `MetricsReader`.
 */

export const queryModes = ["hybrid", "vector", "keyword"] as const;
export type QueryMode = (typeof queryModes)[number];

/** The states of a provider's circuit breaker (as in core/resilience/circuit-breaker.ts). */
export const breakerStates = ["closed", "open", "half-open"] as const;
export type BreakerState = (typeof breakerStates)[number];

export type MetricEvent =
  /** A document version finished indexing with `chunks` chunks. */
  | { kind: "document_indexed"; tenant: string; chunks: number }
  /** A document failed for good; `code` is an error code (e.g. PARSE_FAILED), never a message. */
  | { kind: "document_failed"; tenant: string; code?: string }
  /** An ingestion attempt failed and will be retried; `attempt` counts from 1. */
  | { kind: "ingest_retry"; tenant: string; attempt?: number }
  /** A provider's circuit breaker changed state; `provider` is "kind:model". */
  | { kind: "provider_breaker"; provider: string; state: BreakerState }
  /** A search or chat retrieval ran in `mode`; `degraded` when a leg was skipped (e.g. the embedder is down). */
  | { kind: "query"; tenant: string; mode: QueryMode; degraded?: boolean }
  /** An answer generated `tokens` tokens. */
  | { kind: "generation_tokens"; tenant: string; tokens: number }
  /** An HTTP request ended; `route` is the route pattern (`/v1/documents/:id`), never the raw path. */
  | { kind: "http_request"; route: string; status: number; method?: string; tenant?: string; duration_ms?: number };

export type MetricKind = MetricEvent["kind"];

export const metricKinds: readonly MetricKind[] = ["document_indexed", "document_failed", "ingest_retry", "provider_breaker", "query", "generation_tokens", "http_request"];

export interface Metrics {
  /** Records one event. Synchronous; never throws; invalid events are dropped. */
  record(event: MetricEvent): void;
}

/** Records nothing (tests and callers that do not care). */
export const noopMetrics: Metrics = { record() {} };

/** Counters since the isolate started (in-memory stand-in), over all tenants or one. */
export interface MetricCounters {
  documents_indexed: number;
  chunks_indexed: number;
  documents_failed: number;
  ingest_retries: number;
  queries: Record<QueryMode, number>;
  degraded_queries: number;
  generation_tokens: number;
  http_requests: number;
  /** Responses with a 4xx status. */
  http_client_errors: number;
  /** Responses with a 5xx status. */
  http_server_errors: number;
}

/** What happened in the last `window_ms` milliseconds. Rates are null when nothing happened. */
export interface RecentActivity {
  window_ms: number;
  http_requests: number;
  http_server_errors: number;
  /** 5xx responses / requests. */
  http_error_rate: number | null;
  documents_indexed: number;
  documents_failed: number;
  /** Failed / (indexed + failed) documents. */
  ingest_failure_rate: number | null;
}

/** Reading side, for /v1/stats and tests; only the in-memory stand-in has it. */
export interface MetricsReader {
  counters(tenant?: string): MetricCounters;
  recent(options?: { windowMs?: number; tenant?: string }): RecentActivity;
  /** The latest state of every provider breaker seen. */
  breakers(): Record<string, BreakerState>;
}

/** Longest kept string fields (tenant, route, provider: 128; code: 64; method: 16). */
export const metricStringLimits = { default: 128, code: 64, method: 16 } as const;

function text(value: unknown, max: number = metricStringLimits.default): string {
  if (typeof value !== "string") return "";
  // Control characters never belong in a metric label; never cut a surrogate pair in half.
  const cut = value.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

function milliseconds(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.round(value * 100) / 100 : 0;
}

function oneOf<T extends string>(allowed: readonly T[], value: unknown): T | undefined {
  return (allowed as readonly unknown[]).includes(value) ? (value as T) : undefined;
}

/**
 * The event as adapters store it — every field present, strings cut to
 * their limits without control characters, counts whole and non-negative —
 * or null when it cannot be recorded (not an object, unknown kind, unknown
 * query mode or breaker state). Never throws.
 */
export function normalizeMetricEvent(event: unknown): MetricEvent | null {
  if (event === null || typeof event !== "object") return null;
  const e = event as Record<string, unknown>;
  switch (e.kind) {
    case "document_indexed":
      return { kind: "document_indexed", tenant: text(e.tenant), chunks: count(e.chunks) };
    case "document_failed":
      return { kind: "document_failed", tenant: text(e.tenant), code: text(e.code, metricStringLimits.code) };
    case "ingest_retry":
      return { kind: "ingest_retry", tenant: text(e.tenant), attempt: count(e.attempt) };
    case "provider_breaker": {
      const state = oneOf(breakerStates, e.state);
      return state ? { kind: "provider_breaker", provider: text(e.provider), state } : null;
    }
    case "query": {
      const mode = oneOf(queryModes, e.mode);
      return mode ? { kind: "query", tenant: text(e.tenant), mode, degraded: e.degraded === true } : null;
    }
    case "generation_tokens":
      return { kind: "generation_tokens", tenant: text(e.tenant), tokens: count(e.tokens) };
    case "http_request":
      return {
        kind: "http_request",
        route: text(e.route),
        status: count(e.status),
        method: text(e.method, metricStringLimits.method).toUpperCase(),
        tenant: text(e.tenant),
        duration_ms: milliseconds(e.duration_ms),
      };
    default:
      return null;
  }
}
