/** Website sources and their pages in D1 (migrations/0007_website_sources.sql). */
import type { DiscoveryMethod, PageStatus, SourceCounts, SourcePage, SourceRecord, SourceStore } from "../../ports/source-store.js";

interface SourceRow {
  tenant_id: string;
  id: string;
  url: string;
  sitemap: string | null;
  include_patterns: string;
  exclude_patterns: string;
  max_pages: number;
  max_depth: number;
  schedule: string | null;
  state: SourceRecord["state"];
  error: string | null;
  discovery: DiscoveryMethod | null;
  robots_txt: string | null;
  syncs: number;
  created_at: string;
  last_sync_at: string | null;
  next_sync_at: string | null;
}

interface PageRow {
  url: string;
  document_id: string;
  depth: number;
  status: PageStatus;
  error: string | null;
  etag: string | null;
  last_modified: string | null;
}

/** Statements per D1 batch here (well under production's 1,000 queries per invocation). */
const batchSize = 100;

export class D1SourceStore implements SourceStore {
  constructor(private readonly db: D1Database) {}

  async create(source: Parameters<SourceStore["create"]>[0]): Promise<void> {
    await this.db
      .prepare(
        `INSERT INTO sources (tenant_id, id, type, url, sitemap, include_patterns, exclude_patterns, max_pages, max_depth, schedule, state, created_at)
         VALUES (?, ?, 'website', ?, ?, ?, ?, ?, ?, ?, 'discovering', ?)`,
      )
      .bind(source.tenantId, source.id, source.url, source.sitemap, JSON.stringify(source.include), JSON.stringify(source.exclude), source.maxPages, source.maxDepth, source.schedule, source.createdAt)
      .run();
  }

  async get(tenantId: string, id: string): Promise<SourceRecord | null> {
    const row = await this.db.prepare("SELECT * FROM sources WHERE tenant_id = ? AND id = ?").bind(tenantId, id).first<SourceRow>();
    return row ? toRecord(row) : null;
  }

  async list(tenantId: string): Promise<SourceRecord[]> {
    const { results } = await this.db.prepare("SELECT * FROM sources WHERE tenant_id = ? ORDER BY created_at, id").bind(tenantId).all<SourceRow>();
    return results.map(toRecord);
  }

  async counts(tenantId: string, ids: string[]): Promise<Map<string, SourceCounts>> {
    const counts = new Map<string, SourceCounts>();
    for (const id of ids) counts.set(id, { discovered: 0, fetched: 0, pending: 0, skipped: 0, failed: 0, ready: 0, indexing: 0 });
    if (ids.length === 0) return counts;
    for (let start = 0; start < ids.length; start += 90) {
      const slice = ids.slice(start, start + 90);
      const marks = slice.map(() => "?").join(", ");
      const [pages, documents] = await this.db.batch<{ source_id: string; status: string; n: number }>([
        this.db.prepare(`SELECT source_id, status, count(*) AS n FROM source_pages WHERE tenant_id = ? AND source_id IN (${marks}) GROUP BY source_id, status`).bind(tenantId, ...slice),
        this.db
          .prepare(
            `SELECT p.source_id, d.status, count(*) AS n FROM source_pages p
             JOIN documents d ON d.tenant_id = p.tenant_id AND d.id = p.document_id
             WHERE p.tenant_id = ? AND p.source_id IN (${marks}) AND p.status IN ('fetched', 'unchanged')
             GROUP BY p.source_id, d.status`,
          )
          .bind(tenantId, ...slice),
      ]);
      for (const row of pages!.results) {
        const c = counts.get(row.source_id)!;
        c.discovered += row.n;
        if (row.status === "fetched" || row.status === "unchanged") c.fetched += row.n;
        else if (row.status === "pending") c.pending += row.n;
        else if (row.status === "skipped") c.skipped += row.n;
        else if (row.status === "failed") c.failed += row.n;
      }
      for (const row of documents!.results) {
        const c = counts.get(row.source_id)!;
        if (row.status === "ready") c.ready += row.n;
        else if (row.status === "failed") c.failed += row.n;
        else c.indexing += row.n;
      }
    }
    return counts;
  }

  async startSync(tenantId: string, id: string, at: Date, next: Date | null): Promise<boolean> {
    const result = await this.db
      .prepare("UPDATE sources SET state = 'discovering', error = NULL, syncs = syncs + 1, last_sync_at = ?, next_sync_at = ? WHERE tenant_id = ? AND id = ?")
      .bind(at.toISOString(), next?.toISOString() ?? null, tenantId, id)
      .run();
    return result.meta.changes > 0;
  }

  async finishDiscovery(tenantId: string, id: string, result: { state: "active" | "error"; error?: string | null; discovery?: DiscoveryMethod; robotsTxt?: string }): Promise<void> {
    await this.db
      .prepare("UPDATE sources SET state = ?, error = ?, discovery = coalesce(?, discovery), robots_txt = coalesce(?, robots_txt) WHERE tenant_id = ? AND id = ?")
      .bind(result.state, result.error ?? null, result.discovery ?? null, result.robotsTxt ?? null, tenantId, id)
      .run();
  }

