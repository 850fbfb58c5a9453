/**
 * The consistency check (`npm run check:consistency`, `POST /v1/consistency`):
 * compares, for one tenant, D1's documents, chunk rows and FTS5 entries, the
 * vector sets that account for every vector written, and the vector index
 * itself, and reports what disagrees:
 *
 * - `orphan_rows`: chunk rows of a version that is neither active nor current;
 * - `status_mismatch`: a ready document whose active version is missing or
 *   behind, or whose row count differs from its recorded chunk count;
 * - `duplicate_rows`: more than one row for one (document, version, seq);
 * - `keyword_index_mismatch`: FTS5 entries ≠ chunk rows;
 * - `missing_vectors`: vectors of an active version not in the index;
 * - `unaccounted_version`: an active version with no vector set;
 * - `stale_vectors`: vectors of stale sets still in the index (orphans
 *   waiting for the reaper).
 * `checkIndex` compares the index's total vector count with what all sets
 * account for (more = vectors nobody accounts for).
 *
 * With `repair`, it fixes what it can: deletes orphan rows, reaps stale sets,
 * rebuilds the keyword index, and re-queues documents whose rows or vectors
 * are incomplete (their active version stays searchable meanwhile). The
 * document part is paged (`cursor`); the rest runs on the first page.
 */
import type { ConsistencyStore } from "../ports/consistency-store.js";
import type { DocumentStore, VersionRef } from "../ports/document-store.js";
import type { IngestQueue } from "../ports/ingest-queue.js";
import type { VectorIndex } from "../ports/vector-index.js";
import { chunkId, chunkIdPrefix, chunkIds } from "../core/document-identity.js";
import { ingestMessage } from "./document-service.js";
import { VectorSetReaper } from "./ingest/vector-set-reaper.js";
import type { Logger } from "./logger.js";

export type Finding =
  | { kind: "orphan_rows"; document_id: string; version: number; rows: number; repaired: boolean }
  | { kind: "status_mismatch"; document_id: string; version: number; status: string; problem: string; chunk_count: number; active_rows: number; repaired: boolean }
  | { kind: "duplicate_rows"; document_id: string; version: number; seq: number; rows: number; repaired: boolean }
  | { kind: "keyword_index_mismatch"; rows: number; indexed: number; repaired: boolean }
  | { kind: "missing_vectors"; document_id: string; version: number; missing: number; of: number; repaired: boolean }
  | { kind: "unaccounted_version"; document_id: string; version: number; repaired: boolean }
  | { kind: "stale_vectors"; document_id: string; version: number; vectors: number; repaired: boolean };

export interface ConsistencyReport {
  tenant_id: string;
  /** What this page looked at. */
  checked: { vector_sets: number; vectors: number };
  findings: Finding[];
  /** True when this page stopped at its budget of vector lookups (`next_cursor` continues it). */
  truncated: boolean;
  /** Pass it back to check the next page of documents; null when done. */
  next_cursor: string | null;
}

export interface IndexReport {
  /** Vectors the index reports holding (Vectorize: eventually consistent, lags recent writes by seconds). */
  index_vectors: number;
  /** Vectors of live (active or in-progress) sets, and of stale sets not reaped yet. */
  live_vectors: number;
  stale_vectors: number;
  /** index_vectors − (live + stale), when positive: vectors no set accounts for. */
  unaccounted_vectors: number;
}

export interface ConsistencyOptions {
  repair?: boolean;
  cursor?: string;
  /** Active vector sets checked per page (default 200). */
  pageSize?: number;
  /** The operator may repair what is shared by every tenant (the keyword index). */
  operator?: boolean;
  /** Vector-index lookups (getByIds calls) one call may make (default 400: Workers' subrequest limits). */
  lookupBudget?: number;
}

/** Ids per getByIds call (conservative for Vectorize). */
const idsPerLookup = 20;
const findingsPerKind = 1000;
/** Far enough ahead that every stale set counts, whatever its lease. */
const everyStaleSet = "9999-12-31T00:00:00.000Z";

export class ConsistencyService {
  private readonly reaper: VectorSetReaper;

  constructor(
    private readonly deps: {
      consistency: ConsistencyStore;
      store: DocumentStore;
      vectors: VectorIndex;
      queue: IngestQueue;
      log: Logger;
    },
  ) {
    this.reaper = new VectorSetReaper({ store: deps.store, vectors: deps.vectors });
  }

