/** Document routes: ingest (single and batch), read, list, delete, retry. */
import { Hono } from "hono";
import { AppError } from "../../src/core/errors.js";
import type { DocumentRecord } from "../../src/ports/document-store.js";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { rateLimit } from "../middleware/rate-limit.js";
import { formatBytes, readJson, validate } from "../middleware/json-body.js";
import { batchSchema, documentIdSchema, documentSchema, listQuerySchema, maxBatchContentBytes, maxDocumentBytes } from "../schemas.js";

const encoder = new TextEncoder();
/** JSON escaping can grow content (a newline is 2 bytes); allow for it before the exact check. */
const singleBodyLimit = 8 * maxDocumentBytes;
const batchBodyLimit = 2 * maxBatchContentBytes;

export const documentRoutes = new Hono<AppEnv>()
  .post("/", requireScope("ingest"), rateLimit({ action: "ingest" }), async (c) => {
    const doc = await readJson(c, documentSchema, { maxBytes: singleBodyLimit });
    checkContentSize(doc.content);
    const [result] = await c.var.services.documents.submit(c.var.tenantId, [doc]);
    return c.json(result!, result!.status === "unchanged" ? 200 : 202);
  })
  .post("/batch", requireScope("ingest"), rateLimit({ action: "ingest" }), async (c) => {
    const { documents } = await readJson(c, batchSchema, { maxBytes: batchBodyLimit });
    let total = 0;
    documents.forEach((doc, index) => {
      total += checkContentSize(doc.content, `documents.${index}.content`);
    });
    if (total > maxBatchContentBytes) {
      throw new AppError("PAYLOAD_TOO_LARGE", `the batch holds ${total} bytes of content; the limit is ${formatBytes(maxBatchContentBytes)} per request, split it`);
    }
    const results = await c.var.services.documents.submit(c.var.tenantId, documents);
    return c.json({ results }, 202);
  })
  // Dead letters: re-queue the tenant's failed documents (admin), a bounded slice per call.
  .post("/retry-failed", requireScope("admin"), rateLimit({ action: "ingest" }), async (c) => {
    return c.json(await c.var.services.documents.retryFailed(c.var.tenantId), 202);
  })
  .post("/:id/retry", requireScope("ingest"), rateLimit({ action: "ingest" }), async (c) => {
    return c.json(await c.var.services.documents.retry(c.var.tenantId, documentId(c.req.param("id"))), 202);
  })
  .get("/", requireScope("ingest", "query"), async (c) => {
    const query = validate(listQuerySchema, c.req.query());
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const page = await c.var.services.documents.list(c.var.tenantId, { limit: query.limit, cursor: after, status: query.status });
    return c.json({ documents: page.documents.map(toView), next_cursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor) });
  })
  .get("/:id", requireScope("ingest", "query"), async (c) => {
    const doc = await c.var.services.documents.get(c.var.tenantId, documentId(c.req.param("id")));
    return c.json(toView(doc));
  })
  .delete("/:id", requireScope("ingest"), rateLimit({ action: "ingest" }), async (c) => {
    const id = documentId(c.req.param("id"));
    await c.var.services.documents.delete(c.var.tenantId, id);
    return c.json({ id, status: "deleted" }, 202);
  });

function checkContentSize(content: string, field = "content"): number {
  const bytes = encoder.encode(content).byteLength;
  if (bytes > maxDocumentBytes) {
    throw new AppError("PAYLOAD_TOO_LARGE", `${field} is ${bytes} bytes; the limit is ${formatBytes(maxDocumentBytes)} per document`);
  }
  return bytes;
}

function documentId(raw: string): string {
  const parsed = documentIdSchema.safeParse(raw);
  // An id that could never have been accepted cannot exist.
  if (!parsed.success) throw new AppError("NOT_FOUND", `document "${raw.slice(0, 128)}" does not exist`);
  return parsed.data;
}

function toView(doc: DocumentRecord) {
  return {
    id: doc.id,
    title: doc.title,
    status: doc.status,
    version: doc.version,
    indexed_version: doc.activeVersion,
    chunks: doc.chunkCount,
    ...(doc.error ? { error: doc.error } : {}),
    format: doc.format,
    source_url: doc.sourceUrl,
    metadata: doc.metadata,
    created_at: doc.createdAt,
    updated_at: doc.updatedAt,
  };
}

function encodeCursor(lastId: string): string {
  return btoa(lastId).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function decodeCursor(cursor: string): string {
  try {
    return atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    throw new AppError("VALIDATION_FAILED", "cursor: not a cursor returned by this API");
  }
}
