/**
 * The in-memory rows of one index: a contiguous `Float32Array` matrix (a row
 * per vector, capacity doubling) with parallel arrays for norms, namespaces,
 * log record sizes, ids and metadata, an id → row map, and the int8 copy of
 * every row (`int8-rows.ts`) kept in step on every write, move and growth.
 * Deleting moves the last row into the hole, so rows stay dense.
 *
 * The float32 rows stay the source of truth: they answer `returnValues`,
 * `getByIds`, exact scoring and persistence; the int8 copy only speeds up
 * search, and is absent when the runtime lacks WASM SIMD (or its memory
 * could not grow), in which case searches scan the float rows exactly.
 */
import { Int8Rows, type Int8RowsStorage } from "./int8-rows.js";
import type { LoggedVector } from "./vector-log.js";
import type { DistanceMetric, StoredVector } from "./types.js";

const initialCapacity = 64;

/** A vector as the rows take it (already checked). */
export interface RowInput {
  id: string;
  values: ArrayLike<number>;
  namespace: string | undefined;
  metadata: Record<string, unknown> | undefined;
}

/** Byte sizes of the typed arrays, at the current capacity (ids, metadata and maps are not counted). */
export interface VectorRowsStorage extends Partial<Int8RowsStorage> {
  capacity: number;
  rows: number;
  /** The float32 matrix: capacity × dimensions × 4. */
  float32Bytes: number;
  /** norms (float64), namespace ids (int32), log record sizes (float64): 20 bytes a row. */
  perRowArrayBytes: number;
}

/** One index's rows; see the module comment. */
export class VectorRows {
  readonly dimensions: number;
  private capacity = 0;
  private used = 0;
  private values = new Float32Array(0);
  private normOf = new Float64Array(0);
  private namespaceIdOf = new Int32Array(0);
  private recordBytesOf = new Float64Array(0);
  private readonly idOf: string[] = [];
  private readonly metadataOf: (Record<string, unknown> | undefined)[] = [];
  private readonly rowById = new Map<string, number>();
  private readonly namespaceIds = new Map<string, number>();
  private readonly namespaceNames: string[] = [];
  private live = 0;
  private quantised: Int8Rows | undefined;

  /** `int8: false` keeps no int8 copy (every search scans exactly). */
  constructor(dimensions: number, metric: DistanceMetric, options: { int8: boolean }) {
    this.dimensions = dimensions;
    this.quantised = options.int8 ? Int8Rows.create(dimensions, metric) : undefined;
    this.ensureCapacity(initialCapacity);
  }

  /** Number of live rows (rows 0..count-1). */
  get count(): number {
    return this.used;
  }

  /** The float32 matrix, row-major (valid until the next write). */
  get matrix(): Float32Array {
    return this.values;
  }

  /** Euclidean norm of each row's float32 values. */
  get norms(): Float64Array {
    return this.normOf;
  }

  /** Namespace id of each row; -1 for none. */
  get namespaceIdsByRow(): Int32Array {
    return this.namespaceIdOf;
  }

  /** Id of each row. */
  get ids(): readonly string[] {
    return this.idOf;
  }

  /** Stored metadata of each row (the store's own objects: copy before handing out). */
  get metadata(): readonly (Record<string, unknown> | undefined)[] {
    return this.metadataOf;
  }

  /** The int8 copy, when there is one. */
  get int8(): Int8Rows | undefined {
    return this.quantised;
  }

  /** Summed size of the log records that describe the live rows. */
  get liveBytes(): number {
    return this.live;
  }

  /** The row holding `id`. */
  rowOf(id: string): number | undefined {
    return this.rowById.get(id);
  }

  /** The id of `namespace`, or undefined when no row was ever written to it. */
  namespaceId(namespace: string): number | undefined {
    return this.namespaceIds.get(namespace);
  }

  /** The namespace of `row`, if any. */
  namespaceOf(row: number): string | undefined {
    const id = this.namespaceIdOf[row]!;
    return id >= 0 ? this.namespaceNames[id]! : undefined;
  }

