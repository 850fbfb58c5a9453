/**
 * The local stand-in for Vectorize's storage and search, run in the host Node
 * process (`vector-service.ts` exposes it to the worker). Named indexes live
 * under a data directory; each keeps its vectors in one contiguous
 * `Float32Array` matrix (a row per vector, capacity doubling) with parallel
 * arrays for ids, namespaces, metadata and norms, and answers queries with an
 * exact scan and a bounded top-K heap.
 *
 * Semantics and limits follow Cloudflare's Vectorize documentation: topK 5
 * by default, 1..100, at most 20 with `returnValues` or all metadata; ids of
 * 1..64 bytes; namespaces up to 64 bytes; 10 KiB of metadata; metadata keys
 * without `.`, `"` or a leading `$`; 1,000 vectors per call from a Worker;
 * `insert` keeps the existing vector when an id is already present (the docs:
 * "only the vectors with new IDs will be inserted"); `upsert` replaces a
 * vector whole (values, namespace and metadata, no merge). Scores: cosine
 * similarity (higher is closer), euclidean distance (lower is closer) and,
 * for dot-product, the negative dot product as documented (lower is closer);
 * matches come best first. Filters: `core/search/metadata-filter.ts`.
 *
 * Deliberate differences: search is exact, not approximate; every property
 * is filterable (Vectorize needs a metadata index per property, created
 * before the vectors are inserted); writes are visible at once (Vectorize
 * applies them a few seconds later).
 *
 * Persistence: `<dataDir>/<index>/index.json` holds the configuration and
 * `vectors.log` an append-only binary log (one write per mutation call),
 * replayed on open and rewritten from the live rows when it grows to
 * `compaction.ratio` times their size. A torn record at the end (a crash
 * mid-write) is cut off on open. Vector values are stored little-endian.
 */
import { randomUUID } from "node:crypto";
import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { AppError } from "../../../core/errors.js";
import { compileMetadataFilter, parseMetadataFilter, utf8ByteLength } from "../../../core/search/metadata-filter.js";

export type DistanceMetric = "cosine" | "euclidean" | "dot-product";

export interface IndexConfig {
  dimensions: number;
  metric: DistanceMetric;
}

/** Vectorize's limits, as enforced here (same numbers as `vectorizeLimits` in `src/ports/vector-index.ts`). */
export const localVectorizeLimits = {
  defaultTopK: 5,
  maxTopK: 100,
  maxTopKWithValuesOrAllMetadata: 20,
  maxVectorsPerCall: 1000,
  maxIdBytes: 64,
  maxNamespaceBytes: 64,
  maxMetadataBytes: 10 * 1024,
  maxDimensions: 1536,
  maxIndexNameBytes: 64,
  /** Bytes of each string property that `returnMetadata: "indexed"` returns. */
  indexedStringBytes: 64,
} as const;

