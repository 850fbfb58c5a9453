/** POST /v1/search: hybrid, vector or keyword search over the tenant's documents. */
import { Hono } from "hono";
import { parseMetadataFilter } from "../../src/core/search/metadata-filter.js";
import type { AppEnv } from "../context.js";
import { readJson } from "../middleware/json-body.js";
import { reservedFilterKeys, searchSchema } from "../schemas.js";

export const searchRoutes = new Hono<AppEnv>().post("/", async (c) => {
  const body = await readJson(c, searchSchema, { maxBytes: 64 * 1024 });
  const filter = body.filter === undefined ? undefined : parseMetadataFilter(body.filter, { reservedKeys: reservedFilterKeys });
  const response = await c.var.services.search.search({
    tenantId: c.var.tenantId,
    query: body.query,
    topK: body.top_k,
    mode: body.mode,
    filter,
  });
  return c.json(response);
});
