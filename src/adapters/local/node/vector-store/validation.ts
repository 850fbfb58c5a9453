/**
 * Checks every input of the local vector store against Vectorize's rules and
 * limits (`limits.ts`) and turns it into the checked form the store works
 * with. Every failure is a `VectorStoreError` of kind `invalid` whose message
 * names the offending vector or option; nothing here touches an index.
 */
import { AppError } from "../../../../core/errors.js";
import { compileMetadataFilter, parseMetadataFilter, utf8ByteLength } from "../../../../core/search/metadata-filter.js";
import { localVectorizeLimits } from "./limits.js";
import { distanceMetrics, type IndexConfig, type QueryOptions, type VectorInput } from "./types.js";
import { VectorStoreError } from "./vector-store-error.js";

/** A vector that passed `checkBatch`: an id of 1..64 bytes, finite values of the right length, metadata as a JSON round trip. */
export interface CheckedVector {
  id: string;
  values: ArrayLike<number>;
  namespace: string | undefined;
  metadata: Record<string, unknown> | undefined;
}

/** Query options with defaults applied and the filter compiled to a predicate. */
export interface QuerySettings {
  topK: number;
  namespace: string | undefined;
  predicate: ((metadata: Record<string, unknown> | undefined) => boolean) | undefined;
  returnValues: boolean;
  metadataLevel: "none" | "indexed" | "all";
}

/** Index names: also directory names, so a conservative character set. */
export const indexNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws unless `name` is 1..64 bytes of letters, digits, `.`, `_` or `-`, starting with a letter or digit. */
export function checkIndexName(name: string): void {
  if (typeof name !== "string" || !indexNamePattern.test(name) || utf8ByteLength(name) > localVectorizeLimits.maxIndexNameBytes) {
    throw new VectorStoreError(
      "invalid",
      `invalid index name ${JSON.stringify(name)}: use 1 to ${localVectorizeLimits.maxIndexNameBytes} letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
}

/** Throws unless the dimensions are an integer in 1..1536 and the metric is one Vectorize knows. */
export function checkIndexConfig(config: IndexConfig): void {
  if (!Number.isInteger(config?.dimensions) || config.dimensions < 1 || config.dimensions > localVectorizeLimits.maxDimensions) {
    throw new VectorStoreError("invalid", `dimensions must be an integer from 1 to ${localVectorizeLimits.maxDimensions}`);
  }
  if (!distanceMetrics.includes(config.metric)) {
    throw new VectorStoreError("invalid", `metric must be one of ${distanceMetrics.join(", ")}`);
  }
}

/** Checks a whole insert/upsert batch (1..1,000 vectors) before any of it is applied. */
export function checkBatch(vectors: readonly VectorInput[], dimensions: number, operation: "insert" | "upsert"): CheckedVector[] {
  if (!Array.isArray(vectors)) throw new VectorStoreError("invalid", `${operation} expects an array of vectors`);
  if (vectors.length === 0) throw new VectorStoreError("invalid", `${operation} needs at least one vector`);
  if (vectors.length > localVectorizeLimits.maxVectorsPerCall) {
    throw new VectorStoreError(
      "invalid",
      `too many vectors: ${vectors.length}; a Worker may send at most ${localVectorizeLimits.maxVectorsPerCall} per ${operation}`,
    );
  }
  return vectors.map((vector, position) => checkVector(vector, position, dimensions));
}

function checkVector(vector: VectorInput, position: number, dimensions: number): CheckedVector {
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
  if (values.length !== dimensions) {
    throw new VectorStoreError("invalid", `invalid vector for id="${id}", expected ${dimensions} dimensions, and got ${values.length} dimensions`);
  }
  for (let j = 0; j < values.length; j++) {
    const value = values[j];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new VectorStoreError("invalid", `invalid vector for id="${id}": values[${j}] is ${String(value)}, not a finite number`);
    }
  }
  let namespace: string | undefined;
  if (vector.namespace !== undefined && vector.namespace !== null) {
    namespace = checkNamespace(vector.namespace, `vector id="${id}"`);
  }
  let metadata: Record<string, unknown> | undefined;
  if (vector.metadata !== undefined && vector.metadata !== null) {
    metadata = checkMetadata(vector.metadata, id);
  }
  return { id, values, namespace, metadata };
}

/** A namespace of at most 64 bytes; the empty string means "no namespace", on writes and on queries. */
export function checkNamespace(namespace: unknown, subject: string): string | undefined {
  if (typeof namespace !== "string") throw new VectorStoreError("invalid", `${subject}: namespace must be a string`);
  const bytes = utf8ByteLength(namespace);
  if (bytes > localVectorizeLimits.maxNamespaceBytes) {
    throw new VectorStoreError(
      "invalid",
      `${subject}: namespace "${namespace.slice(0, 80)}" is ${bytes} bytes; at most ${localVectorizeLimits.maxNamespaceBytes} are allowed`,
    );
  }
  return namespace === "" ? undefined : namespace;
}

/** Throws unless `ids` is an array of strings (and, for deletes, not empty). */
export function checkIdList(ids: readonly string[], operation: string): void {
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string")) {
    throw new VectorStoreError("invalid", `${operation} expects an array of string ids`);
  }
  if (operation === "delete" && ids.length === 0) throw new VectorStoreError("invalid", "delete needs at least one id");
}

/** The query vector as float64 values, after checking its length and that every value is finite. */
export function checkQueryVector(vector: ArrayLike<number>, dimensions: number): Float64Array {
  if (vector === null || typeof vector !== "object" || typeof vector.length !== "number") {
    throw new VectorStoreError("invalid", "invalid query vector: expected an array of numbers");
  }
  if (vector.length !== dimensions) {
    throw new VectorStoreError("invalid", `invalid query vector, expected ${dimensions} dimensions, and got ${vector.length} dimensions`);
  }
  const query = new Float64Array(dimensions);
  for (let j = 0; j < dimensions; j++) {
    const value = vector[j];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new VectorStoreError("invalid", `invalid query vector: values[${j}] is ${String(value)}, not a finite number`);
    }
    query[j] = value;
  }
  return query;
}

/** Applies Vectorize's defaults and limits to query options (topK 5 by default; 1..100; at most 20 with values or all metadata). */
export function checkQueryOptions(options: QueryOptions): QuerySettings {
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
  const namespace = options.namespace === undefined || options.namespace === null ? undefined : checkNamespace(options.namespace, "query");
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

/**
 * Checks metadata (an object; keys non-empty, without `.` or `"`, not
 * starting with `$`, at any depth; finite numbers; at most 10 KiB as JSON) and
 * returns a JSON round trip of it: no shared references, no undefined.
 */
export function checkMetadata(metadata: unknown, id: string): Record<string, unknown> {
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
