/**
 * Local mode's Vectorize binding: implements the binding's class (both the
 * current `Vectorize` and the legacy `VectorizeIndex` shapes) by calling the
 * vector stand-in in the host Node process through the `LOCAL_SERVICES`
 * service binding (`node/vector-service.ts`). Semantics, limits and error
 * messages come from there; this file only translates. Unlike Vectorize,
 * writes are queryable as soon as the call returns.
 */
import { encodeVectorBatch, vectorBatchType } from "./vector-transport.js";

export interface LocalIndexConfig {
  dimensions: number;
  metric: VectorizeDistanceMetric;
}

/** What the stand-in's `describe` answers. */
interface ServiceDescription {
  id: string;
  name: string;
  dimensions: number;
  metric: VectorizeDistanceMetric;
  vectorCount: number;
  processedUpToMutation: string | null;
  processedUpToDatetime: string | null;
}

/** A mutation result that satisfies both binding generations. */
export type LocalMutation = VectorizeAsyncMutation & VectorizeVectorMutation;

/** A failed call to the stand-in; `message` starts with the service's code (e.g. `VECTOR_QUERY_ERROR: ...`). */
export class LocalVectorizeError extends Error {
  override name = "LocalVectorizeError";
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export class LocalVectorizeIndex implements Vectorize, VectorizeIndex {
  constructor(
    private readonly service: Fetcher,
    readonly indexName: string,
  ) {}

  /**
   * Index information in both shapes: `dimensions`/`vectorCount`/`processedUpTo*`
   * (v2) and `id`/`name`/`config`/`vectorsCount` (legacy). Like production,
   * `processedUpToMutation` holds the last mutation id and
   * `processedUpToDatetime` an ISO time (workers-types declares both as
   * numbers); both are null before the first mutation since the host started.
   */
  async describe(): Promise<VectorizeIndexInfo & VectorizeIndexDetails> {
    const info = await this.call<ServiceDescription>("describe", {});
    return {
      id: info.id,
      name: info.name,
      config: { dimensions: info.dimensions, metric: info.metric },
      vectorsCount: info.vectorCount,
      vectorCount: info.vectorCount,
      dimensions: info.dimensions,
      processedUpToMutation: info.processedUpToMutation as unknown as number,
      processedUpToDatetime: info.processedUpToDatetime as unknown as number,
    };
  }

  async query(vector: VectorFloatArray | number[], options?: VectorizeQueryOptions): Promise<VectorizeMatches> {
    return this.call<VectorizeMatches>("query", { vector: toNumbers(vector), options: options ?? {} });
  }

  async queryById(vectorId: string, options?: VectorizeQueryOptions): Promise<VectorizeMatches> {
    return this.call<VectorizeMatches>("queryById", { id: vectorId, options: options ?? {} });
  }

  /** Inserts vectors with new ids; existing ids keep their vector (`ids` lists what was inserted). */
  async insert(vectors: VectorizeVector[]): Promise<LocalMutation> {
    return this.write("insert", vectors);
  }

  async upsert(vectors: VectorizeVector[]): Promise<LocalMutation> {
    return this.write("upsert", vectors);
  }

  async getByIds(ids: string[]): Promise<VectorizeVector[]> {
    const { vectors } = await this.call<{ vectors: VectorizeVector[] }>("getByIds", { ids });
    return vectors;
  }

  /** Deletes by id; unknown ids are ignored (`ids` lists what was deleted). */
  async deleteByIds(ids: string[]): Promise<LocalMutation> {
    return this.call<LocalMutation>("deleteByIds", { ids });
  }

  private call<T>(operation: string, body: unknown): Promise<T> {
    return callService<T>(this.service, `${encodeURIComponent(this.indexName)}/${operation}`, body);
  }

  /** Vectors travel as float32 rows (./vector-transport.ts); input the index must reject goes as JSON, for its messages. */
  private write(operation: "insert" | "upsert", vectors: VectorizeVector[]): Promise<LocalMutation> {
    const bytes = encodeVectorBatch(vectors);
    if (!bytes) return this.call<LocalMutation>(operation, { vectors: toTransport(vectors) });
    return callService<LocalMutation>(this.service, `${encodeURIComponent(this.indexName)}/${operation}`, bytes, vectorBatchType);
  }
}

/**
 * Creates the local index if it does not exist (the local counterpart of
 * `wrangler vectorize create <name> --dimensions --metric`) and returns a
 * binding for it. Throws a `LocalVectorizeError` with code `INDEX_CONFLICT`
 * when the name exists with other dimensions or another metric.
 */
export async function ensureLocalVectorIndex(service: Fetcher, indexName: string, config: LocalIndexConfig): Promise<LocalVectorizeIndex> {
  await callService(service, `${encodeURIComponent(indexName)}/create`, { dimensions: config.dimensions, metric: config.metric });
  return new LocalVectorizeIndex(service, indexName);
}

/** Deletes a local index and its data. Returns false when it did not exist. */
export async function deleteLocalVectorIndex(service: Fetcher, indexName: string): Promise<boolean> {
  try {
    await callService(service, `${encodeURIComponent(indexName)}/delete`, {});
    return true;
  } catch (error) {
    if (error instanceof LocalVectorizeError && error.status === 404) return false;
    throw error;
  }
}

async function callService<T>(service: Fetcher, path: string, body: unknown, contentType?: string): Promise<T> {
  const response = await service.fetch(`http://local/vectorize/${path}`, {
    method: "POST",
    headers: { "content-type": contentType ?? "application/json" },
    body: contentType ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body),
  });
  const text = await response.text();
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    payload = undefined;
  }
  if (!response.ok) {
    const error = (payload as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new LocalVectorizeError(
      typeof error?.code === "string" ? error.code : "LOCAL_VECTORIZE_ERROR",
      response.status,
      typeof error?.message === "string" ? error.message : `local vector service answered ${response.status}: ${text.slice(0, 200)}`,
    );
  }
  if (payload === undefined) throw new LocalVectorizeError("LOCAL_VECTORIZE_ERROR", response.status, "local vector service answered with invalid JSON");
  return payload as T;
}

function toNumbers(values: VectorFloatArray | number[]): number[] {
  return Array.isArray(values) ? values : Array.from(values);
}

function toTransport(vectors: VectorizeVector[]): unknown[] {
  if (!Array.isArray(vectors)) return vectors;
  return vectors.map((vector) =>
    vector && typeof vector === "object" && vector.values && !Array.isArray(vector.values) ? { ...vector, values: toNumbers(vector.values) } : vector,
  );
}
