/**
 * GET /v1/stats (admin): the caller's tenant at a glance (the operator picks
 * one with `X-Tenant-Id`) — documents by status, backlog, searchable chunks
 * and vectors, recent error and ingestion-failure rates, provider breakers;
 * the operator also gets the vector index's size. See
 * src/services/stats-service.ts for where each figure comes from.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import { tenantStatsSchema } from "../response-schemas.js";

export const statsRoutes = new Hono<AppEnv>().get("/", requireScope("admin"), async (c) =>
  c.json(await c.var.services.stats.stats(c.var.tenantId, { operator: c.var.access.operator })),
);

/** API reference (functions/openapi/). */
export const statsOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/v1/stats",
    operationId: "getStats",
    summary: "The tenant at a glance",
    description: "Documents by status, backlog, chunks and vectors, recent error and ingestion-failure rates, provider breakers; the operator (who picks a tenant with `X-Tenant-Id`) also gets the vector index's size.",
    tags: ["Operations"],
    auth: keyWith("admin"),
    responses: { 200: { description: "Figures for the tenant", json: named("TenantStats", tenantStatsSchema) } },
  },
];
