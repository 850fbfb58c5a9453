/**
 * Accepting, reading, deleting and retrying documents. A document is written
 * to D1 before its queue message is sent; if sending fails the caller is told
 * to retry, and re-posting the same content queues it again (never
 * duplicates). A tenant whose unfinished backlog is past `maxBacklog` is told
 * to come back later (429 with Retry-After) instead of having work accepted
 * that cannot be finished soon.
 *
 * Uploaded files (`upload`): checked cheaply first (size, type, UTF-8 text,
 * a PDF pdf.js can open), then the bytes go to the originals store (R2)
 * under a key of their own, then the row that names them is stored, then the
 * message is queued — nothing is half-stored:
 * - the R2 put fails: 503, nothing was stored;
 * - the D1 write fails: the object is deleted, unless the row turns out to
 *   name it after all (a write that committed but answered with an error);
 *   when that cannot be read either, the object stays as an orphan no row
 *   names, which nothing ever reads (harmless; it only costs storage);
 * - the same file again (unchanged, or not ready yet): the row keeps its own
 *   object and the new one is deleted.
 * The consumer extracts the text from the object. An object no row names any
 * more (replaced by a new version, or its document deleted) is deleted at
 * once, or through the queue (`delete-originals`) when that fails.
 */
import { chunkId, chunkIdPrefix, contentHash } from "../core/document-identity.js";
import { AppError, PermanentError } from "../core/errors.js";
import { decodeTextFile, detectFileFormat, formatExtension, type FileFormat } from "../core/parsing/file-format.js";
import { hasVisibleText } from "../core/parsing/normalise-text.js";
import { inspectPdf } from "../core/parsing/pdf.js";
import type {
  DocumentFormat,
  DocumentInput,
  DocumentMetadata,
  DocumentRecord,
  DocumentStatus,
  DocumentStore,
  IndexStats,
  ListPage,
  SaveOutcome,
  VersionRef,
  VisibleChunk,
} from "../ports/document-store.js";
import type { IngestMessage, IngestQueue } from "../ports/ingest-queue.js";
import { originalKey, type OriginalStore } from "../ports/original-store.js";
import type { Logger } from "./logger.js";

export interface NewDocument {
  id?: string;
  title?: string;
  content: string;
  format?: DocumentFormat;
  metadata?: DocumentMetadata;
  source_url?: string;
}

/** A document posted as a file (multipart/form-data): the file and the JSON form's other fields. */
export interface NewUpload {
  file: { bytes: Uint8Array; filename: string; mediaType: string };
  id?: string;
  title?: string;
  metadata?: DocumentMetadata;
  source_url?: string;
}

/** A page of a document's visible chunks (see `DocumentService.chunks`). */
export interface DocumentChunks {
  document: DocumentRecord;
  chunks: VisibleChunk[];
  /** Chunks of the indexed version. */
  total: number;
}

export type SubmitResult =
  | { id: string; status: "queued"; version: number }
  | { id: string; status: "unchanged"; version: number };

export interface DocumentServiceOptions {
  /** Unfinished (queued or processing) documents a tenant may have; more is a 429. 0 turns the bound off. */
  maxBacklog: number;
  /** Retry-After sent with a backlog 429. */
  backlogRetryAfterSeconds: number;
  /** Largest uploaded file (UPLOAD_MAX_BYTES); larger is a 413. */
  maxUploadBytes: number;
}

/** UPLOAD_MAX_BYTES's default: 10 MiB. */
export const defaultMaxUploadBytes = 10 * 1024 * 1024;

/** Failed documents re-queued per bulk retry call. */
export const bulkRetryLimit = 1000;

export class DocumentService {
  constructor(
    private readonly deps: { store: DocumentStore; queue: IngestQueue; originals?: OriginalStore; log: Logger; options?: Partial<DocumentServiceOptions> },
  ) {}

  /** The largest file `upload` accepts. */
  get maxUploadBytes(): number {
    return this.deps.options?.maxUploadBytes ?? defaultMaxUploadBytes;
  }

