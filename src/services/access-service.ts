/**
 * Who is calling: turns a bearer key into an access context (tenant, scopes,
 * allowed origins). The operator's bootstrap key (API_KEY) is compared in
 * constant time and acts on the default tenant unless it names another;
 * every other key is looked up by the id in its string and checked against
 * its stored hash, its revocation and its tenant's deletion — on every
 * request, so revocation is effective at once.
 */
import { digestsEqual, hashKey, parseKey, type Scope } from "../core/api-keys.js";
import { AppError } from "../core/errors.js";
import type { TenantStore } from "../ports/tenant-store.js";

export const defaultTenantId = "default";

export interface AccessContext {
  /** "bootstrap" for the API_KEY secret, else the key's id. */
  keyId: string;
  tenantId: string;
  scopes: readonly Scope[];
  /** The operator's bootstrap key: may manage every tenant and act on any. */
  operator: boolean;
  /** Allowed origins of a publishable key; null for secret keys. */
  origins: readonly string[] | null;
  /** The key's tenant's rate-limit overrides (PUT /v1/tenants/:id/limits), read with the key. */
  limits?: Readonly<Record<string, number>>;
}

export class AccessService {
  constructor(
    private readonly deps: {
      tenants: TenantStore;
      /** The API_KEY secret; undefined when it is not configured. */
      bootstrapKey: string | undefined;
    },
  ) {}

  async authenticate(key: string): Promise<AccessContext> {
    const { bootstrapKey } = this.deps;
    if (bootstrapKey !== undefined && digestsEqual(await hashKey(key), await hashKey(bootstrapKey))) {
      return { keyId: "bootstrap", tenantId: defaultTenantId, scopes: ["admin"], operator: true, origins: null };
    }
    const parsed = parseKey(key);
    if (!parsed) {
      // Without the API_KEY secret only stored keys can work; say why the rest fail.
      if (bootstrapKey === undefined) throw new AppError("MISCONFIGURED", "the API_KEY secret is not set; set it with `wrangler secret put API_KEY`");
      throw invalidKey();
    }
    const found = await this.deps.tenants.findKey(parsed.id);
    if (!found || found.key.revokedAt !== null || found.tenantDeleted) throw invalidKey();
    if (!digestsEqual(await hashKey(key), found.key.secretHash)) throw invalidKey();
    return { keyId: found.key.id, tenantId: found.key.tenantId, scopes: found.key.scopes, operator: false, origins: found.key.origins, limits: found.tenantLimits };
  }

  /** The operator's key may act on another tenant by naming it; other keys act on their own only. */
  async actOn(access: AccessContext, tenantId: string | undefined): Promise<AccessContext> {
    if (tenantId === undefined || tenantId === access.tenantId) return access;
    if (!access.operator) throw new AppError("FORBIDDEN", "this key can only act on its own tenant");
    const tenant = await this.deps.tenants.getTenant(tenantId);
    if (!tenant || tenant.deletedAt !== null) throw new AppError("NOT_FOUND", `tenant "${tenantId}" does not exist`);
    return { ...access, tenantId };
  }
}

function invalidKey(): AppError {
  return new AppError("UNAUTHORIZED", "invalid or revoked API key");
}
