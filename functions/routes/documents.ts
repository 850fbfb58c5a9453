/** Document routes: ingest (single, batch, or a file upload), read, list, delete, retry. */
import { Hono } from "hono";
import { AppError } from "../../src/core/errors.js";
import type { DocumentRecord } from "../../src/ports/document-store.js";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { rateLimit } from "../middleware/rate-limit.js";
import { isMultipart, readFormUpload } from "../middleware/form-upload.js";
import { formatBytes, readJson, validate } from "../middleware/json-body.js";
import {
  batchSchema,
  documentIdSchema,
  documentSchema,
  documentUploadFormSchema,
  listQuerySchema,
  maxBatchContentBytes,
  maxDocumentBytes,
  uploadFieldsSchema,
} from "../schemas.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import {
  documentBatchSubmittedSchema,
  documentDeletedSchema,
  documentListSchema,
  documentRequeuedSchema,
  documentSubmittedSchema,
  documentViewSchema,
  failedDocumentsRequeuedSchema,
} from "../response-schemas.js";

const encoder = new TextEncoder();
/** JSON escaping can grow content (a newline is 2 bytes); allow for it before the exact check. */
const singleBodyLimit = 8 * maxDocumentBytes;
const batchBodyLimit = 2 * maxBatchContentBytes;

export const documentRoutes = new Hono<AppEnv>()
  .post("/", requireScope("ingest"), rateLimit({ action: "ingest" }), async (c) => {
    const contentType = c.req.header("content-type");
    if (isMultipart(contentType)) {
      const { documents } = c.var.services;
      const { file, fields } = await readFormUpload(c, uploadFieldsSchema, { fileField: "file", jsonFields: ["metadata"], maxFileBytes: documents.maxUploadBytes });
      const result = await documents.upload(c.var.tenantId, { ...fields, file });
      return c.json(result, result.status === "unchanged" ? 200 : 202);
    }
    if (!/^application\/(.+\+)?json\b/i.test((contentType ?? "").trim())) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "send the document as JSON (`Content-Type: application/json`) or as a file (`multipart/form-data` with a `file` part)");
    }
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

/** A document as the API shows it (also the MCP tools). */
export function toView(doc: DocumentRecord) {
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
    ...(doc.original ? { original: { filename: doc.original.filename, bytes: doc.original.bytes } } : {}),
    created_at: doc.createdAt,
    updated_at: doc.updatedAt,
  };
}

export function encodeCursor(lastId: string): string {
  return btoa(lastId).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

export function decodeCursor(cursor: string): string {
  try {
    return atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    throw new AppError("VALIDATION_FAILED", "cursor: not a cursor returned by this API");
  }
}

const documentPath = { id: documentIdSchema };

/** API reference (functions/openapi/). */
export const documentOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/v1/documents",
    operationId: "createDocument",
    summary: "Ingest a document (JSON or a file upload)",
    description:
      "Stores the document and queues it for indexing. As JSON: `content` ≤ 1 MiB of UTF-8. As a file (`multipart/form-data`): a `file` part (.md, .txt, .html or .pdf, ≤ UPLOAD_MAX_BYTES, 10 MiB by default) and optional `id`, `title`, `metadata` (JSON) and `source_url` parts; the file is kept in R2 and its text extracted by the queue consumer (a PDF's chunks carry their page numbers). Re-posting a document that is not ready yet queues the same version again; changing content (or the file), title, format, metadata or source URL makes a new version.",
    tags: ["Documents"],
    auth: keyWith("ingest"),
    rateLimited: true,
    body: named("DocumentInput", documentSchema),
    form: {
      ...named("DocumentUpload", documentUploadFormSchema),
      description:
        "Or a file: `multipart/form-data` with a `file` part. Too large: 413; a type other than text, markdown, HTML or PDF: 415; a file of such a type that cannot be read (a corrupt or encrypted PDF, text that is not UTF-8): 422; an empty one: 400. Checked before anything is stored.",
      encoding: { file: { contentType: "text/markdown, text/plain, text/html, application/pdf, application/octet-stream" }, metadata: { contentType: "application/json" } },
    },
    responses: {
      200: { description: "The same content is already indexed (`status: unchanged`)", json: named("DocumentSubmitted", documentSubmittedSchema) },
      202: { description: "Stored and queued (`status: queued`)", json: named("DocumentSubmitted", documentSubmittedSchema) },
    },
    errors: [422],
  },
  {
    method: "post",
    path: "/v1/documents/batch",
    operationId: "createDocuments",
    summary: "Ingest up to 100 documents",
    description: "All or nothing; at most 10 MiB of content per request.",
    tags: ["Documents"],
    auth: keyWith("ingest"),
    rateLimited: true,
    body: named("DocumentBatchInput", batchSchema),
    responses: { 202: { description: "Stored and queued, one result per document in order", json: named("DocumentBatchSubmitted", documentBatchSubmittedSchema) } },
  },
  {
    method: "post",
    path: "/v1/documents/retry-failed",
    operationId: "retryFailedDocuments",
    summary: "Re-queue the tenant's failed documents",
    description: "Dead-letter replay: up to 1,000 failed documents per call; `remaining` says whether to call again.",
    tags: ["Documents"],
    auth: keyWith("admin"),
    rateLimited: true,
    responses: { 202: { description: "Queued again", json: named("FailedDocumentsRequeued", failedDocumentsRequeuedSchema) } },
  },
  {
    method: "post",
    path: "/v1/documents/{id}/retry",
    operationId: "retryDocument",
    summary: "Re-queue a failed (or stuck) document",
    tags: ["Documents"],
    auth: keyWith("ingest"),
    rateLimited: true,
    pathParams: documentPath,
    responses: { 202: { description: "Queued again", json: named("DocumentRequeued", documentRequeuedSchema) } },
    errors: [409],
  },
  {
    method: "get",
    path: "/v1/documents",
    operationId: "listDocuments",
    summary: "List documents",
    description: "Ordered by id, a page at a time.",
    tags: ["Documents"],
    auth: keyWith("ingest", "query"),
    query: listQuerySchema,
    responses: { 200: { description: "A page of documents", json: named("DocumentList", documentListSchema) } },
  },
  {
    method: "get",
    path: "/v1/documents/{id}",
    operationId: "getDocument",
    summary: "A document's status",
    tags: ["Documents"],
    auth: keyWith("ingest", "query"),
    pathParams: documentPath,
    responses: { 200: { description: "The document (without its content)", json: named("Document", documentViewSchema) } },
  },
  {
    method: "delete",
    path: "/v1/documents/{id}",
    operationId: "deleteDocument",
    summary: "Delete a document",
    description: "Gone from keyword search, vector search and chat at once; its vectors are purged in the background.",
    tags: ["Documents"],
    auth: keyWith("ingest"),
    rateLimited: true,
    pathParams: documentPath,
    responses: { 202: { description: "Deleted", json: named("DocumentDeleted", documentDeletedSchema) } },
  },
];
