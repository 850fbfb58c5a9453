/**
 * The consistency check's queries on D1 (see ports/consistency-store.ts).
 * Reads are per tenant and bounded; repairs are guarded the same way the
 * ingestion writes are, so running them while ingestion goes on is safe.
 */
import { bumpContentVersion } from "./d1-answer-cache-store.js";
import type { ConsistencyStore, DuplicateRows, LiveSetsPage, OrphanRows, StatusMismatch } from "../../ports/consistency-store.js";
import type { VectorSet, VersionRef } from "../../ports/document-store.js";

import { liveSetSql, now } from "./d1-version-rules.js";

export class D1ConsistencyStore implements ConsistencyStore {
  constructor(private readonly db: D1Database) {}

  async orphanRows(tenantId: string, limit: number): Promise<OrphanRows[]> {
    const { results } = await this.db
      .prepare(
        `SELECT c.document_id, c.version, COUNT(*) AS rows FROM chunks c
         LEFT JOIN documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
         WHERE c.tenant_id = ? AND (d.id IS NULL OR (c.version <> d.version AND c.version IS NOT d.active_version))
         GROUP BY c.document_id, c.version ORDER BY c.document_id, c.version LIMIT ?`,
      )
      .bind(tenantId, limit)
      .all<{ document_id: string; version: number; rows: number }>();
    return results.map((row) => ({ tenantId, documentId: row.document_id, version: row.version, rows: row.rows }));
  }

  async statusMismatches(tenantId: string, limit: number): Promise<StatusMismatch[]> {
    const activeRows = "(SELECT COUNT(*) FROM chunks c WHERE c.tenant_id = d.tenant_id AND c.document_id = d.id AND c.version = d.active_version)";
    const { results } = await this.db
      .prepare(
        `SELECT d.id, d.version, d.incarnation, d.status, d.active_version, d.chunk_count, ${activeRows} AS active_rows
         FROM documents d
         WHERE d.tenant_id = ? AND (
           (d.status = 'ready' AND (d.active_version IS NULL OR d.active_version <> d.version))
           OR (d.active_version IS NOT NULL AND ${activeRows} <> d.chunk_count))
         ORDER BY d.id LIMIT ?`,
      )
      .bind(tenantId, limit)
      .all<{ id: string; version: number; incarnation: string; status: string; active_version: number | null; chunk_count: number; active_rows: number }>();
    return results.map((row) => ({
      ref: { tenantId, documentId: row.id, version: row.version, incarnation: row.incarnation },
      status: row.status,
      activeVersion: row.active_version,
      chunkCount: row.chunk_count,
      activeRows: row.active_rows,
      problem:
        row.status === "ready" && row.active_version === null
          ? "ready_without_active_version"
          : row.status === "ready" && row.active_version !== row.version
            ? "ready_behind_version"
            : "chunk_count_mismatch",
    }));
  }

  async duplicateRows(tenantId: string, limit: number): Promise<DuplicateRows[]> {
    const { results } = await this.db
      .prepare(
        `SELECT document_id, version, seq, COUNT(*) AS rows FROM chunks WHERE tenant_id = ?
         GROUP BY document_id, version, seq HAVING COUNT(*) > 1 ORDER BY document_id, version, seq LIMIT ?`,
      )
      .bind(tenantId, limit)
      .all<{ document_id: string; version: number; seq: number; rows: number }>();
    return results.map((row) => ({ tenantId, documentId: row.document_id, version: row.version, seq: row.seq, rows: row.rows }));
  }

  async keywordIndexCounts(tenantId: string): Promise<{ rows: number; indexed: number }> {
    const match = `tenant_id : "${tenantId.replaceAll('"', '""')}"`;
    const [rows, indexed] = await this.db.batch<{ n: number }>([
      this.db.prepare("SELECT COUNT(*) AS n FROM chunks WHERE tenant_id = ?").bind(tenantId),
      this.db.prepare("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?").bind(match),
    ]);
    return { rows: rows?.results[0]?.n ?? 0, indexed: indexed?.results[0]?.n ?? 0 };
  }

