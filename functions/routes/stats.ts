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

export const statsRoutes = new Hono<AppEnv>().get("/", requireScope("admin"), async (c) =>
  c.json(await c.var.services.stats.stats(c.var.tenantId, { operator: c.var.access.operator })),
);
