/**
 * Purges a deleted tenant in bounded steps, one per queue message (each
 * message queues the next until the tenant is gone): delete a slice of its
 * documents and chunk rows (ingestion jobs of those documents can then write
 * nothing more), delete the vectors of a slice of its now-stale vector sets,
 * and once no document and no unvisited set is left, remove its remaining
 * rows, its uploaded files (originals store, everything under `<tenant>/`,
 * a slice per round) and the tenant itself. The set rows outlive the tenant
 * for their lease (see vector-set-reaper.ts); the sweeper deletes their ids
 * once more and drops them.
 */
import { tenantPrefix, type OriginalStore } from "../../ports/original-store.js";
import type { TenantStore } from "../../ports/tenant-store.js";
import type { Logger } from "../logger.js";
import type { VectorSetReaper } from "./vector-set-reaper.js";

/**
 * Documents deleted and vector sets reaped per round, and rounds per message:
 * a step stays near 5 × (4 + 1 + 2 × 40) ≈ 425 D1 queries, well inside the
 * 1,000 an invocation may make (a queue batch holds other messages too).
 */
const documentsPerRound = 200;
const setsPerRound = 40;
const roundsPerStep = 5;
/** Uploaded files deleted per round (one R2 list and one delete call). */
const originalsPerRound = 1000;

export class TenantPurge {
  constructor(private readonly deps: { tenants: TenantStore; reaper: VectorSetReaper; originals?: OriginalStore; log: Logger }) {}

  /** One bounded step; "more" when another step is needed. */
  async step(tenantId: string): Promise<"done" | "more"> {
    const { tenants, reaper, log } = this.deps;
    const tenant = await tenants.getTenant(tenantId);
    if (!tenant || tenant.deletedAt === null) return "done"; // gone already, or not deleted: nothing to do
    for (let round = 0; round < roundsPerStep; round++) {
      const documents = await tenants.deleteTenantDocuments(tenantId, documentsPerRound);
      const reaped = await reaper.reap({ tenantId }, { maxSets: setsPerRound });
      // Its keys no longer work, so no new upload can appear under the prefix.
      const files = this.deps.originals ? await this.deps.originals.deletePrefix(tenantPrefix(tenantId), originalsPerRound) : { more: false };
      if (documents === 0 && !reaped.more && !files.more) {
        if (await tenants.deleteTenantRows(tenantId)) {
          log.info("tenants.purged", { tenant_id: tenantId });
          return "done";
        }
        return "more";
      }
    }
    return "more";
  }
}
