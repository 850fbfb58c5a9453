/**
 * JSON-over-HTTP face of the local vector store, mounted by
 * `local-services.ts` under `/vectorize/`. The worker-side adapter
 * (`../local-vectorize-index.ts`) is its only client. Routes, relative to the
 * mount point (`<index>` is URL-encoded):
 *
 * - `POST <index>/create` `{dimensions, metric}` → description (create if
 *   missing; 409 when the name exists with other settings)
 * - `GET|POST <index>/describe` → description
 * - `POST <index>/query` `{vector, options}` → `{matches, count}`
 * - `POST <index>/queryById` `{id, options}` → `{matches, count}`
 * - `POST <index>/insert` | `<index>/upsert` `{vectors}` → `{mutationId, ids, count}`
 * - `POST <index>/getByIds` `{ids}` → `{vectors}`
 * - `POST <index>/deleteByIds` `{ids}` → `{mutationId, ids, count}`
 * - `DELETE <index>` or `POST <index>/delete` → `{deleted: true}`
 *
 * Errors are `{error: {code, message}}`: 400 for caller mistakes (code named
 * after the operation, like Vectorize's `VECTOR_QUERY_ERROR`), 404
 * `INDEX_NOT_FOUND`, 409 `INDEX_CONFLICT`.
 */
import { decodeVectorBatch, vectorBatchType } from "../vector-transport.js";
import { LocalVectorStore, VectorStoreError, type IndexConfig, type LocalVectorIndex, type QueryOptions, type VectorInput } from "./vector-store.js";

export interface VectorService {
  fetch(request: Request, path: string): Promise<Response>;
  close(): Promise<void>;
}

const operationCodes: Record<string, string> = {
  create: "INDEX_CREATE_ERROR",
  describe: "INDEX_GET_ERROR",
  query: "VECTOR_QUERY_ERROR",
  queryById: "VECTOR_QUERY_ERROR",
  insert: "VECTOR_INSERT_ERROR",
  upsert: "VECTOR_UPSERT_ERROR",
  getByIds: "VECTOR_GET_ERROR",
  deleteByIds: "VECTOR_DELETE_ERROR",
  delete: "INDEX_DELETE_ERROR",
};

/** Creates the service over a store persisted in `dataDir`. */
export function createVectorService(options: { dataDir: string; compaction?: { ratio?: number; minBytes?: number } }): VectorService {
  const store = new LocalVectorStore(options);

  async function handle(request: Request, path: string): Promise<Response> {
    const [encodedName = "", operation = request.method === "DELETE" ? "delete" : "", ...rest] = path.split("/");
    const name = safeDecode(encodedName);
    const code = operationCodes[operation];
    if (!name || !code || rest.length > 0) return errorResponse(404, "NOT_FOUND", `no vector operation at ${request.method} /vectorize/${path}`);
    const allowed = operation === "describe" ? ["GET", "POST"] : operation === "delete" ? ["DELETE", "POST"] : ["POST"];
    if (!allowed.includes(request.method)) return errorResponse(405, "METHOD_NOT_ALLOWED", `${operation} takes ${allowed.join(" or ")}`);

    let body: Record<string, unknown> = {};
    if (request.method === "POST" && request.headers.get("content-type") === vectorBatchType) {
      if (operation !== "insert" && operation !== "upsert") return errorResponse(415, "UNSUPPORTED_MEDIA_TYPE", `${operation} takes JSON`);
      try {
        body = { vectors: decodeVectorBatch(await request.arrayBuffer()) };
      } catch (error) {
        return errorResponse(400, code, `malformed vector batch: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else if (request.method === "POST") {
      const text = await request.text();
      if (text !== "") {
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          return errorResponse(400, "INVALID_JSON", "request body is not valid JSON");
        }
        if (body === null || typeof body !== "object" || Array.isArray(body)) return errorResponse(400, "BAD_REQUEST", "request body must be a JSON object");
      }
    }

    try {
      if (operation === "create") {
        const index = store.createIndex(name, { dimensions: body.dimensions, metric: body.metric } as IndexConfig);
        return Response.json(index.describe());
      }
      if (operation === "delete") {
        if (!store.deleteIndex(name)) return notFound(name);
        return Response.json({ deleted: true });
      }
      const index = store.getIndex(name);
      if (!index) return notFound(name);
      return Response.json(run(index, operation, body));
    } catch (error) {
      if (error instanceof VectorStoreError) {
        if (error.kind === "not_found") return errorResponse(404, "INDEX_NOT_FOUND", error.message);
        if (error.kind === "conflict") return errorResponse(409, "INDEX_CONFLICT", error.message);
        return errorResponse(400, code, error.message);
      }
      throw error;
    }
  }

  return {
    fetch: handle,
    async close() {
      store.close();
    },
  };
}

function run(index: LocalVectorIndex, operation: string, body: Record<string, unknown>): unknown {
  switch (operation) {
    case "describe":
      return index.describe();
    case "query": {
      const matches = index.query(body.vector as number[], (body.options ?? {}) as QueryOptions);
      return { matches, count: matches.length };
    }
    case "queryById": {
      const matches = index.queryById(body.id as string, (body.options ?? {}) as QueryOptions);
      return { matches, count: matches.length };
    }
    case "insert":
      return index.insert(body.vectors as VectorInput[]);
    case "upsert":
      return index.upsert(body.vectors as VectorInput[]);
    case "getByIds":
      return { vectors: index.getByIds(body.ids as string[]) };
    case "deleteByIds":
      return index.deleteByIds(body.ids as string[]);
    default:
      throw new VectorStoreError("invalid", `unknown operation ${operation}`);
  }
}

function notFound(name: string): Response {
  return errorResponse(404, "INDEX_NOT_FOUND", `vector index "${name}" does not exist; create it first (ensureLocalVectorIndex)`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return "";
  }
}

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}
