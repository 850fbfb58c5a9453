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
import { keyIdSchema, keyListQuerySchema, newKeySchema } from "../schemas.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import { createdKeySchema, keyListSchema } from "../response-schemas.js";

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
    if (!keyIdSchema.safeParse(id).success) throw new AppError("NOT_FOUND", "no such key");
    await services.tenants.revokeKey(id, access.operator ? undefined : access.tenantId);
    return c.body(null, 204);
  });

/** API reference (functions/openapi/). */
export const keyOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/v1/keys",
    operationId: "createKey",
    summary: "Create an API key",
    description:
      "`scopes`: any of `admin`, `ingest`, `query`, or `[\"publishable\"]` alone (chat, search — at most 10 results a request — and feedback only, from the listed `origins`). Without `tenant_id`, the caller's tenant; a tenant's admin key creates keys for its own tenant only. The key string is in this answer only (it is stored as a hash).",
    tags: ["Tenants and keys"],
    auth: keyWith("admin"),
    body: named("NewKey", newKeySchema),
    responses: { 201: { description: "The new key, with the key string", json: named("CreatedKey", createdKeySchema) } },
    errors: [404],
  },
  {
    method: "get",
    path: "/v1/keys",
    operationId: "listKeys",
    summary: "List API keys",
    description: "Never the key strings. `tenant_id` is for the operator; a tenant's admin key lists its own tenant's keys.",
    tags: ["Tenants and keys"],
    auth: keyWith("admin"),
    query: keyListQuerySchema,
    responses: { 200: { description: "The keys", json: named("KeyList", keyListSchema) } },
  },
  {
    method: "delete",
    path: "/v1/keys/{id}",
    operationId: "revokeKey",
    summary: "Revoke an API key",
    description: "Effective on the next request. Another tenant's key is a 404.",
    tags: ["Tenants and keys"],
    auth: keyWith("admin"),
    pathParams: { id: keyIdSchema },
    responses: { 204: { description: "Revoked" } },
  },
];
