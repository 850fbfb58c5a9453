/**
 * The answer cache on D1 (tables `answer_cache`, `answer_cache_bands` and the
 * `content_versions` counter kept by triggers; migrations/0008_answer_cache.sql).
 *
 * A lookup is one batch (one round trip, one consistent read): the tenant's
 * content version, the exact question's entry with its payload, and the
 * near-duplicate candidates sharing an LSH band (ids and questions only,
 * bounded by `maxCandidates`). A store is one atomic batch that only inserts
 * when the version it was computed under is still current, so an answer
 * computed across an ingest is never filed under the new content, and only
 * once that version is `settleMs` old (Vectorize applies writes a few
 * seconds after acknowledging them).
 */
import type { AnswerCacheEntry, AnswerCacheLookup, AnswerCacheQuery, AnswerCacheStore } from "../../ports/answer-cache-store.js";

/** The tenant's current content version (bound as ?1). */
const currentVersion = "(SELECT COALESCE((SELECT version FROM content_versions WHERE tenant_id = ?1), 0))";

/** Epoch milliseconds by SQLite's clock (the triggers of migrations/0008 use the same expression). */
const sqliteNowMs = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
/** Milliseconds since the tenant's content version last changed, by SQLite's clock (the one the triggers used). */
const sinceChange = `(${sqliteNowMs} - COALESCE((SELECT changed_at FROM content_versions WHERE tenant_id = ?1), 0))`;

/**
 * Bumps a tenant's content version (every tenant's when `tenantId` is
 * undefined), for writes that change what searches see without going
 * through the triggers: a consistency repair's row fixes, a keyword index
 * rebuild, a cache purge (so an answer being computed while the cache is
 * purged is not stored afterwards). Put it in the same batch as the write.
 */
export function bumpContentVersion(db: D1Database, tenantId?: string): D1PreparedStatement {
  if (tenantId === undefined) return db.prepare(`UPDATE content_versions SET version = version + 1, changed_at = ${sqliteNowMs}`);
  return db
    .prepare(
      `INSERT INTO content_versions (tenant_id, version, changed_at) VALUES (?1, 1, ${sqliteNowMs})
       ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1, changed_at = excluded.changed_at`,
    )
    .bind(tenantId);
}

export class D1AnswerCacheStore implements AnswerCacheStore {
  constructor(private readonly db: D1Database) {}

  async lookup(query: AnswerCacheQuery): Promise<AnswerCacheLookup> {
    const [version, exact, candidates] = await this.db.batch<Record<string, unknown>>([
      this.db.prepare(`SELECT ${currentVersion} AS version`).bind(query.tenantId),
      this.db
        .prepare(
          `SELECT id, payload FROM answer_cache
           WHERE tenant_id = ?1 AND scope = ?2 AND content_version = ${currentVersion} AND question = ?3 AND expires_at > ?4
           LIMIT 1`,
        )
        .bind(query.tenantId, query.scope, query.question, query.now),
      this.db
        .prepare(
          `SELECT e.id, e.question, COUNT(*) AS shared
           FROM answer_cache_bands b JOIN answer_cache e ON e.tenant_id = b.tenant_id AND e.id = b.entry_id
           WHERE b.tenant_id = ?1 AND b.scope = ?2 AND b.content_version = ${currentVersion}
             AND b.band IN (SELECT value FROM json_each(?3))
             AND e.content_version = b.content_version AND e.expires_at > ?4
           GROUP BY e.id
           ORDER BY shared DESC, e.created_at DESC
           LIMIT ?5`,
        )
        .bind(query.tenantId, query.scope, JSON.stringify(query.bands), query.now, query.maxCandidates),
    ]);
    const exactRow = exact!.results[0] as { id: string; payload: string } | undefined;
    return {
      contentVersion: Number((version!.results[0] as { version: number }).version),
      exact: exactRow ? { id: exactRow.id, payload: exactRow.payload } : null,
      candidates: (candidates!.results as { id: string; question: string }[]).map((row) => ({ id: row.id, question: row.question })),
    };
  }

  async payload(tenantId: string, id: string, now: number): Promise<string | null> {
    const row = await this.db
      .prepare(`SELECT payload FROM answer_cache WHERE tenant_id = ?1 AND id = ?2 AND expires_at > ?3 AND content_version = ${currentVersion}`)
      .bind(tenantId, id, now)
      .first<{ payload: string }>();
    return row?.payload ?? null;
  }

  async store(entry: AnswerCacheEntry): Promise<boolean> {
    const { tenantId } = entry;
    // Entries of other content versions, expired ones, and the oldest beyond the limit (room for the new one).
    const stale = `SELECT id FROM answer_cache WHERE tenant_id = ?1 AND (content_version < ${currentVersion} OR expires_at <= ?2)`;
    const oldest = "SELECT id FROM answer_cache WHERE tenant_id = ?1 ORDER BY created_at DESC, id LIMIT -1 OFFSET ?2";
    const results = await this.db.batch<{ id: string }>([
      this.db.prepare(`DELETE FROM answer_cache_bands WHERE tenant_id = ?1 AND (content_version < ${currentVersion} OR entry_id IN (${stale}))`).bind(tenantId, entry.now),
      this.db.prepare(`DELETE FROM answer_cache WHERE tenant_id = ?1 AND id IN (${stale})`).bind(tenantId, entry.now),
      this.db.prepare(`DELETE FROM answer_cache_bands WHERE tenant_id = ?1 AND entry_id IN (${oldest})`).bind(tenantId, Math.max(0, entry.maxEntries - 1)),
      this.db.prepare(`DELETE FROM answer_cache WHERE tenant_id = ?1 AND id IN (${oldest})`).bind(tenantId, Math.max(0, entry.maxEntries - 1)),
      // Only under the current version; a racing identical miss already wrote the same id: nothing to do.
      this.db
        .prepare(
          `INSERT INTO answer_cache (tenant_id, id, scope, content_version, question, payload, created_at, expires_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE ?4 = ${currentVersion} AND ${sinceChange} >= ?9
           ON CONFLICT (tenant_id, id) DO NOTHING
           RETURNING id`,
        )
        .bind(tenantId, entry.id, entry.scope, entry.contentVersion, entry.question, entry.payload, entry.now, entry.expiresAt, entry.settleMs),
      this.db
        .prepare(
          `INSERT OR IGNORE INTO answer_cache_bands (tenant_id, scope, content_version, band, entry_id)
           SELECT ?1, ?2, ?3, value, ?4 FROM json_each(?5)
           WHERE EXISTS (SELECT 1 FROM answer_cache WHERE tenant_id = ?1 AND id = ?4 AND content_version = ?3)`,
        )
        .bind(tenantId, entry.scope, entry.contentVersion, entry.id, JSON.stringify(entry.bands)),
    ]);
    return (results[4]?.results.length ?? 0) > 0;
  }

  async purge(tenantId: string): Promise<number> {
    const [count] = await this.db.batch<{ n: number }>([
      this.db.prepare("SELECT COUNT(*) AS n FROM answer_cache WHERE tenant_id = ?1").bind(tenantId),
      this.db.prepare("DELETE FROM answer_cache_bands WHERE tenant_id = ?1").bind(tenantId),
      this.db.prepare("DELETE FROM answer_cache WHERE tenant_id = ?1").bind(tenantId),
      // An answer computed before the purge (under the old deployment, say) must not be stored after it.
      bumpContentVersion(this.db, tenantId),
    ]);
    return Number(count!.results[0]?.n ?? 0);
  }
}
