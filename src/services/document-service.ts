/**
 * Accepting, reading and deleting documents. A document is written to D1
 * before its queue message is sent; if sending fails the caller is told to
 * retry, and re-posting the same content queues it again (never duplicates).
 */
import { contentHash } from "../core/document-identity.js";
import { AppError } from "../core/errors.js";
import type {
  DocumentFormat,
  DocumentInput,
  DocumentMetadata,
  DocumentRecord,
  DocumentStatus,
  DocumentStore,
  ListPage,
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

export type SubmitResult =
  | { id: string; status: "queued"; version: number }
  | { id: string; status: "unchanged"; version: number };

/** Vector ids per purge message (keeps messages well under the 128 KB queue limit). */
const purgeIdsPerMessage = 1000;

export class DocumentService {
  constructor(private readonly deps: { store: DocumentStore; queue: IngestQueue; log: Logger }) {}

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

    const outcomes = await this.deps.store.saveDocuments(tenantId, inputs);
    const messages: IngestMessage[] = outcomes
      .filter((outcome) => outcome.kind !== "unchanged")
      .map((outcome) => ({ kind: "ingest", tenant_id: tenantId, document_id: outcome.id, version: outcome.version }));
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

  /** Removes the document from keyword search, vector search and chat at once; vectors are purged in the background. */
  async delete(tenantId: string, id: string): Promise<void> {
    const { deleted, vectorIds } = await this.deps.store.deleteDocument(tenantId, id);
    if (!deleted) throw notFound(id);
    const messages: IngestMessage[] = [];
    for (let start = 0; start < vectorIds.length; start += purgeIdsPerMessage) {
      messages.push({ kind: "purge-vectors", tenant_id: tenantId, document_id: id, ids: vectorIds.slice(start, start + purgeIdsPerMessage) });
    }
    if (messages.length === 0) return;
    try {
      await this.deps.queue.send(messages);
    } catch (error) {
      // The document is already invisible (reads join on D1); only storage is leaked.
      this.deps.log.error("documents.purge_enqueue_failed", { tenant_id: tenantId, document_id: id, vectors: vectorIds.length, detail: String(error) });
    }
  }
}

function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `document "${id}" does not exist`);
}
