/**
 * Consistency check of a deployed instance (admin): `POST /v1/consistency`
 * checks the caller's tenant (the operator picks one with `X-Tenant-Id`) and,
 * with `repair: true`, fixes what it can; `GET /v1/consistency/index`
 * (operator) compares the vector index's size with what D1 accounts for.
 * `npm run check:consistency` drives both for every tenant.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { requireOperator, requireScope } from "../middleware/auth.js";
import { readJson } from "../middleware/json-body.js";
import { consistencySchema } from "../schemas.js";

export const consistencyRoutes = new Hono<AppEnv>()
  .use(requireScope("admin"))
  .post("/", async (c) => {
    const body = await readJson(c, consistencySchema, { maxBytes: 4096 });
    return c.json(await c.var.services.consistency.check(c.var.tenantId, { repair: body.repair, cursor: body.cursor, pageSize: body.page_size }));
  })
  .get("/index", requireOperator(), async (c) => c.json(await c.var.services.consistency.checkIndex()));
