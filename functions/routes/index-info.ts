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
import { AppError } from "../../src/core/errors.js";
import type { SearchSettings } from "../../src/services/index-settings.js";
import type { Services } from "../../src/services/services.js";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { readJson } from "../middleware/json-body.js";
import { indexSettingsSchema } from "../schemas.js";

export const indexRoutes = new Hono<AppEnv>()
  .get("/stats", requireScope("ingest", "query"), async (c) => c.json(await c.var.services.store.stats(c.var.tenantId)))
  .get("/settings", requireScope("ingest", "query"), async (c) => c.json(toView(await c.var.services.settings.get(c.var.tenantId), c.var.services)))
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
    const current = await services.settings.get(c.var.tenantId);
    if (fusion) {
      const merged = { ...current.fusion, ...fusion };
      if (merged.keywordWeight === 0 && merged.vectorWeight === 0) {
        throw new AppError("VALIDATION_FAILED", "fusion: keyword_weight and vector_weight cannot both be 0");
      }
    }
    if (body.rerank?.enabled && !services.config.rerank.model) {
      throw new AppError("VALIDATION_FAILED", "rerank.enabled: no reranking model is configured (set RERANK_MODEL)");
    }
    const updated = await services.settings.update(c.var.tenantId, { fusion, rerank: body.rerank });
    return c.json(toView(updated, services));
  });

function toView(settings: SearchSettings, services: Services) {
  const { fusion, rerank, source } = settings;
  return {
    fusion: {
      method: fusion.method,
      k: fusion.k,
      keyword_weight: fusion.keywordWeight,
      vector_weight: fusion.vectorWeight,
      normalization: fusion.normalization,
    },
    rerank: { enabled: rerank.enabled, candidates: rerank.candidates, model: services.config.rerank.model ?? null },
    source,
  };
}
