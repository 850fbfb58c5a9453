/** Tenants and API keys on D1. */
import type { Scope } from "../../core/api-keys.js";
import type { KeyRecord, TenantRecord, TenantStore } from "../../ports/tenant-store.js";

const now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

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

  async tenantChunkIds(tenantId: string, limit: number): Promise<string[]> {
    const { results } = await this.db.prepare("SELECT id FROM chunks WHERE tenant_id = ? LIMIT ?").bind(tenantId, limit).all<{ id: string }>();
    return results.map((row) => row.id);
  }

  async deleteChunks(tenantId: string, ids: string[]): Promise<void> {
    const statements: D1PreparedStatement[] = [];
    for (let start = 0; start < ids.length; start += 98) {
      const group = ids.slice(start, start + 98);
      statements.push(this.db.prepare(`DELETE FROM chunks WHERE tenant_id = ? AND id IN (${group.map(() => "?").join(", ")})`).bind(tenantId, ...group));
    }
    if (statements.length > 0) await this.db.batch(statements);
  }

  async deleteTenantRows(tenantId: string): Promise<void> {
    await this.db.batch([
      this.db.prepare("DELETE FROM chunks WHERE tenant_id = ?").bind(tenantId),
      this.db.prepare("DELETE FROM documents WHERE tenant_id = ?").bind(tenantId),
      this.db.prepare("DELETE FROM feedback WHERE tenant_id = ?").bind(tenantId),
      this.db.prepare("DELETE FROM api_keys WHERE tenant_id = ?").bind(tenantId),
      this.db.prepare("DELETE FROM tenants WHERE id = ? AND deleted_at IS NOT NULL").bind(tenantId),
    ]);
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
