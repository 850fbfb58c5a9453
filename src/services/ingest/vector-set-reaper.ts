/**
 * Purges vectors nobody needs any more: those of stale vector sets (older
 * versions, versions that lost a race, deleted documents and tenants).
 *
 * For each stale set with work left it deletes the set's vector ids. While
 * the set's lease runs (its last claim is younger than `leaseSeconds`), a job
 * that claimed it just before it went stale may still upsert those ids, so
 * the set stays, marked purged for that claim: it is not looked at again
 * until it is claimed again or the lease runs out (the job that lost deletes
 * its own ids after its upsert: `purgeOwn`). After the lease no consumer can
 * still be writing it (a queue consumer runs at most 15 minutes): the ids are
 * deleted once more and the set dropped, so nothing is left behind.
 *
 * Safe to run anywhere, any number of times, in parallel with ingestion: see
 * migrations/0005_incarnations_and_vector_sets.sql.
 */
import { chunkIdPrefix, chunkIds } from "../../core/document-identity.js";
import type { DocumentStore, VectorSet, VersionRef } from "../../ports/document-store.js";
import { vectorizeLimits, type VectorIndex } from "../../ports/vector-index.js";

/** Default lease of a vector set claim: twice the longest a queue consumer runs. */
export const defaultVectorSetLeaseSeconds = 30 * 60;

export interface ReapResult {
  /** Sets dropped. */
  sets: number;
  /** Vector ids deleted (including those of sets kept for their lease). */
  vectors: number;
  /** Stale sets whose ids were deleted but which stay until their lease is over. */
  leased: number;
  /** More stale sets with work left may remain in the scope (the pass stopped at its bound). */
  more: boolean;
}

export interface ReapOptions {
  /** Vector ids per pass (default 5,000; a set is never split, so one large set may exceed it). */
  maxVectors?: number;
  /** Sets looked at per pass (default 100). */
  maxSets?: number;
  now?: Date;
  /** Also sets nobody marked stale (a full audit: a scan of every set in the scope). */
  includeUnmarked?: boolean;
}

export class VectorSetReaper {
  constructor(
    private readonly deps: {
      store: Pick<DocumentStore, "staleVectorSets" | "dropVectorSet" | "markVectorSetPurged" | "vectorSet">;
      vectors: Pick<VectorIndex, "deleteByIds">;
      leaseSeconds?: number;
    },
  ) {}

  /** One bounded pass over the stale sets of `scope` that have work left. */
  async reap(scope: { tenantId?: string; documentId?: string }, options: ReapOptions = {}): Promise<ReapResult> {
    const maxVectors = options.maxVectors ?? 5 * vectorizeLimits.maxUpsertBatch;
    const maxSets = options.maxSets ?? 100;
    const claimedBefore = this.leaseCutoff(options.now);
    const sets = await this.deps.store.staleVectorSets(scope, maxSets, { claimedBefore, includeUnmarked: options.includeUnmarked });
    const result: ReapResult = { sets: 0, vectors: 0, leased: 0, more: sets.length === maxSets };
    for (const set of sets) {
      if (result.vectors > 0 && result.vectors + set.count > maxVectors) {
        result.more = true;
        break;
      }
      result.vectors += await this.deleteVectors(set);
      if (set.claimedAt < claimedBefore && (await this.deps.store.dropVectorSet(set, claimedBefore))) {
        result.sets += 1;
      } else {
        await this.deps.store.markVectorSetPurged(set);
        result.leased += 1;
      }
    }
    return result;
  }

  /**
   * For a job whose version lost: deletes the ids of its own set — after its
   * own upserts, so nothing of it can come back — and records them purged;
   * unless the set is live after all (the same version is active or current).
   */
  async purgeOwn(ref: VersionRef): Promise<number> {
    const set = await this.deps.store.vectorSet(ref);
    // A live set (a duplicate delivery activated this version meanwhile) is someone's to keep.
    if (!set || set.live) return 0;
    const deleted = await this.deleteVectors(set);
    await this.deps.store.markVectorSetPurged(set);
    return deleted;
  }

  /** The time before which a claim's lease is over. */
  leaseCutoff(now = new Date()): string {
    return new Date(now.getTime() - (this.deps.leaseSeconds ?? defaultVectorSetLeaseSeconds) * 1000).toISOString();
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
