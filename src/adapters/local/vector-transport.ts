/**
 * Binary transport of vectors over the LOCAL_SERVICES binding (worker ⇄ the
 * host Node process). JSON spends ~20 characters per float and a parse on
 * each side: 100 vectors of 512 dimensions are a megabyte of text, which took
 * more time than the embedding and the index write themselves. Both
 * directions carry float32, which is what the vector index stores (and what
 * the models compute), so stored vectors are the same as through JSON.
 *
 * Layout of a vector batch (`vectorBatchType`): uint32 (little-endian) byte
 * length of a UTF-8 JSON header `{dimensions, vectors: [{id, namespace?,
 * metadata?}]}`, the header, zero padding to a multiple of 4, then
 * `vectors.length × dimensions` float32 values (little-endian), row by row.
 * A matrix (`matrixType`) is the float32 values alone; its shape travels in
 * the `x-shape` header as `rows,columns`.
 *
 * Used on both sides; imports nothing from either runtime.
 */

export const vectorBatchType = "application/vnd.edge-rag.vectors";
export const matrixType = "application/vnd.edge-rag.f32";

export interface TransportVector {
  id: string;
  namespace?: string;
  metadata?: Record<string, unknown>;
  values: ArrayLike<number>;
}

/**
 * Encodes `vectors` when they can travel as float32 rows: each an object with
 * an id string and `values` of one common, non-zero length holding numbers
 * only. Anything else returns null, and the caller sends JSON, so that the
 * index reports malformed input with its usual messages.
 */
export function encodeVectorBatch(vectors: readonly unknown[]): Uint8Array<ArrayBuffer> | null {
  if (!Array.isArray(vectors) || vectors.length === 0) return null;
  let dimensions = -1;
  const headers: { id: string; namespace?: string; metadata?: Record<string, unknown> }[] = [];
  for (const vector of vectors as readonly Partial<TransportVector>[]) {
    if (vector === null || typeof vector !== "object" || typeof vector.id !== "string") return null;
    const values = vector.values;
    if (values === null || typeof values !== "object" || typeof values.length !== "number" || values.length === 0) return null;
    if (dimensions === -1) dimensions = values.length;
    else if (values.length !== dimensions) return null;
    if (!(values instanceof Float32Array) && !(values instanceof Float64Array)) {
      for (let j = 0; j < values.length; j++) if (typeof values[j] !== "number") return null;
    }
    headers.push({
      id: vector.id,
      ...(vector.namespace !== undefined ? { namespace: vector.namespace } : {}),
      ...(vector.metadata !== undefined ? { metadata: vector.metadata } : {}),
    });
  }
  const json = new TextEncoder().encode(JSON.stringify({ dimensions, vectors: headers }));
  const valuesOffset = align4(4 + json.length);
  const bytes = new Uint8Array(valuesOffset + vectors.length * dimensions * 4);
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 4);
  const values = new Float32Array(bytes.buffer, valuesOffset, vectors.length * dimensions);
  (vectors as readonly TransportVector[]).forEach((vector, row) => values.set(vector.values, row * dimensions));
  return bytes;
}

/** Decodes a vector batch; each vector's values are a Float32Array of its own. Throws on a malformed body. */
export function decodeVectorBatch(buffer: ArrayBuffer): TransportVector[] {
  if (buffer.byteLength < 4) throw new Error("vector batch too short");
  const jsonLength = new DataView(buffer).getUint32(0, true);
  if (4 + jsonLength > buffer.byteLength) throw new Error("vector batch header overruns the body");
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, jsonLength))) as {
    dimensions: number;
    vectors: { id: string; namespace?: string; metadata?: Record<string, unknown> }[];
  };
  const { dimensions, vectors } = header;
  const valuesOffset = align4(4 + jsonLength);
  if (!Number.isInteger(dimensions) || dimensions < 1 || !Array.isArray(vectors) || buffer.byteLength !== valuesOffset + vectors.length * dimensions * 4) {
    throw new Error("vector batch size does not match its header");
  }
  const all = new Float32Array(buffer, valuesOffset, vectors.length * dimensions);
  return vectors.map((vector, row) => ({ ...vector, values: all.slice(row * dimensions, (row + 1) * dimensions) }));
}

/** A matrix of equal-length rows as float32 bytes, with its shape. */
export function encodeMatrix(rows: readonly ArrayLike<number>[]): { bytes: Uint8Array<ArrayBuffer>; shape: [number, number] } {
  const columns = rows[0]?.length ?? 0;
  const values = new Float32Array(rows.length * columns);
  rows.forEach((row, i) => {
    if (row.length !== columns) throw new Error("matrix rows differ in length");
    values.set(row, i * columns);
  });
  return { bytes: new Uint8Array(values.buffer), shape: [rows.length, columns] };
}

/** Decodes float32 bytes of the given shape (`rows,columns`) into arrays of numbers. */
export function decodeMatrix(buffer: ArrayBuffer, shapeHeader: string | null): number[][] {
  const [rows, columns] = (shapeHeader ?? "").split(",").map(Number);
  if (!Number.isInteger(rows) || !Number.isInteger(columns) || rows! < 0 || columns! < 0 || buffer.byteLength !== rows! * columns! * 4) {
    throw new Error(`matrix body of ${buffer.byteLength} bytes does not match shape "${shapeHeader}"`);
  }
  const values = new Float32Array(buffer);
  // Plain loops into preallocated arrays: Array.from over typed-array views is ~10× slower (100 × 512 values per batch).
  const out: number[][] = new Array<number[]>(rows!);
  for (let i = 0, k = 0; i < rows!; i++) {
    const row = new Array<number>(columns!);
    for (let j = 0; j < columns!; j++) row[j] = values[k++]!;
    out[i] = row;
  }
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
