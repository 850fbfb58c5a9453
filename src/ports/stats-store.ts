/**
 * Port: the read-only queries behind GET /v1/stats (services/stats-service.ts)
 * that the document store does not answer already. Per tenant, cheap
 * (aggregates over indexed columns). One implementation, on D1
 * (`adapters/cloudflare/d1-stats-store.ts`).
 */

/** Documents of a tenant that finished (ready or failed) within a recent window. */
export interface RecentOutcomes {
  /** Became ready or failed within the window. */
  finished: number;
  /** Of those, failed. */
  failed: number;
}

export interface StatsStore {
  /**
   * Vectors searches of the tenant can reach: the counts of the vector sets
   * that are the active version of a live document (same incarnation).
   */
  liveVectors(tenantId: string): Promise<number>;
  /** Documents whose latest change, within the last `windowSeconds`, left them ready or failed. */
  recentOutcomes(tenantId: string, windowSeconds: number): Promise<RecentOutcomes>;
}
