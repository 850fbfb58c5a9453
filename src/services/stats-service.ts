/**
 * What GET /v1/stats reports for one tenant: documents by status, the
 * ingestion backlog, searchable chunks and vectors, recent activity, and the
 * provider circuit breakers — plus, for the operator, the size of the vector
 * index as a whole.
 *
 * Where each figure comes from:
 * - documents, backlog, chunks: D1 (`documents`), exact;
 * - vectors: D1's vector sets of the documents' active versions (what
 *   searches can reach; the index itself may briefly hold more while stale
 *   sets wait to be reaped);
 * - index.vectors (operator only, as it spans every tenant): the vector
 *   index's own `describe()`, null when it cannot be read;
 * - recent: with a metrics reader (local mode's in-memory metrics,
 *   `source: "in-memory"`), HTTP requests, 5xx answers and documents indexed
 *   or failed within the window as this isolate saw them; without one
 *   (production, `source: "d1"`), what D1 can tell — documents whose latest
 *   change in the window left them ready or failed — and null for the HTTP
 *   figures, which live in Analytics Engine (see
 *   adapters/cloudflare/analytics-engine-metrics.ts for the queries);
 * - breakers: this isolate's provider circuit breakers (per isolate: another
 *   isolate may see a provider differently);
 * - metrics: the in-memory counters since the isolate started (local mode),
 *   null in production.
 */
import type { DocumentStatus, DocumentStore } from "../ports/document-store.js";
import type { MetricCounters, MetricsReader } from "../ports/metrics.js";
import type { StatsStore } from "../ports/stats-store.js";
import type { VectorIndex } from "../ports/vector-index.js";
import type { Logger } from "./logger.js";
import type { ProviderBreakerSnapshot } from "./provider-breakers.js";

/** Default window of `recent`: one hour. */
export const defaultStatsWindowSeconds = 3600;

export interface RecentStats {
  /** "in-memory": this isolate's metrics (local mode); "d1": what the database tells (production). */
  source: "in-memory" | "d1";
  window_seconds: number;
  /** HTTP requests of the tenant in the window; null when the source cannot tell. */
  requests: number | null;
  errors_5xx: number | null;
  /** errors_5xx / requests; null when there were none or the source cannot tell. */
  error_rate: number | null;
  /** Documents that failed for good in the window. */
  ingest_failures: number;
  /** Failed / (indexed + failed) in the window; null when none finished. */
  ingest_failure_rate: number | null;
}

export interface BreakerStats {
  /** "kind:model". */
  provider: string;
  state: ProviderBreakerSnapshot["state"];
  retry_after_ms: number;
}

export interface TenantStats {
  tenant_id: string;
  documents: Record<DocumentStatus, number> & { total: number };
  /** Documents still queued or processing. */
  backlog: number;
  /** Chunks of ready documents (what keyword search can return). */
  chunks: number;
  /** Vectors of the documents' active versions (what vector search can return). */
  vectors: number;
  /** The whole vector index (operator only). */
  index?: { vectors: number | null };
  recent: RecentStats;
  /** Per isolate. */
  breakers: BreakerStats[];
  /** In-memory counters since this isolate started (local mode); null in production. */
  metrics: MetricCounters | null;
}

export interface StatsServiceDeps {
  store: Pick<DocumentStore, "stats">;
  stats: StatsStore;
  vectors: Pick<VectorIndex, "describe">;
  /** The provider breakers of this isolate. */
  breakers: () => ProviderBreakerSnapshot[];
  /** Local mode's in-memory metrics; absent in production. */
  reader?: MetricsReader;
  /** Window of `recent` (default one hour). */
  windowSeconds?: number;
  log?: Logger;
}

export class StatsService {
  constructor(private readonly deps: StatsServiceDeps) {}

  /** The tenant's figures; `operator` adds the index-wide vector count. */
  async stats(tenantId: string, options: { operator: boolean }): Promise<TenantStats> {
    const windowSeconds = this.deps.windowSeconds ?? defaultStatsWindowSeconds;
    const [counts, vectors, recent, index] = await Promise.all([
      this.deps.store.stats(tenantId),
      this.deps.stats.liveVectors(tenantId),
      this.recent(tenantId, windowSeconds),
      options.operator ? this.indexVectors() : Promise.resolve(undefined),
    ]);
    return {
      tenant_id: tenantId,
      documents: counts.documents,
      backlog: counts.documents.queued + counts.documents.processing,
      chunks: counts.chunks,
      vectors,
      ...(index === undefined ? {} : { index: { vectors: index } }),
      recent,
      breakers: this.deps.breakers().map((breaker) => ({ provider: breaker.name, state: breaker.state, retry_after_ms: breaker.retryAfterMs })),
      metrics: this.deps.reader ? this.deps.reader.counters(tenantId) : null,
    };
  }

  private async recent(tenantId: string, windowSeconds: number): Promise<RecentStats> {
    const reader = this.deps.reader;
    if (reader) {
      const activity = reader.recent({ windowMs: windowSeconds * 1000, tenant: tenantId });
      return {
        source: "in-memory",
        window_seconds: Math.round(activity.window_ms / 1000),
        requests: activity.http_requests,
        errors_5xx: activity.http_server_errors,
        error_rate: activity.http_error_rate,
        ingest_failures: activity.documents_failed,
        ingest_failure_rate: activity.ingest_failure_rate,
      };
    }
    const outcomes = await this.deps.stats.recentOutcomes(tenantId, windowSeconds);
    return {
      source: "d1",
      window_seconds: windowSeconds,
      requests: null,
      errors_5xx: null,
      error_rate: null,
      ingest_failures: outcomes.failed,
      ingest_failure_rate: outcomes.finished === 0 ? null : outcomes.failed / outcomes.finished,
    };
  }

  /** The vector index's own count, or null when it cannot be read (stats never fail for it). */
  private async indexVectors(): Promise<number | null> {
    try {
      const info = (await this.deps.vectors.describe()) as { vectorCount?: number; vectorsCount?: number };
      const count = info.vectorCount ?? info.vectorsCount;
      return typeof count === "number" && Number.isFinite(count) ? count : null;
    } catch (error) {
      this.deps.log?.warn("stats.index_unavailable", { detail: String(error) });
      return null;
    }
  }
}