  async check(tenantId: string, options: ConsistencyOptions = {}): Promise<ConsistencyReport> {
    const repair = options.repair ?? false;
    const findings: Finding[] = [];
    const requeue = new Map<string, VersionRef>();
    const lookups = { left: options.lookupBudget ?? 400 };
    let checkedSets = 0;
    let checkedVectors = 0;
    let truncated = false;
    const { consistency } = this.deps;

    if (options.cursor === undefined) {
      for (const orphan of await consistency.orphanRows(tenantId, findingsPerKind)) {
        const repaired = repair && (await consistency.deleteOrphanRows(orphan)) > 0;
        findings.push({ kind: "orphan_rows", document_id: orphan.documentId, version: orphan.version, rows: orphan.rows, repaired });
      }
      for (const mismatch of await consistency.statusMismatches(tenantId, findingsPerKind)) {
        if (repair) requeue.set(mismatch.ref.documentId, mismatch.ref);
        findings.push({
          kind: "status_mismatch",
          document_id: mismatch.ref.documentId,
          version: mismatch.ref.version,
          status: mismatch.status,
          problem: mismatch.problem,
          chunk_count: mismatch.chunkCount,
          active_rows: mismatch.activeRows,
          repaired: repair,
        });
      }
      for (const duplicate of await consistency.duplicateRows(tenantId, findingsPerKind)) {
        let repaired = false;
        if (repair) {
          // Keep the row whose id belongs at that position; the others go.
          const doc = await this.deps.store.getDocument(tenantId, duplicate.documentId);
          if (doc) {
            const ref = { tenantId, documentId: doc.id, version: duplicate.version, incarnation: doc.incarnation };
            const keep = chunkId(await chunkIdPrefix(tenantId, doc.id, doc.incarnation), duplicate.version, duplicate.seq);
            repaired = (await consistency.deleteDuplicateRows(ref, duplicate.seq, keep)) > 0;
          }
        }
        findings.push({ kind: "duplicate_rows", document_id: duplicate.documentId, version: duplicate.version, seq: duplicate.seq, rows: duplicate.rows, repaired });
      }
      const keyword = await consistency.keywordIndexCounts(tenantId);
      if (keyword.rows !== keyword.indexed) {
        // The keyword index is shared by every tenant: only the operator rebuilds it.
        const repaired = repair && options.operator === true;
        if (repaired) await consistency.rebuildKeywordIndex();
        findings.push({ kind: "keyword_index_mismatch", rows: keyword.rows, indexed: keyword.indexed, repaired });
      }
      for (const ref of await consistency.activeVersionsWithoutSet(tenantId, findingsPerKind)) {
        const current = await this.currentRef(ref);
        if (repair && current) requeue.set(ref.documentId, current);
        findings.push({ kind: "unaccounted_version", document_id: ref.documentId, version: ref.version, repaired: repair && current !== null });
      }
      // Every stale set, marked or not, whatever its lease: are its vectors still in the index?
      const stale = await this.deps.store.staleVectorSets({ tenantId }, findingsPerKind, { claimedBefore: everyStaleSet, includeUnmarked: true });
      for (const set of stale) {
        const present = await this.presentIds(set.ref, set.count, lookups);
        if (present === null) {
          truncated = true;
          break;
        }
        checkedSets += 1;
        checkedVectors += set.count;
        if (present > 0) findings.push({ kind: "stale_vectors", document_id: set.ref.documentId, version: set.ref.version, vectors: present, repaired: repair });
      }
      if (repair && stale.length > 0) {
        // Marked, the sweeper finishes what this call's bounded pass leaves (D1 allows 1,000 queries per invocation).
        await consistency.markStale(tenantId);
        for (let pass = 0; pass < 5; pass++) if (!(await this.reaper.reap({ tenantId }, { maxSets: 40 })).more) break;
      }
    }

    const page = await consistency.activeVectorSets(tenantId, { after: options.cursor, limit: options.pageSize ?? 200 });
    let nextCursor = page.nextCursor;
    for (const [index, set] of page.sets.entries()) {
      // The first set of a page is always checked (even past the budget), so every page makes progress.
      const present = await this.presentIds(set.ref, set.count, lookups, index === 0);
      if (present === null) {
        // Out of lookups: the next page starts with this set.
        truncated = true;
        nextCursor = page.sets[index - 1]!.ref.documentId;
        break;
      }
      checkedSets += 1;
      checkedVectors += set.count;
      if (present === set.count) continue;
      const current = await this.currentRef(set.ref);
      if (repair && current) requeue.set(set.ref.documentId, current);
      findings.push({ kind: "missing_vectors", document_id: set.ref.documentId, version: set.ref.version, missing: set.count - present, of: set.count, repaired: repair && current !== null });
    }

    if (requeue.size > 0) {
      const refs = [...requeue.values()];
      const queued: VersionRef[] = [];
      for (const ref of refs) if (await consistency.requeueForRepair(ref)) queued.push(ref);
      await this.deps.queue.send(queued.map(ingestMessage));
    }
    if (findings.length > 0) this.deps.log.warn("consistency.findings", { tenant_id: tenantId, findings: findings.length, repair });
    return { tenant_id: tenantId, checked: { vector_sets: checkedSets, vectors: checkedVectors }, findings, truncated, next_cursor: nextCursor };
  }

  /** Index-wide: does the vector index hold vectors that no set accounts for? */
  async checkIndex(): Promise<IndexReport> {
    const [totals, described] = await Promise.all([this.deps.consistency.vectorSetTotals(), this.deps.vectors.describe()]);
    const info = described as { vectorCount?: number; vectorsCount?: number };
    const indexVectors = info.vectorCount ?? info.vectorsCount ?? 0;
    return {
      index_vectors: indexVectors,
      live_vectors: totals.live,
      stale_vectors: totals.stale,
      unaccounted_vectors: Math.max(0, indexVectors - totals.live - totals.stale),
    };
  }

  /** The document's current version, if the document (same incarnation) still exists. */
  private async currentRef(ref: VersionRef): Promise<VersionRef | null> {
    const doc = await this.deps.store.getDocument(ref.tenantId, ref.documentId);
    if (!doc || doc.incarnation !== ref.incarnation) return null;
    return { tenantId: doc.tenantId, documentId: doc.id, version: doc.version, incarnation: doc.incarnation };
  }

  /** How many of a set's ids are in the vector index; null when the lookup budget cannot cover the set. */
  private async presentIds(ref: VersionRef, count: number, lookups: { left: number }, force = false): Promise<number | null> {
    const calls = Math.ceil(count / idsPerLookup);
    if (calls > lookups.left && !force) return null;
    lookups.left = Math.max(0, lookups.left - calls);
    const ids = chunkIds(await chunkIdPrefix(ref.tenantId, ref.documentId, ref.incarnation), ref.version, count);
    let present = 0;
    for (let start = 0; start < ids.length; start += idsPerLookup) {
      present += (await this.deps.vectors.getByIds(ids.slice(start, start + idsPerLookup))).length;
    }
    return present;
  }
}
