/**
 * DELETE /v1/cache: empties the caller's tenant's answer cache (admin).
 * Entries go stale by themselves when the tenant's documents or index
 * settings change, and expire after ANSWER_CACHE_TTL_SECONDS; this is for
 * what the cache key cannot see, e.g. a deployment that changed how answers
 * are written.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import { answerCachePurgeSchema } from "../response-schemas.js";

export const answerCacheRoutes = new Hono<AppEnv>().delete("/", requireScope("admin"), async (c) => {
  const deleted = await c.var.services.answerCache.purge(c.var.tenantId);
  c.var.services.log.info("answer_cache.purged", { tenant_id: c.var.tenantId, deleted });
  return c.json({ deleted });
});

/** API reference (functions/openapi/). */
export const answerCacheOperations: ApiOperation[] = [
  {
    method: "delete",
    path: "/v1/cache",
    operationId: "purgeAnswerCache",
    summary: "Empty the tenant's answer cache",
    description:
      "Removes every cached chat answer of the caller's tenant. Not needed after ingesting or deleting documents or changing index settings (those invalidate cached answers at once); useful after a deployment that changes how answers are written.",
    tags: ["Search and chat"],
    auth: keyWith("admin"),
    responses: { 200: { description: "The cache is empty", json: named("AnswerCachePurged", answerCachePurgeSchema) } },
  },
];
