/** GET /health (no key): mode, models, and whether the index is usable. */
import { Hono } from "hono";
import { AppError } from "../../src/core/errors.js";
import type { AppEnv } from "../context.js";

export const healthRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const { services } = c.var;
  const base = { mode: services.config.mode, generator: { model: services.generator.model } };
  try {
    const embedder = await services.guard.check();
    return c.json({ status: "ok", ...base, embedder });
  } catch (error) {
    const problem = error instanceof AppError ? { code: error.code, message: error.message } : { code: "INTERNAL", message: "health check failed" };
    if (!(error instanceof AppError)) services.log.error("health.failed", { error: String(error) });
    return c.json({ status: "error", ...base, embedder: { model: services.embedder.model }, error: problem }, 503);
  }
});
