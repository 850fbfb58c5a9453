/**
 * GET /v1/stats' queries on D1 (see ports/stats-store.ts). Every query is
 * scoped to one tenant and reads aggregates only: no document text.
 *
 * `recentOutcomes` reads `documents.updated_at`, which activation and
 * `markFailed` set: a document counts once, by its latest change, so a
 * document that failed and was re-posted since counts as what it is now.
 */
import type { RecentOutcomes, StatsStore } from "../../ports/stats-store.js";

export class D1StatsStore implements StatsStore {
  constructor(private readonly db: D1Database) {}

  async liveVectors(tenantId: string): Promise<number> {
    const row = await this.db
      .prepare(
        `SELECT COALESCE(SUM(s.count), 0) AS vectors FROM vector_sets s
         JOIN documents d ON d.tenant_id = s.tenant_id AND d.id = s.document_id AND d.incarnation = s.incarnation AND d.active_version = s.version
         WHERE s.tenant_id = ?`,
      )
      .bind(tenantId)
      .first<{ vectors: number }>();
    return row?.vectors ?? 0;
  }

  async recentOutcomes(tenantId: string, windowSeconds: number): Promise<RecentOutcomes> {
    const seconds = Math.max(0, Math.floor(windowSeconds));
    const row = await this.db
      .prepare(
        `SELECT COUNT(*) AS finished, COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed FROM documents
         WHERE tenant_id = ? AND status IN ('ready', 'failed') AND updated_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)`,
      )
      .bind(tenantId, `-${seconds} seconds`)
      .first<{ finished: number; failed: number }>();
    return { finished: row?.finished ?? 0, failed: row?.failed ?? 0 };
  }
}
