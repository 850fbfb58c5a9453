/**
 * Tenants (admin): the operator's key (API_KEY) creates, lists and deletes
 * tenants; a tenant's own admin key sees only its tenant.
 */
import { Hono } from "hono";
import type { TenantRecord } from "../../src/ports/tenant-store.js";
import type { AppEnv } from "../context.js";
import { requireOperator, requireScope } from "../middleware/auth.js";
import { readJson } from "../middleware/json-body.js";
import { newTenantSchema, tenantLimitsSchema, tenantIdSchema } from "../schemas.js";
import { keyWith, named, operatorOnly, type ApiOperation } from "../openapi/api-operation.js";
import { tenantDeletingSchema, tenantListSchema, tenantViewSchema } from "../response-schemas.js";
import { AppError } from "../../src/core/errors.js";

export const tenantRoutes = new Hono<AppEnv>()
  .use(requireScope("admin"))
  .post("/", requireOperator(), async (c) => {
    const { name } = await readJson(c, newTenantSchema, { maxBytes: 4096 });
    return c.json(toView(await c.var.services.tenants.create(name)), 201);
  })
  .get("/", async (c) => {
    const { access, services } = c.var;
    const tenants = access.operator ? await services.tenants.list() : [await services.tenants.get(access.tenantId)];
    return c.json({ tenants: tenants.map(toView) });
  })
  .get("/:id", async (c) => c.json(toView(await c.var.services.tenants.get(ownTenant(c.var.access, c.req.param("id"))))))
  .put("/:id/limits", requireOperator(), async (c) => {
    const limits = await readJson(c, tenantLimitsSchema, { maxBytes: 4096 });
    return c.json(toView(await c.var.services.tenants.setLimits(tenantId(c.req.param("id")), limits)));
  })
  .delete("/:id", requireOperator(), async (c) => {
    const id = tenantId(c.req.param("id"));
    await c.var.services.tenants.delete(id);
    return c.json({ id, status: "deleting" }, 202);
  });

function toView(tenant: TenantRecord) {
  return { id: tenant.id, name: tenant.name, limits: tenant.limits, created_at: tenant.createdAt };
}

function tenantId(raw: string): string {
  const parsed = tenantIdSchema.safeParse(raw);
  if (!parsed.success) throw new AppError("NOT_FOUND", `tenant "${raw.slice(0, 64)}" does not exist`);
  return parsed.data;
}

/** A tenant admin may read only its own tenant (others look absent). */
function ownTenant(access: { operator: boolean; tenantId: string }, raw: string): string {
  const id = tenantId(raw);
  if (!access.operator && id !== access.tenantId) throw new AppError("NOT_FOUND", `tenant "${id}" does not exist`);
  return id;
}

const tenantPath = { id: tenantIdSchema };

/** API reference (functions/openapi/). */
export const tenantOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/v1/tenants",
    operationId: "createTenant",
    summary: "Create a tenant",
    tags: ["Tenants and keys"],
    auth: operatorOnly,
    body: named("NewTenant", newTenantSchema),
    responses: { 201: { description: "The new tenant", json: named("Tenant", tenantViewSchema) } },
  },
  {
    method: "get",
    path: "/v1/tenants",
    operationId: "listTenants",
    summary: "List tenants",
    description: "The operator sees every tenant; a tenant's admin key its own.",
    tags: ["Tenants and keys"],
    auth: keyWith("admin"),
    responses: { 200: { description: "The tenants", json: named("TenantList", tenantListSchema) } },
  },
  {
    method: "get",
    path: "/v1/tenants/{id}",
    operationId: "getTenant",
    summary: "A tenant",
    description: "A tenant's admin key sees its own tenant only (others are 404).",
    tags: ["Tenants and keys"],
    auth: keyWith("admin"),
    pathParams: tenantPath,
    responses: { 200: { description: "The tenant", json: named("Tenant", tenantViewSchema) } },
  },
  {
    method: "put",
    path: "/v1/tenants/{id}/limits",
    operationId: "setTenantLimits",
    summary: "Set a tenant's rate limits and budgets",
    description: "Replaces the tenant's overrides (`{}` returns to the defaults); applies from the next request.",
    tags: ["Tenants and keys"],
    auth: operatorOnly,
    pathParams: tenantPath,
    body: named("TenantLimits", tenantLimitsSchema),
    responses: { 200: { description: "The tenant with its new limits", json: named("Tenant", tenantViewSchema) } },
  },
  {
    method: "delete",
    path: "/v1/tenants/{id}",
    operationId: "deleteTenant",
    summary: "Delete a tenant",
    description: "Its keys stop working at once; its documents, chunks, vectors, feedback and keys are purged through the queue. `default` cannot be deleted (409).",
    tags: ["Tenants and keys"],
    auth: operatorOnly,
    pathParams: tenantPath,
    responses: { 202: { description: "Being deleted", json: named("TenantDeleting", tenantDeletingSchema) } },
    errors: [409],
  },
];
