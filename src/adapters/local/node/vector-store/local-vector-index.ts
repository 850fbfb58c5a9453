/**
 * One named index of the local Vectorize stand-in: Vectorize's operations
 * (insert, upsert, deleteByIds, getByIds, query, queryById, describe) over
 * its rows in memory (`vector-rows.ts`), searched by `nearest-search.ts`, with
 * every mutation appended to its log (`vector-log.ts`) before the call
 * returns, and the log compacted when it outgrows the live rows. Inputs are
 * checked by `validation.ts`; a batch with one bad vector changes nothing.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { indexedView } from "./indexed-metadata.js";
import { searchNearest, type SearchStats } from "./nearest-search.js";
import type { DistanceMetric, IndexDescription, Match, MutationResult, QueryOptions, StoredVector, VectorInput } from "./types.js";
import { checkBatch, checkIdList, checkQueryOptions, checkQueryVector, type CheckedVector, type QuerySettings } from "./validation.js";
import { encodeDeleteRecord, encodeUpsertRecord, logFileName, VectorLog, type CompactionPolicy } from "./vector-log.js";
import { VectorRows, type VectorRowsStorage } from "./vector-rows.js";
import { VectorStoreError } from "./vector-store-error.js";

/** What `index.json` holds. */
export interface IndexMeta {
  name: string;
  id: string;
  dimensions: number;
  metric: DistanceMetric;
  createdOn: string;
}

export interface IndexSearchSettings {
  /** Keep an int8 copy of the rows and pre-scan it (default true; false: always scan the float rows). */
  int8: boolean;
  /** Pre-scan only when at least this many rows pass the filters. */
  prescanMinCandidates: number;
}

/** One index: vectors in memory, mutations appended to its log. */
export class LocalVectorIndex {
  readonly name: string;
  readonly dimensions: number;
  readonly metric: DistanceMetric;
  private readonly meta: IndexMeta;
  private readonly rows: VectorRows;
  private readonly log: VectorLog;
  private readonly prescanMinCandidates: number;
  private lastMutation: { id: string; at: string } | null = null;
  private lastStats: SearchStats | undefined;

  /** Opens the index stored in `dir`, replaying its log. */
  constructor(meta: IndexMeta, dir: string, compaction: CompactionPolicy, search: IndexSearchSettings) {
    this.meta = meta;
    this.name = meta.name;
    this.dimensions = meta.dimensions;
    this.metric = meta.metric;
    this.prescanMinCandidates = search.prescanMinCandidates;
    this.rows = new VectorRows(meta.dimensions, meta.metric, { int8: search.int8 });
    this.log = new VectorLog(join(dir, logFileName), meta.dimensions, compaction);
    this.log.open({
      upsert: (vector, recordBytes) => this.rows.setRecordBytes(this.rows.set(vector), recordBytes),
      delete: (ids) => {
        for (const id of ids) this.rows.remove(id);
      },
    });
    this.maybeCompact();
  }

  get vectorCount(): number {
    return this.rows.count;
  }

  /** Size of the log file in bytes (for tests and diagnostics). */
  get logSize(): number {
    return this.log.size;
  }

  /** How the last query or queryById went (for tests, benchmarks and diagnostics). */
  get lastSearch(): SearchStats | undefined {
    return this.lastStats;
  }

  /** Byte sizes of the in-memory arrays (float32 rows, per-row arrays, int8 copy), from their lengths. */
  storage(): VectorRowsStorage {
    return this.rows.storage();
  }

  describe(): IndexDescription {
    return {
      id: this.meta.id,
      name: this.name,
      dimensions: this.dimensions,
      metric: this.metric,
      vectorCount: this.rows.count,
      createdOn: this.meta.createdOn,
      processedUpToMutation: this.lastMutation?.id ?? null,
      processedUpToDatetime: this.lastMutation?.at ?? null,
    };
  }

  /** Adds vectors whose ids are new; vectors with an existing (or earlier repeated) id are skipped, as in Vectorize. */
  insert(vectors: readonly VectorInput[]): MutationResult {
    const checked = checkBatch(vectors, this.dimensions, "insert");
    const fresh: CheckedVector[] = [];
    const seen = new Set<string>();
    for (const vector of checked) {
      if (this.rows.rowOf(vector.id) !== undefined || seen.has(vector.id)) continue;
      seen.add(vector.id);
      fresh.push(vector);
    }
    return this.writeVectors(fresh);
  }