  async submit(tenantId: string, documents: NewDocument[]): Promise<SubmitResult[]> {
    const inputs: DocumentInput[] = await Promise.all(
      documents.map(async (doc) => {
        const fields = {
          content: doc.content,
          title: doc.title ?? null,
          format: doc.format ?? "text",
          metadata: doc.metadata ?? {},
          sourceUrl: doc.source_url ?? null,
        };
        return { ...fields, id: doc.id ?? crypto.randomUUID(), contentHash: await contentHash(fields) };
      }),
    );
    const seen = new Set<string>();
    for (const input of inputs) {
      if (seen.has(input.id)) throw new AppError("VALIDATION_FAILED", `document id "${input.id}" appears more than once in the request`);
      seen.add(input.id);
    }

    await this.checkBacklog(tenantId, inputs.length);
    const outcomes = await this.deps.store.saveDocuments(tenantId, inputs);
    // Content posted over an uploaded file: the file is no longer needed.
    await this.discardOriginals(tenantId, outcomes.flatMap((outcome) => (outcome.kind === "stored" && outcome.replacedOriginal ? [outcome.replacedOriginal] : [])));
    return this.enqueueOutcomes(tenantId, outcomes);
  }

  /**
   * Accepts a document posted as a file (see the module comment for the
   * order of the writes). 413 over `maxUploadBytes`, 415 for a type other
   * than text, markdown, HTML or PDF, 422 for a file of such a type that
   * cannot be read (a corrupt or encrypted PDF, text that is not UTF-8), 400
   * for an empty one.
   */
  async upload(tenantId: string, upload: NewUpload): Promise<SubmitResult> {
    const { bytes, filename, mediaType } = upload.file;
    if (bytes.byteLength > this.maxUploadBytes) {
      throw new AppError("PAYLOAD_TOO_LARGE", `file "${filename}" is ${bytes.byteLength} bytes; the limit is ${this.maxUploadBytes} bytes (UPLOAD_MAX_BYTES)`);
    }
    const detected = detectFileFormat(filename, mediaType);
    if ("unsupported" in detected) throw new AppError("UNSUPPORTED_MEDIA_TYPE", `file "${filename}": ${detected.unsupported}`);
    const { format } = detected;
    await checkReadable(filename, bytes, format);
    const originals = this.deps.originals;
    if (!originals) throw new AppError("MISCONFIGURED", "configuration error: the ORIGINALS bucket binding is missing (see wrangler.toml)");

    const sha256 = await sha256Hex(bytes);
    const id = upload.id ?? crypto.randomUUID();
    const fields = {
      // The file stands in for the content: the same bytes under the same name are the same content.
      content: `file:${format}:${sha256}:${filename}`,
      title: upload.title ?? null,
      format,
      metadata: upload.metadata ?? {},
      sourceUrl: upload.source_url ?? null,
    };
    const input: DocumentInput = {
      ...fields,
      id,
      content: "",
      contentHash: await contentHash(fields),
      original: { key: originalKey(tenantId, id, formatExtension[format]), format, bytes: bytes.byteLength, filename },
    };
    const key = input.original!.key;
    await this.checkBacklog(tenantId, 1);

    try {
      await originals.put(key, bytes, { tenantId, documentId: id, filename, contentType: mediaTypes[format], sha256 });
    } catch (error) {
      this.deps.log.error("documents.original_put_failed", { tenant_id: tenantId, document_id: id, bytes: bytes.byteLength, detail: String(error) });
      throw new AppError("UPSTREAM_UNAVAILABLE", "the file could not be stored (nothing was saved); retry the request", { cause: error });
    }
    let outcomes: SaveOutcome[];
    try {
      outcomes = await this.deps.store.saveDocuments(tenantId, [input]);
    } catch (error) {
      await this.discardUnnamed(tenantId, id, key);
      throw error;
    }
    const [outcome] = outcomes;
    // A new version names the new object (and frees the one before); otherwise the row keeps its own.
    await this.discardOriginals(tenantId, outcome!.kind === "stored" ? (outcome!.replacedOriginal ? [outcome!.replacedOriginal] : []) : [key]);
    const [result] = await this.enqueueOutcomes(tenantId, outcomes);
    return result!;
  }

