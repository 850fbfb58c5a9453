/**
 * Accepting, reading, deleting and retrying documents. A document is written
 * to D1 before its queue message is sent; if sending fails the caller is told
 * to retry, and re-posting the same content queues it again (never
 * duplicates). A tenant whose unfinished backlog is past `maxBacklog` is told
 * to come back later (429 with Retry-After) instead of having work accepted
 * that cannot be finished soon.
 */
import { chunkId, chunkIdPrefix, contentHash } from "../core/document-identity.js";
import { AppError } from "../core/errors.js";
import type {
  DocumentFormat,
  DocumentInput,
  DocumentMetadata,
  DocumentRecord,
  DocumentStatus,
  DocumentStore,
  IndexStats,
  ListPage,
  VersionRef,
  VisibleChunk,
} from "../ports/document-store.js";
import type { IngestMessage, IngestQueue } from "../ports/ingest-queue.js";
import type { Logger } from "./logger.js";

export interface NewDocument {
  id?: string;
  title?: string;
  content: string;
  format?: DocumentFormat;
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
}

/** Failed documents re-queued per bulk retry call. */
export const bulkRetryLimit = 1000;

export class DocumentService {
  constructor(private readonly deps: { store: DocumentStore; queue: IngestQueue; log: Logger; options?: Partial<DocumentServiceOptions> }) {}

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

  /** Removes the document from keyword search, vector search and chat at once; its vectors are purged in the background. */
  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.deps.store.deleteDocument(tenantId, id))) throw notFound(id);
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

function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `document "${id}" does not exist`);
}
