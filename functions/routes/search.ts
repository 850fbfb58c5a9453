/** POST /v1/search: hybrid, vector or keyword search over the tenant's documents. */
import { Hono } from "hono";
import { AppError } from "../../src/core/errors.js";
import { parseMetadataFilter } from "../../src/core/search/metadata-filter.js";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { rateLimit } from "../middleware/rate-limit.js";
import { readJson } from "../middleware/json-body.js";
import { reservedFilterKeys, searchSchema } from "../schemas.js";

export const searchRoutes = new Hono<AppEnv>().post("/", requireScope("query"), rateLimit({ action: "search" }), async (c) => {
  const body = await readJson(c, searchSchema, { maxBytes: 64 * 1024 });
  const maxTopK = c.var.services.config.searchMaxTopK;
  if (body.top_k > maxTopK) {
    throw new AppError("VALIDATION_FAILED", `top_k: Too big: expected number to be <=${maxTopK}`, { details: [{ path: "top_k", message: `at most ${maxTopK} (SEARCH_MAX_TOP_K)` }] });
  }
  const filter = body.filter === undefined ? undefined : parseMetadataFilter(body.filter, { reservedKeys: reservedFilterKeys });
  const response = await c.var.services.search.search({
    tenantId: c.var.tenantId,
    query: body.query,
    topK: body.top_k,
    mode: body.mode,
    filter,
    rerank: body.rerank,
  });
  return c.json(response);
});