  /** Adds or wholly replaces vectors (the last of repeated ids wins). */
  upsert(vectors: readonly VectorInput[]): MutationResult {
    return this.writeVectors(checkBatch(vectors, this.dimensions, "upsert"));
  }

  /** Deletes vectors by id; unknown ids are ignored. */
  deleteByIds(ids: readonly string[]): MutationResult {
    checkIdList(ids, "delete");
    const deleted: string[] = [];
    for (const id of new Set(ids)) {
      if (this.rows.remove(id)) deleted.push(id);
    }
    if (deleted.length > 0) this.append([encodeDeleteRecord(deleted)]);
    return this.mutation(deleted);
  }

  /** The stored vectors for `ids`, in request order; unknown ids are skipped. */
  getByIds(ids: readonly string[]): StoredVector[] {
    checkIdList(ids, "get");
    const out: StoredVector[] = [];
    for (const id of new Set(ids)) {
      const row = this.rows.rowOf(id);
      if (row !== undefined) out.push(this.rows.vectorAt(row));
    }
    return out;
  }

  /** Exact nearest-neighbour search; see `../vector-store.ts` for scores and limits. */
  query(vector: ArrayLike<number>, options: QueryOptions = {}): Match[] {
    const query = checkQueryVector(vector, this.dimensions);
    return this.search(query, checkQueryOptions(options));
  }

  /** Searches with the stored vector `id` (no matches when it does not exist). */
  queryById(id: string, options: QueryOptions = {}): Match[] {
    if (typeof id !== "string") throw new VectorStoreError("invalid", "vector id must be a string");
    const settings = checkQueryOptions(options);
    const row = this.rows.rowOf(id);
    if (row === undefined) return [];
    return this.search(Float64Array.from(this.rows.rowValues(row)), settings);
  }

  /** Rewrites the log as one upsert record per live row, then swaps it in atomically. */
  compact(): void {
    const rows = this.rows;
    function* records(): Generator<Buffer> {
      for (let row = 0; row < rows.count; row++) {
        const record = encodeUpsertRecord(rows.loggedVector(row));
        rows.setRecordBytes(row, record.length);
        yield record;
      }
    }
    this.log.rewrite(records());
  }

  /** Closes the log file. */
  close(): void {
    this.log.close();
  }

  private search(query: Float64Array, settings: QuerySettings): Match[] {
    const { topK, namespace, predicate, returnValues, metadataLevel } = settings;
    const { best, stats } = searchNearest(this.rows, this.metric, { query, topK, namespace, predicate }, this.prescanMinCandidates);
    this.lastStats = stats;
    const cosine = this.metric === "cosine";
    return best.map(({ key, row }) => {
      const match: Match = { id: this.rows.ids[row]!, score: cosine ? key : -key };
      const rowNamespace = this.rows.namespaceOf(row);
      if (rowNamespace !== undefined) match.namespace = rowNamespace;
      if (returnValues) match.values = this.rows.valuesAt(row);
      const stored = this.rows.metadata[row];
      if (stored !== undefined && metadataLevel !== "none") {
        match.metadata = metadataLevel === "all" ? structuredClone(stored) : indexedView(stored);
      }
      return match;
    });
  }

  private writeVectors(vectors: CheckedVector[]): MutationResult {
    const records: Buffer[] = [];
    const ids: string[] = [];
    const seen = new Set<string>();
    for (const vector of vectors) {
      const row = this.rows.set(vector);
      const record = encodeUpsertRecord(this.rows.loggedVector(row));
      this.rows.setRecordBytes(row, record.length);
      records.push(record);
      if (!seen.has(vector.id)) {
        seen.add(vector.id);
        ids.push(vector.id);
      }
    }
    this.append(records);
    return this.mutation(ids);
  }

  private append(records: Buffer[]): void {
    if (records.length === 0) return;
    if (!this.log.isOpen) throw new Error(`index "${this.name}" is closed`);
    this.log.append(records);
    this.maybeCompact();
  }

  private maybeCompact(): void {
    if (this.log.needsCompaction(this.rows.liveBytes)) this.compact();
  }

  private mutation(ids: string[]): MutationResult {
    this.lastMutation = { id: randomUUID(), at: new Date().toISOString() };
    return { mutationId: this.lastMutation.id, ids, count: ids.length };
  }
}
