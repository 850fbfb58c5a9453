/**
 * Purges vectors nobody needs any more: those of stale vector sets (older
 * versions, versions that lost a race, deleted documents and tenants). For
 * each stale set it deletes the set's vector ids, then drops the set — only
 * once the set's last claim is older than the lease (`leaseSeconds`): a job
 * that claimed the set just before it went stale may still upsert its ids
 * until then, so within the lease the set stays and every later pass deletes
 * its ids again (the job that lost also deletes them itself after its
 * upsert). After the lease no job can still be writing (a queue consumer
 * runs at most 15 minutes), and the final pass leaves nothing behind.
 * Safe to run anywhere, any number of times, in parallel with ingestion: see
 * migrations/0005_incarnations_and_vector_sets.sql.
 */
import { chunkIdPrefix, chunkIds } from "../../core/document-identity.js";
import type { DocumentStore, VectorSet } from "../../ports/document-store.js";
import { vectorizeLimits, type VectorIndex } from "../../ports/vector-index.js";

/** Default lease of a vector set claim: twice the longest a queue consumer runs. */
export const defaultVectorSetLeaseSeconds = 30 * 60;

export interface ReapResult {
  /** Sets dropped. */
  sets: number;
  /** Vector ids deleted (including those of sets kept for their lease). */
  vectors: number;
  /** Stale sets whose vectors were deleted but which stay until their lease is over. */
  leased: number;
  /** More stale sets may be left in the scope (the pass stopped at its bound). */
  more: boolean;
}

export class VectorSetReaper {
  constructor(
    private readonly deps: {
      store: Pick<DocumentStore, "staleVectorSets" | "dropVectorSet">;
      vectors: Pick<VectorIndex, "deleteByIds">;
      leaseSeconds?: number;
    },
  ) {}

  /**
   * One bounded pass over the stale sets of `scope`: at most `maxVectors`
   * vector ids (a set is never split, so one large set may exceed it).
   */
  async reap(scope: { tenantId?: string; documentId?: string }, options: { maxVectors?: number; maxSets?: number; now?: Date } = {}): Promise<ReapResult> {
    const maxVectors = options.maxVectors ?? 5 * vectorizeLimits.maxUpsertBatch;
    const maxSets = options.maxSets ?? 100;
    const leaseSeconds = this.deps.leaseSeconds ?? defaultVectorSetLeaseSeconds;
    const claimedBefore = new Date((options.now ?? new Date()).getTime() - leaseSeconds * 1000).toISOString();
    const sets = await this.deps.store.staleVectorSets(scope, maxSets);
    const result: ReapResult = { sets: 0, vectors: 0, leased: 0, more: sets.length === maxSets };
    for (const set of sets) {
      if (result.vectors > 0 && result.vectors + set.count > maxVectors) {
        result.more = true;
        break;
      }
      result.vectors += await this.deleteVectors(set);
      if (await this.deps.store.dropVectorSet(set, claimedBefore)) result.sets += 1;
      else result.leased += 1;
    }
    return result;
  }

  /** Deletes every vector id the set accounts for; returns how many ids were sent. */
  async deleteVectors(set: VectorSet): Promise<number> {
    const prefix = await chunkIdPrefix(set.ref.tenantId, set.ref.documentId, set.ref.incarnation);
    const ids = chunkIds(prefix, set.ref.version, set.count);
    for (let start = 0; start < ids.length; start += vectorizeLimits.maxUpsertBatch) {
      await this.deps.vectors.deleteByIds(ids.slice(start, start + vectorizeLimits.maxUpsertBatch));
    }
    return ids.length;
  }
}
