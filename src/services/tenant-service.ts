/**
 * Tenants and their keys. Creating a key returns its secret once; only a
 * hash is kept. Deleting a tenant revokes its keys and hides its data at
 * once, then purges documents, chunks and vectors through the queue.
 */
import { generateKey, hashKey, validOriginEntry, type Scope } from "../core/api-keys.js";
import { AppError } from "../core/errors.js";
import type { IngestQueue } from "../ports/ingest-queue.js";
import type { KeyRecord, TenantRecord, TenantStore } from "../ports/tenant-store.js";
import { defaultTenantId } from "./access-service.js";
import type { Logger } from "./logger.js";

export interface NewKey {
  tenant_id: string;
  scopes: Scope[];
  origins?: string[];
  name?: string;
}

export interface KeyView {
  id: string;
  tenant_id: string;
  scopes: Scope[];
  origins: string[] | null;
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

export class TenantService {
  constructor(private readonly deps: { tenants: TenantStore; queue: IngestQueue; log: Logger }) {}

  async create(name: string): Promise<TenantRecord> {
    const id = `t_${[...crypto.getRandomValues(new Uint8Array(8))].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
    return this.deps.tenants.createTenant(id, name);
  }

  async get(id: string): Promise<TenantRecord> {
    const tenant = await this.deps.tenants.getTenant(id);
    if (!tenant || tenant.deletedAt !== null) throw new AppError("NOT_FOUND", `tenant "${id}" does not exist`);
    return tenant;
  }

  list(): Promise<TenantRecord[]> {
    return this.deps.tenants.listTenants();
  }

  async setLimits(id: string, limits: Record<string, number>): Promise<TenantRecord> {
    await this.get(id);
    await this.deps.tenants.setTenantLimits(id, limits);
    return this.get(id);
  }

  /** Revokes the tenant's keys and hides it now; its data is purged in the background. */
  async delete(id: string): Promise<void> {
    if (id === defaultTenantId) throw new AppError("CONFLICT", "the default tenant cannot be deleted (the API_KEY secret acts on it)");
    if (!(await this.deps.tenants.markTenantDeleted(id))) throw new AppError("NOT_FOUND", `tenant "${id}" does not exist`);
    await this.deps.queue.send([{ kind: "purge-tenant", tenant_id: id }]);
    this.deps.log.warn("tenants.deleted", { tenant_id: id });
  }

  async createKey(input: NewKey): Promise<KeyView & { key: string }> {
    const tenant = await this.deps.tenants.getTenant(input.tenant_id);
    if (!tenant || tenant.deletedAt !== null) throw new AppError("NOT_FOUND", `tenant "${input.tenant_id}" does not exist`);
    const scopes = [...new Set(input.scopes)];
    const publishable = scopes.includes("publishable");
    if (publishable && scopes.length > 1) throw new AppError("VALIDATION_FAILED", "scopes: a publishable key has no other scope");
    if (publishable && (!input.origins || input.origins.length === 0)) {
      throw new AppError("VALIDATION_FAILED", "origins: a publishable key needs at least one allowed origin");
    }
    if (!publishable && input.origins !== undefined) throw new AppError("VALIDATION_FAILED", "origins: only publishable keys are bound to origins");
    const badOrigin = input.origins?.find((origin) => !validOriginEntry(origin));
    if (badOrigin !== undefined) {
      throw new AppError("VALIDATION_FAILED", `origins: "${badOrigin}" is not an origin (https://example.com) or a subdomain pattern (https://*.example.com)`);
    }
    const { id, key } = generateKey(publishable);
    const record = await this.deps.tenants.createKey({
      id,
      tenantId: tenant.id,
      secretHash: await hashKey(key),
      scopes,
      origins: publishable ? [...new Set(input.origins)] : null,
      name: input.name ?? null,
    });
    return { ...keyView(record), key };
  }

  async listKeys(tenantId?: string): Promise<KeyView[]> {
    return (await this.deps.tenants.listKeys(tenantId)).map(keyView);
  }

  async revokeKey(id: string, tenantId?: string): Promise<void> {
    if (!(await this.deps.tenants.revokeKey(id, tenantId))) throw new AppError("NOT_FOUND", `key "${id}" does not exist or is already revoked`);
  }
}

export function keyView(record: KeyRecord): KeyView {
  return {
    id: record.id,
    tenant_id: record.tenantId,
    scopes: record.scopes,
    origins: record.origins,
    name: record.name,
    created_at: record.createdAt,
    revoked_at: record.revokedAt,
  };
}