  /** Queues the stored and re-queued outcomes; the results in order. */
  private async enqueueOutcomes(tenantId: string, outcomes: SaveOutcome[]): Promise<SubmitResult[]> {
    const messages: IngestMessage[] = outcomes
      .filter((outcome) => outcome.kind !== "unchanged")
      .map((outcome) => ingestMessage({ tenantId, documentId: outcome.id, version: outcome.version, incarnation: outcome.incarnation }));
    if (messages.length > 0) {
      try {
        await this.deps.queue.send(messages);
      } catch (error) {
        this.deps.log.error("documents.enqueue_failed", { tenant_id: tenantId, documents: messages.length, detail: String(error) });
        throw new AppError(
          "UPSTREAM_UNAVAILABLE",
          "the documents were stored but could not be queued for indexing; retry the same request (re-posting identical content is safe)",
          { cause: error },
        );
      }
    }
    return outcomes.map((outcome) =>
      outcome.kind === "unchanged"
        ? { id: outcome.id, status: "unchanged", version: outcome.version }
        : { id: outcome.id, status: "queued", version: outcome.version },
    );
  }

  async get(tenantId: string, id: string): Promise<DocumentRecord> {
    const doc = await this.deps.store.getDocument(tenantId, id);
    if (!doc) throw notFound(id);
    return doc;
  }

  list(tenantId: string, options: { limit: number; cursor?: string; status?: DocumentStatus }): Promise<ListPage> {
    return this.deps.store.listDocuments(tenantId, { limit: options.limit, after: options.cursor, status: options.status });
  }

  /**
   * A page of the chunks searches can see of a document: those of its
   * indexed version, in document order (consecutive chunks overlap by a few
   * sentences). Empty while no version is indexed. One D1 round trip after
   * the document's own read.
   */
  async chunks(tenantId: string, id: string, options: { offset: number; limit: number }): Promise<DocumentChunks> {
    const document = await this.get(tenantId, id);
    const total = document.activeVersion === null ? 0 : document.chunkCount;
    const end = Math.min(total, options.offset + options.limit);
    if (options.offset >= end) return { document, chunks: [], total };
    const prefix = await chunkIdPrefix(tenantId, document.id, document.incarnation);
    const ids = Array.from({ length: end - options.offset }, (_, index) => chunkId(prefix, document.activeVersion!, options.offset + index));
    // A version replaced since the read shows none of its chunks (never a mix).
    return { document, chunks: await this.deps.store.visibleChunks(tenantId, ids), total };
  }

  /** Removes the document from keyword search, vector search and chat at once; its vectors are purged in the background, its uploaded file (if any) at once. */
  async delete(tenantId: string, id: string): Promise<void> {
    const deleted = await this.deps.store.deleteDocument(tenantId, id);
    if (!deleted) throw notFound(id);
    if (deleted.originalKey !== null) await this.discardOriginals(tenantId, [deleted.originalKey]);
    try {
      await this.deps.queue.send([{ kind: "reconcile-document", tenant_id: tenantId, document_id: id }]);
    } catch (error) {
      // The document is already invisible (reads join on D1); its vector sets
      // still account for its vectors, so the scheduled sweep purges them.
      this.deps.log.error("documents.purge_enqueue_failed", { tenant_id: tenantId, document_id: id, detail: String(error) });
    }
  }

  /**
   * Queues a document again: a failed one (e.g. dead-lettered after an
   * outage) goes back to queued; a queued or processing one gets a fresh
   * message (harmless if the old one still exists). A ready one is a 409.
   */
  async retry(tenantId: string, id: string): Promise<{ id: string; status: "queued"; version: number }> {
    // A document that changes between the read and the re-queue is read again (a few times at most).
    for (let tries = 0; tries < 3; tries++) {
      const doc = await this.get(tenantId, id);
      if (doc.status === "ready") throw new AppError("CONFLICT", `document "${id}" is already indexed (version ${doc.version})`);
      let ref: VersionRef | undefined = { tenantId, documentId: doc.id, version: doc.version, incarnation: doc.incarnation };
      if (doc.status === "failed") [ref] = await this.deps.store.requeueFailed(tenantId, { ids: [id], limit: 1 });
      if (!ref) continue;
      await this.enqueue(tenantId, [ingestMessage(ref)]);
      return { id, status: "queued", version: ref.version };
    }
    throw new AppError("CONFLICT", `document "${id}" keeps changing; retry the request`);
  }

  /** Re-queues up to `bulkRetryLimit` of the tenant's failed documents; `remaining` says whether to call again. */
  async retryFailed(tenantId: string): Promise<{ requeued: number; remaining: boolean }> {
    const refs = await this.deps.store.requeueFailed(tenantId, { limit: bulkRetryLimit });
    await this.enqueue(tenantId, refs.map(ingestMessage));
    return { requeued: refs.length, remaining: refs.length === bulkRetryLimit };
  }

