/**
 * Metrics in Workers Analytics Engine: one data point per event, written
 * with the binding's `writeDataPoint` (non-blocking, nothing to await).
 * Never throws into the caller: invalid events are dropped, a failing
 * binding is reported to `onError` (if given) and otherwise ignored, and no
 * more than `maxPointsPerInvocation` points (Analytics Engine's limit: 250
 * per Worker invocation) are written by one instance — so construct one per
 * request or queue batch (the composition root does).
 *
 * Column layout (the same for every kind, so queries stay simple; a column
 * a kind does not use holds "" or 0):
 *
 * | column  | holds                                                   |
 * |---------|---------------------------------------------------------|
 * | index1  | tenant id ("-" for events without a tenant): the sampling key |
 * | blob1   | kind: document_indexed, document_failed, ingest_retry, provider_breaker, query, generation_tokens, http_request |
 * | blob2   | tenant id ("" when none)                                |
 * | blob3   | route pattern (http_request), e.g. /v1/documents/:id    |
 * | blob4   | HTTP method (http_request)                              |
 * | blob5   | query mode: hybrid, vector, keyword (query)             |
 * | blob6   | provider, "kind:model" (provider_breaker)               |
 * | blob7   | breaker state: closed, open, half-open (provider_breaker) |
 * | blob8   | error code (document_failed)                            |
 * | double1 | chunks (document_indexed)                               |
 * | double2 | tokens (generation_tokens)                              |
 * | double3 | HTTP status (http_request)                              |
 * | double4 | duration in ms (http_request)                           |
 * | double5 | 1 when degraded, else 0 (query)                         |
 * | double6 | attempt number (ingest_retry)                           |
 *
 * Analytics Engine samples under load: weight every row by
 * `_sample_interval`. Examples for the SQL API (dataset "edge_rag_metrics"):
 *
 *   -- queries by mode, last day
 *   SELECT blob5 AS mode, SUM(_sample_interval) AS queries FROM edge_rag_metrics
 *   WHERE blob1 = 'query' AND timestamp > NOW() - INTERVAL '1' DAY GROUP BY mode
 *
 *   -- HTTP 5xx rate, last 15 minutes
 *   SELECT SUM(IF(double3 >= 500, _sample_interval, 0)) / SUM(_sample_interval) AS error_rate
 *   FROM edge_rag_metrics WHERE blob1 = 'http_request' AND timestamp > NOW() - INTERVAL '15' MINUTE
 *
 *   -- tokens and chunks of one tenant, last 30 days
 *   SELECT SUM(_sample_interval * double2) AS tokens, SUM(_sample_interval * double1) AS chunks
 *   FROM edge_rag_metrics WHERE index1 = 't_0123456789abcdef' AND timestamp > NOW() - INTERVAL '30' DAY
 *
 *   -- p95 latency by route
 *   SELECT blob3 AS route, quantileExactWeighted(0.95)(double4, _sample_interval) AS p95_ms
 *   FROM edge_rag_metrics WHERE blob1 = 'http_request' GROUP BY route
 *
 * Local mode: miniflare (4.20260426) accepts an `analytics_engine_datasets`
 * binding but its local simulator discards every point, so local mode uses
 * `adapters/local/in-memory-metrics.ts` instead.
 */
import { normalizeMetricEvent, type BreakerState, type MetricEvent, type Metrics, type QueryMode } from "../../ports/metrics.js";

/** Analytics Engine's per-invocation limit on data points. */
export const analyticsEngineMaxPointsPerInvocation = 250;
/** Analytics Engine's limit on the index, in UTF-8 bytes. */
export const analyticsEngineMaxIndexBytes = 96;

/** Which field each blob and double holds, in column order (blob1 = blobs[0]). */
export const analyticsEngineLayout = {
  index: "tenant",
  blobs: ["kind", "tenant", "route", "method", "mode", "provider", "state", "code"],
  doubles: ["chunks", "tokens", "status", "duration_ms", "degraded", "attempt"],
} as const;