  async addPages(tenantId: string, sourceId: string, sync: number, pages: Array<{ url: string; documentId: string; depth: number }>, maxPages: number): Promise<SourcePage[]> {
    const added: SourcePage[] = [];
    // One statement per page, in order: a new page only while the source is under max_pages;
    // a known page is queued again once per sync.
    for (let start = 0; start < pages.length; start += batchSize) {
      const statements = pages.slice(start, start + batchSize).map((page) =>
        this.db
          .prepare(
            `INSERT INTO source_pages (tenant_id, source_id, url, document_id, depth, status, sync)
             SELECT ?1, ?2, ?3, ?4, ?5, 'pending', ?6
             WHERE (SELECT count(*) FROM source_pages WHERE tenant_id = ?1 AND source_id = ?2) < ?7
                OR EXISTS (SELECT 1 FROM source_pages WHERE tenant_id = ?1 AND source_id = ?2 AND url = ?3)
             ON CONFLICT (tenant_id, source_id, url) DO UPDATE
               SET status = 'pending', error = NULL, sync = excluded.sync, depth = min(depth, excluded.depth), updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
               WHERE source_pages.sync < excluded.sync
             RETURNING url, document_id, depth, status, error, etag, last_modified`,
          )
          .bind(tenantId, sourceId, page.url, page.documentId, page.depth, sync, maxPages),
      );
      const results = await this.db.batch<PageRow>(statements);
      for (const result of results) for (const row of result.results) added.push(toPage(row));
    }
    return added;
  }

  async pages(tenantId: string, sourceId: string): Promise<SourcePage[]> {
    const { results } = await this.db
      .prepare("SELECT url, document_id, depth, status, error, etag, last_modified FROM source_pages WHERE tenant_id = ? AND source_id = ? ORDER BY rowid")
      .bind(tenantId, sourceId)
      .all<PageRow>();
    return results.map(toPage);
  }

  async getPage(tenantId: string, sourceId: string, url: string): Promise<SourcePage | null> {
    const row = await this.db
      .prepare("SELECT url, document_id, depth, status, error, etag, last_modified FROM source_pages WHERE tenant_id = ? AND source_id = ? AND url = ?")
      .bind(tenantId, sourceId, url)
      .first<PageRow>();
    return row ? toPage(row) : null;
  }

  async updatePage(tenantId: string, sourceId: string, url: string, update: Partial<Pick<SourcePage, "status" | "error" | "etag" | "lastModified">>): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [];
    const column = { status: "status", error: "error", etag: "etag", lastModified: "last_modified" } as const;
    for (const key of Object.keys(column) as Array<keyof typeof column>) {
      if (update[key] === undefined) continue;
      sets.push(`${column[key]} = ?`);
      values.push(update[key]);
    }
    if (sets.length === 0) return;
    await this.db
      .prepare(`UPDATE source_pages SET ${sets.join(", ")}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE tenant_id = ? AND source_id = ? AND url = ?`)
      .bind(...values, tenantId, sourceId, url)
      .run();
  }

  async reserveFetchSlots(tenantId: string, sourceId: string, count: number, intervalMs: number, now: number): Promise<number[]> {
    if (count === 0) return [];
    // One statement: concurrent reservations get disjoint slots.
    const row = await this.db
      .prepare("UPDATE sources SET next_fetch_ms = max(next_fetch_ms, ?) + ? WHERE tenant_id = ? AND id = ? RETURNING next_fetch_ms")
      .bind(now, count * intervalMs, tenantId, sourceId)
      .first<{ next_fetch_ms: number }>();
    const end = row?.next_fetch_ms ?? now + count * intervalMs;
    const first = end - count * intervalMs;
    return Array.from({ length: count }, (_, i) => first + i * intervalMs);
  }

  async due(now: Date, limit: number): Promise<Array<{ tenantId: string; id: string }>> {
    const { results } = await this.db
      .prepare("SELECT tenant_id, id FROM sources WHERE next_sync_at IS NOT NULL AND next_sync_at <= ? AND state != 'discovering' ORDER BY next_sync_at LIMIT ?")
      .bind(now.toISOString(), limit)
      .all<{ tenant_id: string; id: string }>();
    return results.map((row) => ({ tenantId: row.tenant_id, id: row.id }));
  }

  async ownDocumentIds(tenantId: string, sourceId: string): Promise<string[]> {
    const { results } = await this.db
      .prepare(
        `SELECT DISTINCT p.document_id FROM source_pages p
         WHERE p.tenant_id = ?1 AND p.source_id = ?2
           AND NOT EXISTS (SELECT 1 FROM source_pages o WHERE o.tenant_id = ?1 AND o.document_id = p.document_id AND o.source_id != ?2)`,
      )
      .bind(tenantId, sourceId)
      .all<{ document_id: string }>();
    return results.map((row) => row.document_id);
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const [, source] = await this.db.batch([
      this.db.prepare("DELETE FROM source_pages WHERE tenant_id = ? AND source_id = ?").bind(tenantId, id),
      this.db.prepare("DELETE FROM sources WHERE tenant_id = ? AND id = ?").bind(tenantId, id),
    ]);
    return source!.meta.changes > 0;
  }
}

function toRecord(row: SourceRow): SourceRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    type: "website",
    url: row.url,
    sitemap: row.sitemap,
    include: JSON.parse(row.include_patterns) as string[],
    exclude: JSON.parse(row.exclude_patterns) as string[],
    maxPages: row.max_pages,
    maxDepth: row.max_depth,
    schedule: row.schedule,
    state: row.state,
    error: row.error,
    discovery: row.discovery,
    robotsTxt: row.robots_txt,
    syncs: row.syncs,
    createdAt: row.created_at,
    lastSyncAt: row.last_sync_at,
    nextSyncAt: row.next_sync_at,
  };
}

function toPage(row: PageRow): SourcePage {
  return { url: row.url, documentId: row.document_id, depth: row.depth, status: row.status, error: row.error, etag: row.etag, lastModified: row.last_modified };
}
