/**
 * Consistency check of a deployed instance (admin): `POST /v1/consistency`
 * checks the caller's tenant (the operator picks one with `X-Tenant-Id`) and,
 * with `repair: true`, fixes what it can (the keyword index, shared by every
 * tenant, only for the operator); each call does a bounded number of vector
 * lookups and says `truncated` when it stopped at that bound; `GET /v1/consistency/index`
 * (operator) compares the vector index's size with what D1 accounts for.
 * `npm run check:consistency` drives both for every tenant.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { requireOperator, requireScope } from "../middleware/auth.js";
import { readJson } from "../middleware/json-body.js";
import { rateLimit } from "../middleware/rate-limit.js";
import { consistencySchema } from "../schemas.js";
import { keyWith, named, operatorOnly, type ApiOperation } from "../openapi/api-operation.js";
import { consistencyReportSchema, indexConsistencySchema } from "../response-schemas.js";

export const consistencyRoutes = new Hono<AppEnv>()
  .use(requireScope("admin"))
  .post("/", rateLimit({ action: "ingest" }), async (c) => {
    const body = await readJson(c, consistencySchema, { maxBytes: 4096 });
    const { services, tenantId, access } = c.var;
    return c.json(await services.consistency.check(tenantId, { repair: body.repair, cursor: body.cursor, pageSize: body.page_size, operator: access.operator }));
  })
  .get("/index", requireOperator(), async (c) => c.json(await c.var.services.consistency.checkIndex()));

/** API reference (functions/openapi/). */
export const consistencyOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/v1/consistency",
    operationId: "checkConsistency",
    summary: "Check (and repair) the tenant's index",
    description:
      "Checks D1, the keyword index and the vector index against each other for the caller's tenant; with `repair: true`, fixes what it can (the shared keyword index only for the operator). Each call makes a bounded number of vector lookups: continue with `next_cursor` while `truncated`.",
    tags: ["Operations"],
    auth: keyWith("admin"),
    rateLimited: true,
    body: named("ConsistencyCheckInput", consistencySchema),
    responses: { 200: { description: "What this page found", json: named("ConsistencyReport", consistencyReportSchema) } },
  },
  {
    method: "get",
    path: "/v1/consistency/index",
    operationId: "checkIndexConsistency",
    summary: "Compare the vector index's size with what D1 accounts for",
    tags: ["Operations"],
    auth: operatorOnly,
    responses: { 200: { description: "Vector counts", json: named("IndexConsistency", indexConsistencySchema) } },
  },
];