  async activeVectorSets(tenantId: string, options: { after?: string; limit: number }): Promise<LiveSetsPage> {
    const { results } = await this.db
      .prepare(
        `SELECT s.tenant_id, s.document_id, s.incarnation, s.version, s.count, s.writes, s.purged_writes, s.updated_at FROM vector_sets s
         JOIN documents d ON d.tenant_id = s.tenant_id AND d.id = s.document_id AND d.incarnation = s.incarnation AND d.active_version = s.version
         WHERE s.tenant_id = ? AND s.document_id > ? ORDER BY s.document_id LIMIT ?`,
      )
      .bind(tenantId, options.after ?? "", options.limit + 1)
      .all<{ tenant_id: string; document_id: string; incarnation: string; version: number; count: number; writes: number; purged_writes: number | null; updated_at: string }>();
    const sets: VectorSet[] = results.slice(0, options.limit).map((row) => ({
      ref: { tenantId: row.tenant_id, documentId: row.document_id, version: row.version, incarnation: row.incarnation },
      count: row.count,
      writes: row.writes,
      purgedWrites: row.purged_writes,
      claimedAt: row.updated_at,
    }));
    return { sets, nextCursor: results.length > options.limit ? sets[sets.length - 1]!.ref.documentId : null };
  }

  async activeVersionsWithoutSet(tenantId: string, limit: number): Promise<VersionRef[]> {
    const { results } = await this.db
      .prepare(
        `SELECT d.id, d.active_version, d.incarnation FROM documents d
         WHERE d.tenant_id = ? AND d.active_version IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM vector_sets s WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id AND s.incarnation = d.incarnation AND s.version = d.active_version)
         ORDER BY d.id LIMIT ?`,
      )
      .bind(tenantId, limit)
      .all<{ id: string; active_version: number; incarnation: string }>();
    return results.map((row) => ({ tenantId, documentId: row.id, version: row.active_version, incarnation: row.incarnation }));
  }

  async vectorSetTotals(): Promise<{ live: number; stale: number }> {
    const row = await this.db
      .prepare(
        `SELECT COALESCE(SUM(CASE WHEN EXISTS (${liveSetSql}) THEN s.count ELSE 0 END), 0) AS live,
                COALESCE(SUM(CASE WHEN EXISTS (${liveSetSql}) THEN 0 ELSE s.count END), 0) AS stale
         FROM vector_sets s`,
      )
      .first<{ live: number; stale: number }>();
    return { live: row?.live ?? 0, stale: row?.stale ?? 0 };
  }

  async deleteOrphanRows(orphan: OrphanRows): Promise<number> {
    const result = await this.db
      .prepare(
        `DELETE FROM chunks WHERE tenant_id = ?1 AND document_id = ?2 AND version = ?3
           AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.tenant_id = ?1 AND d.id = ?2 AND (d.version = ?3 OR d.active_version = ?3))`,
      )
      .bind(orphan.tenantId, orphan.documentId, orphan.version)
      .run();
    return result.meta.changes ?? 0;
  }

  async requeueForRepair(ref: VersionRef): Promise<boolean> {
    const result = await this.db
      .prepare(
        `UPDATE documents SET status = 'queued', error = NULL, attempts = 0, updated_at = ${now}
         WHERE tenant_id = ? AND id = ? AND version = ? AND incarnation = ?`,
      )
      .bind(ref.tenantId, ref.documentId, ref.version, ref.incarnation)
      .run();
    return (result.meta.changes ?? 0) > 0;
  }

  async deleteDuplicateRows(ref: VersionRef, seq: number, keepId: string): Promise<number> {
    // Only rows of this incarnation's version (the id to keep derives from it) other than the one that belongs there.
    const [result] = await this.db.batch([
      this.db
        .prepare(
          `DELETE FROM chunks WHERE tenant_id = ?1 AND document_id = ?2 AND version = ?3 AND seq = ?5 AND id <> ?6
             AND EXISTS (SELECT 1 FROM documents WHERE tenant_id = ?1 AND id = ?2 AND incarnation = ?4)`,
        )
        .bind(ref.tenantId, ref.documentId, ref.version, ref.incarnation, seq, keepId),
      // Searches no longer see the duplicate: answers cached with it are stale.
      bumpContentVersion(this.db, ref.tenantId),
    ]);
    return result!.meta.changes ?? 0;
  }

  async markStale(tenantId: string): Promise<void> {
    await this.db
      .prepare(`UPDATE vector_sets AS s SET stale_at = ${now} WHERE s.tenant_id = ?1 AND s.stale_at IS NULL AND NOT EXISTS (${liveSetSql})`)
      .bind(tenantId)
      .run();
  }

  async rebuildKeywordIndex(): Promise<void> {
    // Every tenant's keyword results may change: every tenant's cached answers are stale.
    await this.db.batch([this.db.prepare("INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild')"), bumpContentVersion(this.db)]);
  }
}
