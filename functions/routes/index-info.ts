/** GET /v1/index/stats: how many documents are in each state, and how many chunks are searchable. */
import { Hono } from "hono";
import type { AppEnv } from "../context.js";

export const indexRoutes = new Hono<AppEnv>().get("/stats", async (c) => {
  return c.json(await c.var.services.store.stats(c.var.tenantId));
});
