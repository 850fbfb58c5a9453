/**
 * POST /v1/search: hybrid, vector or keyword search over the tenant's
 * documents. Answers with a `Server-Timing` header (embed, vector, keyword,
 * fuse, rerank, total) and puts the result count on the request's log line.
 * The widget's search mode calls it from other sites: publishable keys may
 * (from their allowed origins, with CORS from functions/app.ts), limited per
 * client address by `search_per_minute_per_ip` as chat is by its own figure,
 * and to at most `publishableSearchMaxTopK` results a request (a larger
 * `top_k` is a 400, not silently clamped, so a caller learns the limit).
 * `rerank` stays open to them, as it is on chat (one reranker call over the
 * tenant's configured candidates per request, inside the same rate limits).
 */
import { Hono } from "hono";
import { formatServerTiming, serverTimingMetrics } from "../../src/core/observability/server-timing.js";
import { parseMetadataFilter } from "../../src/core/search/metadata-filter.js";
import { AppError } from "../../src/core/errors.js";
import type { AppEnv } from "../context.js";
import { hasScope, requireScope } from "../middleware/auth.js";
import { rateLimit } from "../middleware/rate-limit.js";
import { readJson } from "../middleware/json-body.js";
import { reservedFilterKeys, searchSchema } from "../schemas.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import { searchResponseSchema } from "../response-schemas.js";

/** The Server-Timing metrics of a search, in pipeline order. */
export const searchServerTimings = ["embed", "vector", "keyword", "hydrate", "fuse", "rerank", "total"] as const;

/**
 * The largest `top_k` a publishable key may ask for: the widget's search mode
 * asks for 8; chat sends at most 20 sources, trimmed to a prompt budget. A
 * public key should not page through a tenant's passages 50 at a time.
 */
export const publishableSearchMaxTopK = 10;

export const searchRoutes = new Hono<AppEnv>().post("/", requireScope("query", "publishable"), rateLimit({ action: "search" }), async (c) => {
  const body = await readJson(c, searchSchema, { maxBytes: 64 * 1024 });
  // Admitted by `publishable` alone (not `query` or `admin`): the public cap.
  if (!hasScope(c.var.access.scopes, ["query"]) && body.top_k > publishableSearchMaxTopK) {
    const message = `at most ${publishableSearchMaxTopK} with a publishable key`;
    throw new AppError("VALIDATION_FAILED", `top_k: ${message}`, { details: [{ path: "top_k", message }] });
  }
  const filter = body.filter === undefined ? undefined : parseMetadataFilter(body.filter, { reservedKeys: reservedFilterKeys });
  const response = await c.var.services.search.search({
    tenantId: c.var.tenantId,
    query: body.query,
    topK: body.top_k,
    mode: body.mode,
    filter,
    rerank: body.rerank,
    spans: c.var.spans,
  });
  c.var.requestCounts.results = response.results.length;
  c.header("Server-Timing", formatServerTiming(serverTimingMetrics({ ...response.timings }, searchServerTimings)));
  return c.json(response);
});

/** API reference (functions/openapi/). */
export const searchOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/v1/search",
    operationId: "search",
    summary: "Search the tenant's documents",
    description:
      "Hybrid (BM25 and vector, fused), vector or keyword search. `filter` uses Vectorize's syntax on metadata and `document_id` (`$eq $ne $in $nin $lt $lte $gt $gte`) and applies inside both legs. `top_k` is capped at 50 unless `SEARCH_MAX_TOP_K` says otherwise. Answers with a `Server-Timing` header. Callable cross-origin (CORS) and with publishable keys (the widget's search mode); with a publishable key `top_k` is at most " +
      publishableSearchMaxTopK +
      " (more is a 400).",
    tags: ["Search and chat"],
    auth: keyWith("query", "publishable"),
    rateLimited: true,
    body: named("SearchRequest", searchSchema),
    responses: { 200: { description: "Results, best first", json: named("SearchResponse", searchResponseSchema) } },
  },
];
