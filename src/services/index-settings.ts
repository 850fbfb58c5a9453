/**
 * Search settings of a tenant's index (rather than of the deployment): the
 * hybrid fusion method and weights (calibrated per collection and embedder)
 * and whether searches rerank by default. Stored in D1 (`index_settings`,
 * keyed by tenant); the worker's variables are the defaults. One D1 read
 * fetches both.
 */
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
    };
  }

  /**
   * Stores (partial) updates over the current values; `null` for a part
   * returns it to the defaults, `undefined` leaves it alone.
   */
  async update(tenantId: string, update: { fusion?: Partial<FusionSettings> | null; rerank?: Partial<RerankSettings> | null }): Promise<SearchSettings> {
    const key = keys(tenantId);
    const current = await this.get(tenantId);
    if (update.fusion !== undefined) {
      await this.store.putSetting(key.fusion, update.fusion === null ? null : JSON.stringify({ ...current.fusion, ...update.fusion }));
    }
    if (update.rerank !== undefined) {
      await this.store.putSetting(key.rerank, update.rerank === null ? null : JSON.stringify({ ...current.rerank, ...update.rerank }));
    }
    return this.get(tenantId);
  }
}
