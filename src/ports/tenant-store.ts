/**
 * Port: tenants and their API keys (D1: `adapters/cloudflare/d1-tenant-store.ts`).
 */
import type { Scope } from "../core/api-keys.js";

export interface TenantRecord {
  id: string;
  name: string;
  /** Per-tenant overrides of rate limits and budgets. */
  limits: Record<string, number>;
  createdAt: string;
  deletedAt: string | null;
}

export interface KeyRecord {
  id: string;
  tenantId: string;
  secretHash: string;
  scopes: Scope[];
  origins: string[] | null;
  name: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface TenantStore {
  createTenant(id: string, name: string): Promise<TenantRecord>;
  getTenant(id: string): Promise<TenantRecord | null>;
  /** Tenants not being deleted, oldest first. */
  listTenants(): Promise<TenantRecord[]>;
  setTenantLimits(id: string, limits: Record<string, number>): Promise<void>;
  /** Marks the tenant deleted and revokes its keys, in one step. False if it does not exist (or already is). */
  markTenantDeleted(id: string): Promise<boolean>;

  createKey(record: Omit<KeyRecord, "createdAt" | "revokedAt">): Promise<KeyRecord>;
  /** The key, whether its tenant is being deleted, and the tenant's limit overrides. */
  findKey(id: string): Promise<{ key: KeyRecord; tenantDeleted: boolean; tenantLimits: Record<string, number> } | null>;
  listKeys(tenantId?: string): Promise<KeyRecord[]>;
  /** Revokes a key (of `tenantId`, when given). False if there was no such active key. */
  revokeKey(id: string, tenantId?: string): Promise<boolean>;

  /** Deletes up to `limit` of a tenant's documents with their chunks (vectors stay accounted for by their vector sets); returns how many. */
  deleteTenantDocuments(tenantId: string, limit: number): Promise<number>;
  /**
   * Removes the deleted tenant and every remaining row of it (feedback, keys),
   * once none of its documents is left; false (nothing removed) otherwise.
   * Its vector sets stay until the sweeper has purged them.
   */
  deleteTenantRows(tenantId: string): Promise<boolean>;
}
