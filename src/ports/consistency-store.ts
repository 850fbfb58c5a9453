/**
 * Port: the read-and-repair queries of the consistency check
 * (services/consistency-service.ts) over the document store's tables. One
 * implementation, on D1 (`adapters/cloudflare/d1-consistency-store.ts`).
 */
import type { VectorSet, VersionRef } from "./document-store.js";

/** Chunk rows of one (document, version) that no reader needs: not the active or current version of a live document. */
export interface OrphanRows {
  tenantId: string;
  documentId: string;
  version: number;
  rows: number;
}

/** A document whose status disagrees with its rows. */
export interface StatusMismatch {
  ref: VersionRef;
  status: string;
  activeVersion: number | null;
  chunkCount: number;
  /** Rows of the active version (what searches see). */
  activeRows: number;
  problem: "ready_without_active_version" | "ready_behind_version" | "chunk_count_mismatch";
}

/** Several rows for one (document, version, seq). */
export interface DuplicateRows {
  tenantId: string;
  documentId: string;
  version: number;
  seq: number;
  rows: number;
}

/** A page of the live (active) vector sets of a tenant, for checking their vectors exist. */
export interface LiveSetsPage {
  sets: VectorSet[];
  nextCursor: string | null;
}

export interface ConsistencyStore {
  orphanRows(tenantId: string, limit: number): Promise<OrphanRows[]>;
  statusMismatches(tenantId: string, limit: number): Promise<StatusMismatch[]>;
  duplicateRows(tenantId: string, limit: number): Promise<DuplicateRows[]>;
  /** Chunk rows of the tenant, and entries of the tenant in the FTS5 index. */
  keywordIndexCounts(tenantId: string): Promise<{ rows: number; indexed: number }>;
  /** Active versions' vector sets of the tenant (with a document id cursor). */
  activeVectorSets(tenantId: string, options: { after?: string; limit: number }): Promise<LiveSetsPage>;
  /** Active versions of ready documents that have no vector set at all (their vectors are unaccounted for). */
  activeVersionsWithoutSet(tenantId: string, limit: number): Promise<VersionRef[]>;
  /**
   * Vectors accounted for by every tenant's sets: `live` (active or current
   * versions) and `stale` (waiting to be reaped). Once writes settle, the
   * index as a whole holds between `live` and `live + stale` vectors; more
   * means vectors that no set accounts for.
   */
  vectorSetTotals(): Promise<{ live: number; stale: number }>;

  deleteOrphanRows(orphan: OrphanRows): Promise<number>;
  /** Puts a document back to queued (its active version stays searchable) so its current version is indexed again. */
  requeueForRepair(ref: VersionRef): Promise<boolean>;
  /** Deletes the rows at (version `ref`, `seq`) other than `keepId` (the id that belongs there). */
  deleteDuplicateRows(ref: VersionRef, seq: number, keepId: string): Promise<number>;
  /** Marks the tenant's stale sets that nobody marked, so the sweeper's reaping finds them. */
  markStale(tenantId: string): Promise<void>;
  rebuildKeywordIndex(): Promise<void>;
}
