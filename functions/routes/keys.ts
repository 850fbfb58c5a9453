/**
 * API keys (admin). The key string is in the creation response only; it is
 * stored as a hash. A tenant's admin key manages its own tenant's keys; the
 * operator's key manages any tenant's.
 */
import { Hono } from "hono";
import { AppError } from "../../src/core/errors.js";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { readJson, validate } from "../middleware/json-body.js";
import { keyListQuerySchema, newKeySchema } from "../schemas.js";

export const keyRoutes = new Hono<AppEnv>()
  .use(requireScope("admin"))
  .post("/", async (c) => {
    const { access, services } = c.var;
    const body = await readJson(c, newKeySchema, { maxBytes: 16 * 1024 });
    const tenantId = body.tenant_id ?? c.var.tenantId;
    if (!access.operator && tenantId !== access.tenantId) throw new AppError("FORBIDDEN", "this key can only create keys for its own tenant");
    return c.json(await services.tenants.createKey({ ...body, tenant_id: tenantId }), 201);
  })
  .get("/", async (c) => {
    const { access, services } = c.var;
    const query = validate(keyListQuerySchema, c.req.query());
    if (!access.operator && query.tenant_id !== undefined && query.tenant_id !== access.tenantId) {
      throw new AppError("FORBIDDEN", "this key can only list keys of its own tenant");
    }
    const tenantId = access.operator ? query.tenant_id : access.tenantId;
    return c.json({ keys: await services.tenants.listKeys(tenantId) });
  })
  .delete("/:id", async (c) => {
    const { access, services } = c.var;
    const id = c.req.param("id");
    if (!/^key_[0-9a-f]{16}$/.test(id)) throw new AppError("NOT_FOUND", "no such key");
    await services.tenants.revokeKey(id, access.operator ? undefined : access.tenantId);
    return c.body(null, 204);
  });