export interface VectorInput {
  id: string;
  values: ArrayLike<number>;
  namespace?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface StoredVector {
  id: string;
  values: number[];
  namespace?: string;
  metadata?: Record<string, unknown>;
}

export type ReturnMetadataLevel = boolean | "none" | "indexed" | "all";

export interface QueryOptions {
  topK?: number;
  namespace?: string;
  filter?: unknown;
  returnValues?: boolean;
  returnMetadata?: ReturnMetadataLevel;
}

export interface Match {
  id: string;
  score: number;
  values?: number[];
  namespace?: string;
  metadata?: Record<string, unknown>;
}

export interface MutationResult {
  mutationId: string;
  /** Ids the mutation changed: inserted (new) ids, upserted ids, or deleted ids that existed. */
  ids: string[];
  count: number;
}

export interface IndexDescription {
  id: string;
  name: string;
  dimensions: number;
  metric: DistanceMetric;
  vectorCount: number;
  createdOn: string;
  /** Id of the last mutation applied since the index was opened (null before the first). */
  processedUpToMutation: string | null;
  /** ISO time of that mutation. */
  processedUpToDatetime: string | null;
}

export type VectorStoreErrorKind = "invalid" | "not_found" | "conflict";

/** A caller mistake (`invalid`), a missing index (`not_found`) or a clashing index (`conflict`). */
export class VectorStoreError extends Error {
  override name = "VectorStoreError";
  constructor(
    readonly kind: VectorStoreErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalVectorStoreOptions {
  dataDir: string;
  compaction?: {
    /** Rewrite the log when it is this many times the size of the live records (default 2). */
    ratio?: number;
    /** ...and at least this many bytes (default 1 MiB). */
    minBytes?: number;
  };
}

const metrics: readonly DistanceMetric[] = ["cosine", "euclidean", "dot-product"];
const indexNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Named vector indexes persisted under one directory. */
export class LocalVectorStore {
  private readonly indexes = new Map<string, LocalVectorIndex>();
  private closed = false;

  constructor(private readonly options: LocalVectorStoreOptions) {
    mkdirSync(options.dataDir, { recursive: true });
  }

  /**
   * Creates an index, or returns the existing one when its configuration is
   * identical. Throws `conflict` when the name is taken with other settings.
   */
  createIndex(name: string, config: IndexConfig): LocalVectorIndex {
    checkIndexName(name);
    if (!Number.isInteger(config?.dimensions) || config.dimensions < 1 || config.dimensions > localVectorizeLimits.maxDimensions) {
      throw new VectorStoreError("invalid", `dimensions must be an integer from 1 to ${localVectorizeLimits.maxDimensions}`);
    }
    if (!metrics.includes(config.metric)) {
      throw new VectorStoreError("invalid", `metric must be one of ${metrics.join(", ")}`);
    }
    const existing = this.getIndex(name);
    if (existing) {
      if (existing.dimensions !== config.dimensions || existing.metric !== config.metric) {
        throw new VectorStoreError(
          "conflict",
          `index "${name}" already exists with ${existing.dimensions} dimensions and metric ${existing.metric}; ` +
            `it cannot be changed to ${config.dimensions} dimensions and metric ${config.metric} (delete it first)`,
        );
      }
      return existing;
    }
    const dir = this.dirOf(name);
    mkdirSync(dir, { recursive: true });
    const meta: IndexMeta = { name, id: randomUUID(), dimensions: config.dimensions, metric: config.metric, createdOn: new Date().toISOString() };
    writeFileSync(join(dir, logFileName), logMagic);
    writeFileSync(join(dir, metaFileName), JSON.stringify(meta, null, 2));
    return this.open(meta);
  }

  /** The index called `name`, opened (and its log replayed) on first use; undefined when there is none. */
  getIndex(name: string): LocalVectorIndex | undefined {
    this.assertOpen();
    const loaded = this.indexes.get(name);
    if (loaded) return loaded;
    if (!indexNamePattern.test(name)) return undefined;
    const metaPath = join(this.dirOf(name), metaFileName);
    if (!existsSync(metaPath)) return undefined;
    return this.open(JSON.parse(readFileSync(metaPath, "utf8")) as IndexMeta);
  }

  /** Deletes an index and its files. Returns false when there was none. */
  deleteIndex(name: string): boolean {
    const index = this.getIndex(name);
    if (!index) return false;
    index.close();
    this.indexes.delete(name);
    rmSync(this.dirOf(name), { recursive: true, force: true });
    return true;
  }

  /** Closes every open index (their data is already on disk). */
  close(): void {
    for (const index of this.indexes.values()) index.close();
    this.indexes.clear();
    this.closed = true;
  }

  private open(meta: IndexMeta): LocalVectorIndex {
    const index = new LocalVectorIndex(meta, this.dirOf(meta.name), {
      ratio: this.options.compaction?.ratio ?? 2,
      minBytes: this.options.compaction?.minBytes ?? 1024 * 1024,
    });
    this.indexes.set(meta.name, index);
    return index;
  }

  private dirOf(name: string): string {
    return join(this.options.dataDir, name);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("LocalVectorStore is closed");
  }
}

interface IndexMeta {
  name: string;
  id: string;
  dimensions: number;
  metric: DistanceMetric;
  createdOn: string;
}

const metaFileName = "index.json";
const logFileName = "vectors.log";
const logMagic = Buffer.from("ERVLOG01", "latin1");
const recordUpsert = 1;
const recordDelete = 2;
/** u32 record length + u8 record type. */
const recordHeaderBytes = 5;
const initialCapacity = 64;

/** One index: vectors in memory, mutations appended to its log. */
export class LocalVectorIndex {
  readonly name: string;
  readonly dimensions: number;
  readonly metric: DistanceMetric;
  private readonly meta: IndexMeta;
  private readonly logPath: string;
  private readonly compaction: { ratio: number; minBytes: number };

  private capacity = 0;
  private count = 0;
  private matrix = new Float32Array(0);
  private norms = new Float64Array(0);
  private namespaceOf = new Int32Array(0);
  private recordBytes = new Float64Array(0);
  private ids: string[] = [];
  private metadata: (Record<string, unknown> | undefined)[] = [];
  private readonly rowById = new Map<string, number>();
  private readonly namespaceIds = new Map<string, number>();
  private readonly namespaceNames: string[] = [];

  private fd: number | undefined;
  private logBytes = 0;
  private liveBytes = 0;
  private lastMutation: { id: string; at: string } | null = null;

  constructor(meta: IndexMeta, dir: string, compaction: { ratio: number; minBytes: number }) {
    this.meta = meta;
    this.name = meta.name;
    this.dimensions = meta.dimensions;
    this.metric = meta.metric;
    this.compaction = compaction;
    this.logPath = join(dir, logFileName);
    this.ensureCapacity(initialCapacity);
    this.replay();
    this.fd = openSync(this.logPath, "a");
    this.maybeCompact();
  }

  get vectorCount(): number {
    return this.count;
  }

  /** Size of the log file in bytes (for tests and diagnostics). */
  get logSize(): number {
    return this.logBytes;
  }

  describe(): IndexDescription {
    return {
      id: this.meta.id,
      name: this.name,
      dimensions: this.dimensions,
      metric: this.metric,
      vectorCount: this.count,
      createdOn: this.meta.createdOn,
      processedUpToMutation: this.lastMutation?.id ?? null,
      processedUpToDatetime: this.lastMutation?.at ?? null,
    };
  }

  /** Adds vectors whose ids are new; vectors with an existing (or earlier repeated) id are skipped, as in Vectorize. */
  insert(vectors: readonly VectorInput[]): MutationResult {
    const checked = this.checkBatch(vectors, "insert");
    const fresh: CheckedVector[] = [];
    const seen = new Set<string>();
    for (const vector of checked) {
      if (this.rowById.has(vector.id) || seen.has(vector.id)) continue;
      seen.add(vector.id);
      fresh.push(vector);
    }
    return this.writeVectors(fresh);
  }

  /** Adds or wholly replaces vectors (the last of repeated ids wins). */
  upsert(vectors: readonly VectorInput[]): MutationResult {
    return this.writeVectors(this.checkBatch(vectors, "upsert"));
  }

  /** Deletes vectors by id; unknown ids are ignored. */
  deleteByIds(ids: readonly string[]): MutationResult {
    this.checkIdList(ids, "delete");
    const deleted: string[] = [];
    for (const id of new Set(ids)) {
      if (this.removeRow(id)) deleted.push(id);
    }
    if (deleted.length > 0) {
      const payload = Buffer.from(JSON.stringify({ ids: deleted }), "utf8");
      const record = Buffer.allocUnsafe(recordHeaderBytes + payload.length);
      record.writeUInt32LE(payload.length + 1, 0);
      record.writeUInt8(recordDelete, 4);
      payload.copy(record, recordHeaderBytes);
      this.append([record]);
    }
    return this.mutation(deleted);
  }

  /** The stored vectors for `ids`, in request order; unknown ids are skipped. */
  getByIds(ids: readonly string[]): StoredVector[] {
    this.checkIdList(ids, "get");
    const out: StoredVector[] = [];
    for (const id of new Set(ids)) {
      const row = this.rowById.get(id);
      if (row !== undefined) out.push(this.vectorAt(row));
    }
    return out;
  }

  /** Exact nearest-neighbour search; see the module comment for scores and limits. */
  query(vector: ArrayLike<number>, options: QueryOptions = {}): Match[] {
    const query = this.checkQueryVector(vector);
    return this.search(query, options);
  }

  /** Searches with the stored vector `id` (no matches when it does not exist). */
  queryById(id: string, options: QueryOptions = {}): Match[] {
    if (typeof id !== "string") throw new VectorStoreError("invalid", "vector id must be a string");
    const settings = this.checkQueryOptions(options);
    const row = this.rowById.get(id);
    if (row === undefined) return [];
    const base = row * this.dimensions;
    return this.searchChecked(Float64Array.from(this.matrix.subarray(base, base + this.dimensions)), settings);
  }

  /** Closes the log file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  // -------------------------------------------------------------------------
  // Search

  private search(query: Float64Array, options: QueryOptions): Match[] {
    return this.searchChecked(query, this.checkQueryOptions(options));
  }

  private searchChecked(query: Float64Array, settings: QuerySettings): Match[] {
    const { topK, namespace, predicate, returnValues, metadataLevel } = settings;
    // -2: any namespace; -1: vectors without a namespace are never selected by name.
    let wantedNamespace = -2;
    if (namespace !== undefined) {
      const id = this.namespaceIds.get(namespace);
      if (id === undefined) return [];
      wantedNamespace = id;
    }
    const dims = this.dimensions;
    const matrix = this.matrix;
    const norms = this.norms;
    const namespaceOf = this.namespaceOf;
    const metadata = this.metadata;
    let queryNorm = 0;
    for (let j = 0; j < dims; j++) queryNorm += query[j]! * query[j]!;
    queryNorm = Math.sqrt(queryNorm);
    const heap = new TopKHeap(topK, this.ids);
    const euclidean = this.metric === "euclidean";
    const cosine = this.metric === "cosine";

    for (let row = 0; row < this.count; row++) {
      if (wantedNamespace !== -2 && namespaceOf[row] !== wantedNamespace) continue;
      if (predicate !== undefined && !predicate(metadata[row])) continue;
      const base = row * dims;
      let acc = 0;
      // Rank key: higher is better for every metric.
      let key: number;
      if (euclidean) {
        for (let j = 0; j < dims; j++) {
          const d = query[j]! - matrix[base + j]!;
          acc += d * d;
        }
        key = -Math.sqrt(acc);
      } else {
        for (let j = 0; j < dims; j++) acc += query[j]! * matrix[base + j]!;
        if (cosine) {
          const denominator = queryNorm * norms[row]!;
          key = denominator > 0 ? acc / denominator : 0;
        } else {
          key = acc;
        }
      }
      heap.offer(key, row);
    }

    return heap.drainBestFirst().map(({ key, row }) => {
      const match: Match = { id: this.ids[row]!, score: cosine ? key : -key };
      const namespaceId = namespaceOf[row]!;
      if (namespaceId >= 0) match.namespace = this.namespaceNames[namespaceId]!;
      if (returnValues) match.values = this.valuesAt(row);
      const stored = metadata[row];
      if (stored !== undefined && metadataLevel !== "none") {
        match.metadata = metadataLevel === "all" ? structuredClone(stored) : indexedView(stored);
      }
      return match;
    });
  }

  // -------------------------------------------------------------------------
  // Validation

  private checkBatch(vectors: readonly VectorInput[], operation: "insert" | "upsert"): CheckedVector[] {
    if (!Array.isArray(vectors)) throw new VectorStoreError("invalid", `${operation} expects an array of vectors`);
    if (vectors.length === 0) throw new VectorStoreError("invalid", `${operation} needs at least one vector`);
    if (vectors.length > localVectorizeLimits.maxVectorsPerCall) {
      throw new VectorStoreError(
        "invalid",
        `too many vectors: ${vectors.length}; a Worker may send at most ${localVectorizeLimits.maxVectorsPerCall} per ${operation}`,
      );
    }
    return vectors.map((vector, position) => this.checkVector(vector, position));
  }

  private checkVector(vector: VectorInput, position: number): CheckedVector {
    if (vector === null || typeof vector !== "object") throw new VectorStoreError("invalid", `vector at position ${position} must be an object`);
    const { id } = vector;
    if (typeof id !== "string") throw new VectorStoreError("invalid", `vector at position ${position}: id must be a string`);
    const idBytes = utf8ByteLength(id);
    if (idBytes === 0 || idBytes > localVectorizeLimits.maxIdBytes) {
      throw new VectorStoreError(
        "invalid",
        `invalid vector id "${id.slice(0, 80)}": ids must be 1 to ${localVectorizeLimits.maxIdBytes} bytes long, got ${idBytes}`,
      );
    }
    const values = vector.values;
    if (values === null || typeof values !== "object" || typeof values.length !== "number") {
      throw new VectorStoreError("invalid", `invalid vector for id="${id}": values must be an array of numbers`);
    }
    if (values.length !== this.dimensions) {
      throw new VectorStoreError(
        "invalid",
        `invalid vector for id="${id}", expected ${this.dimensions} dimensions, and got ${values.length} dimensions`,
      );
    }
    for (let j = 0; j < values.length; j++) {
      const value = values[j];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new VectorStoreError("invalid", `invalid vector for id="${id}": values[${j}] is ${String(value)}, not a finite number`);
      }
    }
    let namespace: string | undefined;
    if (vector.namespace !== undefined && vector.namespace !== null) {
      namespace = this.checkNamespace(vector.namespace, `vector id="${id}"`);
    }
    let metadata: Record<string, unknown> | undefined;
    if (vector.metadata !== undefined && vector.metadata !== null) {
      metadata = checkMetadata(vector.metadata, id);
    }
    return { id, values, namespace, metadata };
  }

  private checkNamespace(namespace: unknown, subject: string): string | undefined {
    if (typeof namespace !== "string") throw new VectorStoreError("invalid", `${subject}: namespace must be a string`);
    const bytes = utf8ByteLength(namespace);
    if (bytes > localVectorizeLimits.maxNamespaceBytes) {
      throw new VectorStoreError(
        "invalid",
        `${subject}: namespace "${namespace.slice(0, 80)}" is ${bytes} bytes; at most ${localVectorizeLimits.maxNamespaceBytes} are allowed`,
      );
    }
    // An empty namespace is taken as "no namespace", on writes and on queries.
    return namespace === "" ? undefined : namespace;
  }

  private checkIdList(ids: readonly string[], operation: string): void {
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string")) {
      throw new VectorStoreError("invalid", `${operation} expects an array of string ids`);
    }
    if (operation === "delete" && ids.length === 0) throw new VectorStoreError("invalid", "delete needs at least one id");
  }

  private checkQueryVector(vector: ArrayLike<number>): Float64Array {
    if (vector === null || typeof vector !== "object" || typeof vector.length !== "number") {
      throw new VectorStoreError("invalid", "invalid query vector: expected an array of numbers");
    }
    if (vector.length !== this.dimensions) {
      throw new VectorStoreError(
        "invalid",
        `invalid query vector, expected ${this.dimensions} dimensions, and got ${vector.length} dimensions`,
      );
    }
    const query = new Float64Array(this.dimensions);
    for (let j = 0; j < this.dimensions; j++) {
      const value = vector[j];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new VectorStoreError("invalid", `invalid query vector: values[${j}] is ${String(value)}, not a finite number`);
      }
      query[j] = value;
    }
    return query;
  }

  private checkQueryOptions(options: QueryOptions): QuerySettings {
    if (options === null || typeof options !== "object") throw new VectorStoreError("invalid", "query options must be an object");
    const { returnValues = false, returnMetadata = "none" } = options;
    if (typeof returnValues !== "boolean") throw new VectorStoreError("invalid", "returnValues must be a boolean");
    let metadataLevel: "none" | "indexed" | "all";
    if (returnMetadata === true || returnMetadata === "all") metadataLevel = "all";
    else if (returnMetadata === false || returnMetadata === "none") metadataLevel = "none";
    else if (returnMetadata === "indexed") metadataLevel = "indexed";
    else throw new VectorStoreError("invalid", `returnMetadata must be "none", "indexed" or "all", got ${JSON.stringify(returnMetadata)}`);

    const topK = options.topK ?? localVectorizeLimits.defaultTopK;
    if (!Number.isInteger(topK) || topK < 1 || topK > localVectorizeLimits.maxTopK) {
      throw new VectorStoreError("invalid", `invalid topK provided: ${String(topK)}; topK must be an integer from 1 to ${localVectorizeLimits.maxTopK}`);
    }
    if ((returnValues || metadataLevel === "all") && topK > localVectorizeLimits.maxTopKWithValuesOrAllMetadata) {
      throw new VectorStoreError(
        "invalid",
        `invalid topK provided: ${topK}; topK may be at most ${localVectorizeLimits.maxTopKWithValuesOrAllMetadata} when returnValues is true or returnMetadata is "all"`,
      );
    }
    const namespace = options.namespace === undefined || options.namespace === null ? undefined : this.checkNamespace(options.namespace, "query");
    let predicate: ((metadata: Record<string, unknown> | undefined) => boolean) | undefined;
    if (options.filter !== undefined && options.filter !== null) {
      try {
        predicate = compileMetadataFilter(parseMetadataFilter(options.filter));
      } catch (error) {
        if (error instanceof AppError) throw new VectorStoreError("invalid", `invalid filter: ${error.message}`);
        throw error;
      }
    }
    return { topK, namespace, predicate, returnValues, metadataLevel };
  }

  // -------------------------------------------------------------------------
  // Rows

  private writeVectors(vectors: CheckedVector[]): MutationResult {
    const records: Buffer[] = [];
    const ids: string[] = [];
    const seen = new Set<string>();
    for (const vector of vectors) {
      const row = this.setRow(vector);
      records.push(this.encodeRow(row));
      if (!seen.has(vector.id)) {
        seen.add(vector.id);
        ids.push(vector.id);
      }
    }
    this.append(records);
    return this.mutation(ids);
  }

  /** Writes `vector` into its row (a new one when the id is new); returns the row. */
  private setRow(vector: { id: string; values: ArrayLike<number>; namespace: string | undefined; metadata: Record<string, unknown> | undefined }): number {
    let row = this.rowById.get(vector.id);
    if (row === undefined) {
      this.ensureCapacity(this.count + 1);
      row = this.count++;
      this.rowById.set(vector.id, row);
      this.ids[row] = vector.id;
    } else {
      this.liveBytes -= this.recordBytes[row]!;
    }
    const base = row * this.dimensions;
    let norm = 0;
    for (let j = 0; j < this.dimensions; j++) {
      const value = Math.fround(vector.values[j]!);
      this.matrix[base + j] = value;
      norm += value * value;
    }
    this.norms[row] = Math.sqrt(norm);
    this.namespaceOf[row] = vector.namespace === undefined ? -1 : this.internNamespace(vector.namespace);
    this.metadata[row] = vector.metadata;
    return row;
  }

  /** Removes a vector by moving the last row into its place. */
  private removeRow(id: string): boolean {
    const row = this.rowById.get(id);
    if (row === undefined) return false;
    const last = this.count - 1;
    this.liveBytes -= this.recordBytes[row]!;
    if (row !== last) {
      const dims = this.dimensions;
      this.matrix.copyWithin(row * dims, last * dims, last * dims + dims);
      this.norms[row] = this.norms[last]!;
      this.namespaceOf[row] = this.namespaceOf[last]!;
      this.recordBytes[row] = this.recordBytes[last]!;
      const movedId = this.ids[last]!;
      this.ids[row] = movedId;
      this.metadata[row] = this.metadata[last];
      this.rowById.set(movedId, row);
    }
    this.ids.length = last;
    this.metadata.length = last;
    this.rowById.delete(id);
    this.count = last;
    return true;
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    let capacity = Math.max(this.capacity, initialCapacity);
    while (capacity < rows) capacity *= 2;
    const matrix = new Float32Array(capacity * this.dimensions);
    matrix.set(this.matrix.subarray(0, this.count * this.dimensions));
    this.matrix = matrix;
    this.norms = grow(this.norms, new Float64Array(capacity), this.count);
    this.namespaceOf = grow(this.namespaceOf, new Int32Array(capacity), this.count);
    this.recordBytes = grow(this.recordBytes, new Float64Array(capacity), this.count);
    this.capacity = capacity;
  }

  private internNamespace(namespace: string): number {
    let id = this.namespaceIds.get(namespace);
    if (id === undefined) {
      id = this.namespaceNames.length;
      this.namespaceNames.push(namespace);
      this.namespaceIds.set(namespace, id);
    }
    return id;
  }

  private valuesAt(row: number): number[] {
    const base = row * this.dimensions;
    return Array.from(this.matrix.subarray(base, base + this.dimensions));
  }

  private vectorAt(row: number): StoredVector {
    const vector: StoredVector = { id: this.ids[row]!, values: this.valuesAt(row) };
    const namespaceId = this.namespaceOf[row]!;
    if (namespaceId >= 0) vector.namespace = this.namespaceNames[namespaceId]!;
    const stored = this.metadata[row];
    if (stored !== undefined) vector.metadata = structuredClone(stored);
    return vector;
  }

  private mutation(ids: string[]): MutationResult {
    this.lastMutation = { id: randomUUID(), at: new Date().toISOString() };
    return { mutationId: this.lastMutation.id, ids, count: ids.length };
  }

  // -------------------------------------------------------------------------
  // Log

  /** Encodes the row as an upsert record and records its size as live data. */
  private encodeRow(row: number): Buffer {
    const header: { i: string; n?: string; m?: Record<string, unknown> } = { i: this.ids[row]! };
    const namespaceId = this.namespaceOf[row]!;
    if (namespaceId >= 0) header.n = this.namespaceNames[namespaceId]!;
    const stored = this.metadata[row];
    if (stored !== undefined) header.m = stored;
    const json = Buffer.from(JSON.stringify(header), "utf8");
    const valueBytes = this.dimensions * 4;
    const record = Buffer.allocUnsafe(recordHeaderBytes + 4 + json.length + valueBytes);
    record.writeUInt32LE(1 + 4 + json.length + valueBytes, 0);
    record.writeUInt8(recordUpsert, 4);
    record.writeUInt32LE(json.length, recordHeaderBytes);
    json.copy(record, recordHeaderBytes + 4);
    const base = row * this.dimensions;
    Buffer.from(this.matrix.buffer, this.matrix.byteOffset + base * 4, valueBytes).copy(record, recordHeaderBytes + 4 + json.length);
    this.recordBytes[row] = record.length;
    this.liveBytes += record.length;
    return record;
  }

  private append(records: Buffer[]): void {
    if (records.length === 0) return;
    if (this.fd === undefined) throw new Error(`index "${this.name}" is closed`);
    const buffer = records.length === 1 ? records[0]! : Buffer.concat(records);
    let written = 0;
    while (written < buffer.length) written += writeSync(this.fd, buffer, written, buffer.length - written);
    this.logBytes += buffer.length;
    this.maybeCompact();
  }

  private replay(): void {
    const data = readFileSync(this.logPath);
    if (data.length < logMagic.length || !data.subarray(0, logMagic.length).equals(logMagic)) {
      throw new Error(`${this.logPath} is not a vector log (bad header)`);
    }
    let offset = logMagic.length;
    while (offset < data.length) {
      const good = offset;
      try {
        if (offset + recordHeaderBytes > data.length) throw new TornRecord();
        const length = data.readUInt32LE(offset);
        const end = offset + 4 + length;
        if (length < 1 || end > data.length) throw new TornRecord();
        const type = data.readUInt8(offset + 4);
        const payload = data.subarray(offset + recordHeaderBytes, end);
        if (type === recordUpsert) this.replayUpsert(payload, end - offset);
        else if (type === recordDelete) {
          for (const id of (JSON.parse(payload.toString("utf8")) as { ids: string[] }).ids) this.removeRow(id);
        } else throw new TornRecord();
        offset = end;
      } catch (error) {
        if (!(error instanceof TornRecord) && !(error instanceof SyntaxError)) throw error;
        // A crash mid-write leaves a partial record at the end: cut it off.
        console.warn(`[vector-store] ${this.logPath}: discarding ${data.length - good} bytes of an incomplete record`);
        const fd = openSync(this.logPath, "r+");
        try {
          ftruncateSync(fd, good);
        } finally {
          closeSync(fd);
        }
        offset = good;
        break;
      }
    }
    this.logBytes = offset;
  }

  private replayUpsert(payload: Buffer, recordLength: number): void {
    const jsonLength = payload.readUInt32LE(0);
    const valueBytes = this.dimensions * 4;
    if (4 + jsonLength + valueBytes !== payload.length) throw new TornRecord();
    const header = JSON.parse(payload.subarray(4, 4 + jsonLength).toString("utf8")) as { i: string; n?: string; m?: Record<string, unknown> };
    const bytes = payload.subarray(4 + jsonLength);
    // Copy into an aligned buffer before viewing the bytes as floats.
    const values = new Float32Array(this.dimensions);
    new Uint8Array(values.buffer).set(bytes);
    const row = this.setRow({ id: header.i, values, namespace: header.n, metadata: header.m });
    this.recordBytes[row] = recordLength;
    this.liveBytes += recordLength;
  }

  private maybeCompact(): void {
    const live = logMagic.length + this.liveBytes;
    if (this.logBytes < this.compaction.minBytes || this.logBytes <= this.compaction.ratio * live) return;
    this.compact();
  }

  /** Rewrites the log as one upsert record per live row, then swaps it in atomically. */
  compact(): void {
    const temporary = `${this.logPath}.compacting`;
    const fd = openSync(temporary, "w");
    let size = 0;
    this.liveBytes = 0;
    try {
      writeSync(fd, logMagic);
      size += logMagic.length;
      const chunk: Buffer[] = [];
      let chunkBytes = 0;
      for (let row = 0; row < this.count; row++) {
        const record = this.encodeRow(row);
        chunk.push(record);
        chunkBytes += record.length;
        if (chunkBytes >= 4 * 1024 * 1024 || row === this.count - 1) {
          const buffer = Buffer.concat(chunk);
          let written = 0;
          while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
          size += buffer.length;
          chunk.length = 0;
          chunkBytes = 0;
        }
      }
    } finally {
      closeSync(fd);
    }
    if (this.fd !== undefined) closeSync(this.fd);
    renameSync(temporary, this.logPath);
    this.fd = openSync(this.logPath, "a");
    this.logBytes = fstatSync(this.fd).size;
    if (this.logBytes !== size) throw new Error(`compaction of ${this.logPath} wrote ${size} bytes but the file has ${this.logBytes}`);
  }
}

class TornRecord extends Error {}

interface CheckedVector {
  id: string;
  values: ArrayLike<number>;
  namespace: string | undefined;
  metadata: Record<string, unknown> | undefined;
}

interface QuerySettings {
  topK: number;
  namespace: string | undefined;
  predicate: ((metadata: Record<string, unknown> | undefined) => boolean) | undefined;
  returnValues: boolean;
  metadataLevel: "none" | "indexed" | "all";
}

/**
 * The K best (key, row) pairs seen so far: a binary min-heap whose root is
 * the worst kept entry. Ties on the key go to the smaller id, so results do
 * not depend on row order (which deletes change).
 */
class TopKHeap {
  private readonly keys: Float64Array;
  private readonly rows: Int32Array;
  private size = 0;

  constructor(
    private readonly capacity: number,
    private readonly ids: readonly string[],
  ) {
    this.keys = new Float64Array(capacity);
    this.rows = new Int32Array(capacity);
  }

  offer(key: number, row: number): void {
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(key, row, this.keys[parent]!, this.rows[parent]!)) break;
        this.keys[i] = this.keys[parent]!;
        this.rows[i] = this.rows[parent]!;
        i = parent;
      }
      this.keys[i] = key;
      this.rows[i] = row;
      return;
    }
    if (!this.worse(this.keys[0]!, this.rows[0]!, key, row)) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      let child = left;
      if (right < this.size && this.worse(this.keys[right]!, this.rows[right]!, this.keys[left]!, this.rows[left]!)) child = right;
      if (!this.worse(this.keys[child]!, this.rows[child]!, key, row)) break;
      this.keys[i] = this.keys[child]!;
      this.rows[i] = this.rows[child]!;
      i = child;
    }
    this.keys[i] = key;
    this.rows[i] = row;
  }

  drainBestFirst(): { key: number; row: number }[] {
    const out: { key: number; row: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ key: this.keys[i]!, row: this.rows[i]! });
    return out.sort((a, b) => (this.worse(a.key, a.row, b.key, b.row) ? 1 : this.worse(b.key, b.row, a.key, a.row) ? -1 : 0));
  }

  /** Whether entry a ranks below entry b. */
  private worse(keyA: number, rowA: number, keyB: number, rowB: number): boolean {
    if (keyA !== keyB) return keyA < keyB;
    return this.ids[rowA]! > this.ids[rowB]!;
  }
}