export interface AnalyticsEngineMetricsOptions {
  /** Told when the binding throws (e.g. to log once); errors are otherwise ignored. */
  onError?: (error: unknown) => void;
  /** Data points one instance writes at most (default 250). */
  maxPointsPerInvocation?: number;
}

type BlobField = (typeof analyticsEngineLayout.blobs)[number];
type DoubleField = (typeof analyticsEngineLayout.doubles)[number];

/** A normalised event as a data point in the documented layout. */
export function encodeDataPoint(event: MetricEvent): AnalyticsEngineDataPoint {
  const e = event as Partial<Record<BlobField | DoubleField, unknown>> & { kind: string; degraded?: boolean };
  const blobs = analyticsEngineLayout.blobs.map((field) => {
    const value = field === "kind" ? event.kind : e[field];
    return typeof value === "string" ? value : "";
  });
  const doubles = analyticsEngineLayout.doubles.map((field) => {
    if (field === "degraded") return e.degraded === true ? 1 : 0;
    const value = e[field];
    return typeof value === "number" ? value : 0;
  });
  const tenant = typeof e.tenant === "string" && e.tenant !== "" ? e.tenant : "-";
  return { indexes: [truncateUtf8(tenant, analyticsEngineMaxIndexBytes)], blobs, doubles };
}

/** The event a data point written by `encodeDataPoint` holds (for tests and SQL readers). */
export function decodeDataPoint(point: AnalyticsEngineDataPoint): MetricEvent | null {
  const blob = (field: BlobField) => {
    const value = point.blobs?.[analyticsEngineLayout.blobs.indexOf(field)];
    return typeof value === "string" ? value : "";
  };
  const double = (field: DoubleField) => point.doubles?.[analyticsEngineLayout.doubles.indexOf(field)] ?? 0;
  const tenant = blob("tenant");
  switch (blob("kind")) {
    case "document_indexed":
      return { kind: "document_indexed", tenant, chunks: double("chunks") };
    case "document_failed":
      return { kind: "document_failed", tenant, code: blob("code") };
    case "ingest_retry":
      return { kind: "ingest_retry", tenant, attempt: double("attempt") };
    case "provider_breaker":
      return { kind: "provider_breaker", provider: blob("provider"), state: blob("state") as BreakerState };
    case "query":
      return { kind: "query", tenant, mode: blob("mode") as QueryMode, degraded: double("degraded") === 1 };
    case "generation_tokens":
      return { kind: "generation_tokens", tenant, tokens: double("tokens") };
    case "http_request":
      return { kind: "http_request", route: blob("route"), status: double("status"), method: blob("method"), tenant, duration_ms: double("duration_ms") };
    default:
      return null;
  }
}

export class AnalyticsEngineMetrics implements Metrics {
  /** Points not written: over the per-invocation limit, or the binding threw. */
  dropped = 0;
  private written = 0;
  private readonly maxPoints: number;

  constructor(
    private readonly dataset: AnalyticsEngineDataset,
    private readonly options: AnalyticsEngineMetricsOptions = {},
  ) {
    this.maxPoints = options.maxPointsPerInvocation ?? analyticsEngineMaxPointsPerInvocation;
  }

  record(event: MetricEvent): void {
    try {
      const normalized = normalizeMetricEvent(event);
      if (!normalized) return;
      if (this.written >= this.maxPoints) {
        this.dropped += 1;
        return;
      }
      this.written += 1;
      this.dataset.writeDataPoint(encodeDataPoint(normalized));
    } catch (error) {
      this.dropped += 1;
      try {
        this.options.onError?.(error);
      } catch {
        // A failing error callback changes nothing for the caller.
      }
    }
  }
}

/** `text` cut to at most `maxBytes` UTF-8 bytes, never inside a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).byteLength <= maxBytes) return text;
  let result = "";
  let bytes = 0;
  for (const char of text) {
    const size = encoder.encode(char).byteLength;
    if (bytes + size > maxBytes) break;
    result += char;
    bytes += size;
  }
  return result;
}
