/** Tenants and API keys on D1. */
import type { Scope } from "../../core/api-keys.js";
import type { KeyRecord, TenantRecord, TenantStore } from "../../ports/tenant-store.js";
import { now } from "./d1-version-rules.js";

interface TenantRow {
  id: string;
  name: string;
  limits: string;
  created_at: string;
  deleted_at: string | null;
}

interface KeyRow {
  id: string;
  tenant_id: string;
  secret_hash: string;
  scopes: string;
  origins: string | null;
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

const keyColumns = "id, tenant_id, secret_hash, scopes, origins, name, created_at, revoked_at";

export class D1TenantStore implements TenantStore {
  constructor(private readonly db: D1Database) {}

  async createTenant(id: string, name: string): Promise<TenantRecord> {
    const row = await this.db
      .prepare("INSERT INTO tenants (id, name) VALUES (?, ?) RETURNING id, name, limits, created_at, deleted_at")
      .bind(id, name)
      .first<TenantRow>();
    return toTenant(row!);
  }

  async getTenant(id: string): Promise<TenantRecord | null> {
    const row = await this.db.prepare("SELECT id, name, limits, created_at, deleted_at FROM tenants WHERE id = ?").bind(id).first<TenantRow>();
    return row ? toTenant(row) : null;
  }

  async listTenants(): Promise<TenantRecord[]> {
    const { results } = await this.db
      .prepare("SELECT id, name, limits, created_at, deleted_at FROM tenants WHERE deleted_at IS NULL ORDER BY created_at, id")
      .all<TenantRow>();
    return results.map(toTenant);
  }

  async setTenantLimits(id: string, limits: Record<string, number>): Promise<void> {
    await this.db.prepare("UPDATE tenants SET limits = ? WHERE id = ? AND deleted_at IS NULL").bind(JSON.stringify(limits), id).run();
  }

  async markTenantDeleted(id: string): Promise<boolean> {
    const [marked] = await this.db.batch<{ id: string }>([
      this.db.prepare(`UPDATE tenants SET deleted_at = ${now} WHERE id = ? AND deleted_at IS NULL RETURNING id`).bind(id),
      this.db.prepare(`UPDATE api_keys SET revoked_at = ${now} WHERE tenant_id = ? AND revoked_at IS NULL`).bind(id),
    ]);
    return (marked?.results.length ?? 0) > 0;
  }

  async createKey(record: Omit<KeyRecord, "createdAt" | "revokedAt">): Promise<KeyRecord> {
    const row = await this.db
      .prepare(`INSERT INTO api_keys (id, tenant_id, secret_hash, scopes, origins, name) VALUES (?, ?, ?, ?, ?, ?) RETURNING ${keyColumns}`)
      .bind(record.id, record.tenantId, record.secretHash, JSON.stringify(record.scopes), record.origins ? JSON.stringify(record.origins) : null, record.name)
      .first<KeyRow>();
    return toKey(row!);
  }

  async findKey(id: string): Promise<{ key: KeyRecord; tenantDeleted: boolean; tenantLimits: Record<string, number> } | null> {
    const row = await this.db
      .prepare(`SELECT ${keyColumns.split(", ").map((column) => `k.${column}`).join(", ")}, t.deleted_at AS tenant_deleted_at, t.limits AS tenant_limits FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?`)
      .bind(id)
      .first<KeyRow & { tenant_deleted_at: string | null; tenant_limits: string }>();
    return row ? { key: toKey(row), tenantDeleted: row.tenant_deleted_at !== null, tenantLimits: JSON.parse(row.tenant_limits) as Record<string, number> } : null;
  }

  async listKeys(tenantId?: string): Promise<KeyRecord[]> {
    const statement =
      tenantId === undefined
        ? this.db.prepare(`SELECT ${keyColumns} FROM api_keys ORDER BY created_at, id`)
        : this.db.prepare(`SELECT ${keyColumns} FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id`).bind(tenantId);
    const { results } = await statement.all<KeyRow>();
    return results.map(toKey);
  }

  async revokeKey(id: string, tenantId?: string): Promise<boolean> {
    const statement =
      tenantId === undefined
        ? this.db.prepare(`UPDATE api_keys SET revoked_at = ${now} WHERE id = ? AND revoked_at IS NULL RETURNING id`).bind(id)
        : this.db.prepare(`UPDATE api_keys SET revoked_at = ${now} WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL RETURNING id`).bind(id, tenantId);
    const { results } = await statement.all();
    return results.length > 0;
  }

  async deleteTenantDocuments(tenantId: string, limit: number): Promise<number> {
    // The same `limit` documents (first by id) in every statement of one atomic batch: their
    // rows get vector sets if they had none, their sets are marked stale, then rows and documents go.
    const slice = "SELECT id FROM documents WHERE tenant_id = ?1 ORDER BY id LIMIT ?2";
    const results = await this.db.batch<{ id: string }>([
      this.db
        .prepare(
          `INSERT OR IGNORE INTO vector_sets (tenant_id, document_id, incarnation, version, count, stale_at)
           SELECT c.tenant_id, c.document_id, d.incarnation, c.version, MAX(c.seq) + 1, ${now}
           FROM chunks c JOIN documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
           WHERE c.tenant_id = ?1 AND c.document_id IN (${slice})
           GROUP BY c.document_id, c.version`,
        )
        .bind(tenantId, limit),
      this.db.prepare(`UPDATE vector_sets SET stale_at = COALESCE(stale_at, ${now}) WHERE tenant_id = ?1 AND document_id IN (${slice})`).bind(tenantId, limit),
      this.db.prepare(`DELETE FROM chunks WHERE tenant_id = ?1 AND document_id IN (${slice})`).bind(tenantId, limit),
      this.db.prepare(`DELETE FROM documents WHERE tenant_id = ?1 AND id IN (${slice}) RETURNING id`).bind(tenantId, limit),
    ]);
    return results[3]?.results.length ?? 0;
  }

  async deleteTenantRows(tenantId: string): Promise<boolean> {
    // Only a tenant marked deleted whose documents are all gone. Children first (foreign keys).
    // Its vector sets outlive it: the sweeper purges them once their lease is over.
    const ready = "EXISTS (SELECT 1 FROM tenants WHERE id = ?1 AND deleted_at IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM documents WHERE tenant_id = ?1)";
    const results = await this.db.batch<{ id: string }>([
      ...["chunks", "feedback", "api_keys", "source_pages", "sources", "answer_cache_bands", "answer_cache", "content_versions"].map((table) => this.db.prepare(`DELETE FROM ${table} WHERE tenant_id = ?1 AND ${ready}`).bind(tenantId)),
      this.db.prepare(`DELETE FROM tenants WHERE id = ?1 AND ${ready} RETURNING id`).bind(tenantId),
    ]);
    return (results[results.length - 1]?.results.length ?? 0) > 0;
  }



}

function toTenant(row: TenantRow): TenantRecord {
  return { id: row.id, name: row.name, limits: JSON.parse(row.limits) as Record<string, number>, createdAt: row.created_at, deletedAt: row.deleted_at };
}

function toKey(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    secretHash: row.secret_hash,
    scopes: JSON.parse(row.scopes) as Scope[],
    origins: row.origins === null ? null : (JSON.parse(row.origins) as string[]),
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
