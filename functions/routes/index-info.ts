/**
 * Index-level routes:
 * - GET /v1/index/stats: documents per state and searchable chunks;
 * - GET /v1/index/settings, PUT /v1/index/settings: the index's search
 *   settings — fusion (method, RRF k, leg weights, normalisation), e.g. as
 *   calibrated by `npm run bench:quality -- --calibrate`, and reranking
 *   (on by default or not, candidates). A part set to `null` returns to the
 *   worker's defaults (HYBRID_* and RERANK_* variables). Settings are per
 *   tenant: a tenant's admin key changes its own.
 */
import { Hono } from "hono";
import type { SearchSettings } from "../../src/services/index-settings.js";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { readJson } from "../middleware/json-body.js";
import { indexSettingsSchema } from "../schemas.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import { indexSettingsViewSchema, indexStatsSchema } from "../response-schemas.js";

export const indexRoutes = new Hono<AppEnv>()
  .get("/stats", requireScope("ingest", "query"), async (c) => c.json(await c.var.services.documents.stats(c.var.tenantId)))
  .get("/settings", requireScope("ingest", "query"), async (c) => c.json(toView(await c.var.services.settings.get(c.var.tenantId))))
  .put("/settings", requireScope("admin"), async (c) => {
    const body = await readJson(c, indexSettingsSchema, { maxBytes: 4096 });
    const { services } = c.var;
    const fusion =
      body.fusion === undefined || body.fusion === null
        ? body.fusion
        : {
            ...(body.fusion.method === undefined ? {} : { method: body.fusion.method }),
            ...(body.fusion.k === undefined ? {} : { k: body.fusion.k }),
            ...(body.fusion.keyword_weight === undefined ? {} : { keywordWeight: body.fusion.keyword_weight }),
            ...(body.fusion.vector_weight === undefined ? {} : { vectorWeight: body.fusion.vector_weight }),
            ...(body.fusion.normalization === undefined ? {} : { normalization: body.fusion.normalization }),
          };
    const updated = await services.settings.update(c.var.tenantId, { fusion, rerank: body.rerank });
    return c.json(toView(updated));
  });

function toView(settings: SearchSettings) {
  const { fusion, rerank, source, rerankModel } = settings;
  return {
    fusion: {
      method: fusion.method,
      k: fusion.k,
      keyword_weight: fusion.keywordWeight,
      vector_weight: fusion.vectorWeight,
      normalization: fusion.normalization,
    },
    rerank: { enabled: rerank.enabled, candidates: rerank.candidates, model: rerankModel },
    source,
  };
}

/** API reference (functions/openapi/). */
export const indexOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/v1/index/stats",
    operationId: "getIndexStats",
    summary: "Documents per state and searchable chunks",
    tags: ["Index"],
    auth: keyWith("ingest", "query"),
    responses: { 200: { description: "The tenant's index", json: named("IndexStats", indexStatsSchema) } },
  },
  {
    method: "get",
    path: "/v1/index/settings",
    operationId: "getIndexSettings",
    summary: "The index's search settings",
    tags: ["Index"],
    auth: keyWith("ingest", "query"),
    responses: { 200: { description: "Fusion and reranking settings in effect", json: named("IndexSettings", indexSettingsViewSchema) } },
  },
  {
    method: "put",
    path: "/v1/index/settings",
    operationId: "updateIndexSettings",
    summary: "Change the index's search settings",
    description: "Fusion (method, RRF k, leg weights, normalisation) and reranking (on by default or not, candidates), per tenant. A part set to `null` returns to the worker's defaults; an absent part is left as it is.",
    tags: ["Index"],
    auth: keyWith("admin"),
    body: named("IndexSettingsInput", indexSettingsSchema),
    responses: { 200: { description: "The settings now in effect", json: named("IndexSettings", indexSettingsViewSchema) } },
  },
];