  /** Writes `vector` into its row (a new one when the id is new) and returns the row. */
  set(vector: RowInput): number {
    let row = this.rowById.get(vector.id);
    if (row === undefined) {
      this.ensureCapacity(this.used + 1);
      row = this.used++;
      this.rowById.set(vector.id, row);
      this.idOf[row] = vector.id;
      this.recordBytesOf[row] = 0;
    }
    const dims = this.dimensions;
    const base = row * dims;
    let squares = 0;
    for (let j = 0; j < dims; j++) {
      const value = Math.fround(vector.values[j]!);
      this.values[base + j] = value;
      squares += value * value;
    }
    const norm = Math.sqrt(squares);
    this.normOf[row] = norm;
    this.namespaceIdOf[row] = vector.namespace === undefined ? -1 : this.internNamespace(vector.namespace);
    this.metadataOf[row] = vector.metadata;
    this.quantised?.set(row, this.values.subarray(base, base + dims), norm);
    return row;
  }

  /** Removes the row holding `id` by moving the last row into its place. Returns false when there is none. */
  remove(id: string): boolean {
    const row = this.rowById.get(id);
    if (row === undefined) return false;
    const last = this.used - 1;
    this.live -= this.recordBytesOf[row]!;
    if (row !== last) {
      const dims = this.dimensions;
      this.values.copyWithin(row * dims, last * dims, last * dims + dims);
      this.normOf[row] = this.normOf[last]!;
      this.namespaceIdOf[row] = this.namespaceIdOf[last]!;
      this.recordBytesOf[row] = this.recordBytesOf[last]!;
      const movedId = this.idOf[last]!;
      this.idOf[row] = movedId;
      this.metadataOf[row] = this.metadataOf[last];
      this.rowById.set(movedId, row);
      this.quantised?.move(last, row);
    }
    this.idOf.length = last;
    this.metadataOf.length = last;
    this.rowById.delete(id);
    this.used = last;
    return true;
  }

  /** Records the size of the log record that now describes `row`. */
  setRecordBytes(row: number, bytes: number): void {
    this.live += bytes - this.recordBytesOf[row]!;
    this.recordBytesOf[row] = bytes;
  }

  /** A view of the row's float32 values (valid until the next write). */
  rowValues(row: number): Float32Array {
    const base = row * this.dimensions;
    return this.values.subarray(base, base + this.dimensions);
  }

  /** The row's values as a plain array. */
  valuesAt(row: number): number[] {
    return Array.from(this.rowValues(row));
  }

  /** The row as `getByIds` returns it (metadata copied). */
  vectorAt(row: number): StoredVector {
    const vector: StoredVector = { id: this.idOf[row]!, values: this.valuesAt(row) };
    const namespace = this.namespaceOf(row);
    if (namespace !== undefined) vector.namespace = namespace;
    const stored = this.metadataOf[row];
    if (stored !== undefined) vector.metadata = structuredClone(stored);
    return vector;
  }

  /** The row as an upsert record carries it (values are a view: encode before the next write). */
  loggedVector(row: number): LoggedVector {
    return { id: this.idOf[row]!, namespace: this.namespaceOf(row), metadata: this.metadataOf[row], values: this.rowValues(row) };
  }

  /** Byte sizes of the typed arrays at the current capacity. */
  storage(): VectorRowsStorage {
    return {
      capacity: this.capacity,
      rows: this.used,
      float32Bytes: this.values.byteLength,
      perRowArrayBytes: this.normOf.byteLength + this.namespaceIdOf.byteLength + this.recordBytesOf.byteLength,
      ...this.quantised?.storage(),
    };
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    let capacity = Math.max(this.capacity, initialCapacity);
    while (capacity < rows) capacity *= 2;
    const values = new Float32Array(capacity * this.dimensions);
    values.set(this.values.subarray(0, this.used * this.dimensions));
    this.values = values;
    this.normOf = grow(this.normOf, new Float64Array(capacity), this.used);
    this.namespaceIdOf = grow(this.namespaceIdOf, new Int32Array(capacity), this.used);
    this.recordBytesOf = grow(this.recordBytesOf, new Float64Array(capacity), this.used);
    if (this.quantised && !this.quantised.ensureCapacity(capacity, this.used)) {
      console.warn(`[vector-store] no memory for the int8 copy of ${capacity} rows; searching this index by exact scan only`);
      this.quantised = undefined;
    }
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
}

function grow<T extends Float64Array | Int32Array>(old: T, fresh: T, used: number): T {
  fresh.set(old.subarray(0, used));
  return fresh;
}
