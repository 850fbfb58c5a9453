/**
 * Search settings of a tenant's index (rather than of the deployment): the
 * hybrid fusion method and weights (calibrated per collection and embedder)
 * and whether searches rerank by default. Stored in D1 (`index_settings`,
 * keyed by tenant); the worker's variables are the defaults. One D1 read
 * fetches both. This service owns the settings' rules: fusion weights may not
 * both be 0, and reranking cannot be turned on without a reranking model.
 */
import { AppError } from "../core/errors.js";
import type { FusionSettings } from "../core/search/hybrid-fusion.js";
import type { RerankConfig } from "../config.js";
import type { DocumentStore } from "../ports/document-store.js";

const keys = (tenantId: string) => ({ fusion: `fusion:${tenantId}`, rerank: `rerank:${tenantId}` });

export interface RerankSettings {
  enabled: boolean;
  candidates: number;
}

export interface SearchSettings {
  fusion: FusionSettings;
  rerank: RerankSettings;
  /** Which parts are set for this tenant's index (the rest come from the worker's variables). */
  source: { fusion: "index" | "defaults"; rerank: "index" | "defaults" };
  /** The reranking model of this deployment (RERANK_MODEL), or null when none is configured. */
  rerankModel: string | null;
}

export class IndexSettings {
  constructor(
    private readonly store: DocumentStore,
    private readonly defaults: { fusion: FusionSettings; rerank: RerankConfig },
  ) {}

  async get(tenantId: string): Promise<SearchSettings> {
    const key = keys(tenantId);
    const stored = await this.store.getSettings([key.fusion, key.rerank]);
    const fusion = stored[key.fusion];
    const rerank = stored[key.rerank];
    return {
      fusion: { ...this.defaults.fusion, ...(fusion ? (JSON.parse(fusion) as Partial<FusionSettings>) : {}) },
      rerank: {
        enabled: this.defaults.rerank.byDefault,
        candidates: this.defaults.rerank.candidates,
        ...(rerank ? (JSON.parse(rerank) as Partial<RerankSettings>) : {}),
      },
      source: { fusion: fusion ? "index" : "defaults", rerank: rerank ? "index" : "defaults" },
      rerankModel: this.defaults.rerank.model ?? null,
    };
  }

  /**
   * Stores (partial) updates over the current values; `null` for a part
   * returns it to the defaults, `undefined` leaves it alone.
   */
  async update(tenantId: string, update: { fusion?: Partial<FusionSettings> | null; rerank?: Partial<RerankSettings> | null }): Promise<SearchSettings> {
    const key = keys(tenantId);
    const current = await this.get(tenantId);
    if (update.fusion) {
      const merged = { ...current.fusion, ...update.fusion };
      if (merged.keywordWeight === 0 && merged.vectorWeight === 0) {
        throw new AppError("VALIDATION_FAILED", "fusion: keyword_weight and vector_weight cannot both be 0");
      }
    }
    if (update.rerank?.enabled) requireRerankModel(this.defaults.rerank.model, "rerank.enabled");
    if (update.fusion !== undefined) {
      await this.store.putSetting(key.fusion, update.fusion === null ? null : JSON.stringify({ ...current.fusion, ...update.fusion }));
    }
    if (update.rerank !== undefined) {
      await this.store.putSetting(key.rerank, update.rerank === null ? null : JSON.stringify({ ...current.rerank, ...update.rerank }));
    }
    return this.get(tenantId);
  }
}

/** Reranking needs a model; `field` names what asked for it in the error. */
export function requireRerankModel(model: string | undefined, field: string): void {
  if (!model) throw new AppError("VALIDATION_FAILED", `${field}: no reranking model is configured (set RERANK_MODEL)`);
}