function grow<T extends Float64Array | Int32Array>(old: T, fresh: T, used: number): T {
  fresh.set(old.subarray(0, used));
  return fresh;
}

function checkIndexName(name: string): void {
  if (typeof name !== "string" || !indexNamePattern.test(name) || utf8ByteLength(name) > localVectorizeLimits.maxIndexNameBytes) {
    throw new VectorStoreError(
      "invalid",
      `invalid index name ${JSON.stringify(name)}: use 1 to ${localVectorizeLimits.maxIndexNameBytes} letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
}

function checkMetadata(metadata: unknown, id: string): Record<string, unknown> {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new VectorStoreError("invalid", `invalid metadata for id="${id}": metadata must be an object`);
  }
  checkMetadataKeys(metadata as Record<string, unknown>, id);
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch {
    throw new VectorStoreError("invalid", `invalid metadata for id="${id}": metadata must be JSON-serialisable`);
  }
  const bytes = utf8ByteLength(json);
  if (bytes > localVectorizeLimits.maxMetadataBytes) {
    throw new VectorStoreError(
      "invalid",
      `invalid metadata for id="${id}": ${bytes} bytes as JSON, more than the ${localVectorizeLimits.maxMetadataBytes} bytes allowed per vector`,
    );
  }
  // Store a JSON round trip: no shared references, no undefined, no non-finite numbers.
  return JSON.parse(json) as Record<string, unknown>;
}

function checkMetadataKeys(object: Record<string, unknown>, id: string): void {
  for (const [key, value] of Object.entries(object)) {
    if (key === "" || key.includes(".") || key.includes('"') || key.startsWith("$")) {
      throw new VectorStoreError(
        "invalid",
        `invalid metadata for id="${id}": key ${JSON.stringify(key)} is not allowed (keys must be non-empty and must not contain "." or a double quote, or start with "$")`,
      );
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new VectorStoreError("invalid", `invalid metadata for id="${id}": "${key}" is ${value}, not a finite number`);
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) checkMetadataKeys(value as Record<string, unknown>, id);
  }
}

/**
 * What `returnMetadata: "indexed"` returns: the top-level string, number and
 * boolean properties (those a metadata index can hold), strings cut to their
 * first 64 bytes on a character boundary, as Vectorize indexes them.
 */
function indexedView(metadata: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === "string") out[key] = truncateUtf8(value, localVectorizeLimits.indexedStringBytes);
    else if (typeof value === "number" || typeof value === "boolean") out[key] = value;
  }
  return out;
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that does not split a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) return text.slice(0, i);
    bytes += size;
    if (size === 4) i++;
  }
  return text;
}
