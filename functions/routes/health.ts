/** GET /health (no key): mode, models, and whether the index is usable. */
import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { named, publicAccess, type ApiOperation } from "../openapi/api-operation.js";
import { healthOkSchema, healthProblemSchema } from "../response-schemas.js";

export const healthRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const report = await c.var.services.health.check();
  if (report.status !== "ok") c.header("Retry-After", "30");
  return c.json(report, report.status === "ok" ? 200 : 503);
});

/** API reference (functions/openapi/). */
export const healthOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/health",
    operationId: "getHealth",
    summary: "Service health",
    description: "The mode, the models in use, and whether the index is usable (the embedder and the index agree). A 503 carries `Retry-After`.",
    tags: ["Service"],
    auth: publicAccess,
    responses: {
      200: { description: "Ready to answer", json: named("HealthReport", healthOkSchema) },
      503: { description: "Not usable: the index and the embedder disagree, or the check failed", json: named("HealthProblem", healthProblemSchema) },
    },
  },
];