  stats(tenantId: string): Promise<IndexStats> {
    return this.deps.store.stats(tenantId);
  }

  /**
   * Deletes uploaded files no row names any more; when that fails, queues
   * their deletion (`delete-originals`); when that fails too, logs the keys
   * (orphans nothing reads). Never throws: the request's work is done.
   */
  private async discardOriginals(tenantId: string, keys: string[]): Promise<void> {
    if (keys.length === 0 || !this.deps.originals) return;
    try {
      await this.deps.originals.delete(keys);
      return;
    } catch (error) {
      this.deps.log.warn("documents.original_delete_deferred", { tenant_id: tenantId, keys: keys.length, detail: String(error) });
    }
    try {
      await this.deps.queue.send([{ kind: "delete-originals", tenant_id: tenantId, keys }]);
    } catch (error) {
      this.deps.log.error("documents.original_orphaned", { tenant_id: tenantId, keys, detail: String(error) });
    }
  }

  /** After a failed D1 write: deletes the new object unless the row names it (the write committed after all). */
  private async discardUnnamed(tenantId: string, id: string, key: string): Promise<void> {
    let named: boolean;
    try {
      named = (await this.deps.store.getDocument(tenantId, id))?.original?.key === key;
    } catch (error) {
      this.deps.log.error("documents.original_orphaned", { tenant_id: tenantId, keys: [key], detail: `the row could not be read after a failed write: ${String(error)}` });
      return;
    }
    if (!named) await this.discardOriginals(tenantId, [key]);
  }

  private async checkBacklog(tenantId: string, incoming: number): Promise<void> {
    const maxBacklog = this.deps.options?.maxBacklog ?? 0;
    if (maxBacklog <= 0) return;
    const backlog = await this.deps.store.backlog(tenantId);
    if (backlog + incoming > maxBacklog) {
      throw new AppError(
        "INGEST_BACKLOG_FULL",
        `this tenant has ${backlog} documents waiting to be indexed (the limit is ${maxBacklog}); retry after the backlog has drained`,
        { retryAfterSeconds: this.deps.options?.backlogRetryAfterSeconds ?? 30, details: { backlog, max_backlog: maxBacklog } },
      );
    }
  }

  private async enqueue(tenantId: string, messages: IngestMessage[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.deps.queue.send(messages);
    } catch (error) {
      this.deps.log.error("documents.enqueue_failed", { tenant_id: tenantId, documents: messages.length, detail: String(error) });
      throw new AppError("UPSTREAM_UNAVAILABLE", "the documents are queued in the database but the queue did not accept them; retry the same request", { cause: error });
    }
  }
}

/** The ingest message for one version of one incarnation. */
export function ingestMessage(ref: VersionRef): IngestMessage {
  return { kind: "ingest", tenant_id: ref.tenantId, document_id: ref.documentId, version: ref.version, incarnation: ref.incarnation };
}

/** The media type an uploaded file of each format is stored with. */
const mediaTypes: Record<FileFormat, string> = {
  text: "text/plain; charset=utf-8",
  markdown: "text/markdown; charset=utf-8",
  html: "text/html; charset=utf-8",
  pdf: "application/pdf",
};

/**
 * Cheap checks that an uploaded file can be parsed later: text files are
 * UTF-8 with some visible text; a PDF has its header and opens in pdf.js
 * (no page is read). 400 for an empty file, 422 with the reason otherwise.
 */
async function checkReadable(filename: string, bytes: Uint8Array, format: FileFormat): Promise<void> {
  if (bytes.byteLength === 0) throw new AppError("VALIDATION_FAILED", `file "${filename}" is empty`);
  try {
    if (format === "pdf") {
      await inspectPdf(bytes);
    } else if (!hasVisibleText(decodeTextFile(bytes))) {
      throw new AppError("VALIDATION_FAILED", `file "${filename}" holds no text (only whitespace)`);
    }
  } catch (error) {
    if (error instanceof PermanentError) throw new AppError("UNPROCESSABLE_FILE", `file "${filename}": ${error.message}`, { cause: error });
    throw error;
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `document "${id}" does not exist`);
}
