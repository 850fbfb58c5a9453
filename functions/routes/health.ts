/** GET /health (no key): mode, models, and whether the index is usable. */
import { Hono } from "hono";
import type { AppEnv } from "../context.js";

export const healthRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const report = await c.var.services.health.check();
  if (report.status !== "ok") c.header("Retry-After", "30");
  return c.json(report, report.status === "ok" ? 200 : 503);
});
