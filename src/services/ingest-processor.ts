/**
 * Processes a batch of ingestion messages: parse, chunk, embed (pooled across
 * the batch), upsert vectors, write chunk rows (FTS5 follows by trigger),
 * then flip the document's active version. Decides, per message, whether to
 * ack or retry; it never touches the queue API itself (queues/ does).
 *
 * Idempotency: chunk ids are deterministic and rows are inserted with OR
 * IGNORE, vectors are upserted by id, and activation is guarded by version, so
 * a message delivered twice (or two versions racing) cannot duplicate chunks
 * or resurrect an old version.
 */
import { chunkDocument, type ChunkingOptions } from "../core/chunking/chunker.js";
import { chunkIdPrefix, chunkId } from "../core/document-identity.js";
import { AppError, isPermanent, PermanentError } from "../core/errors.js";
import { parseDocument } from "../core/parsing/parse-document.js";
import type { ChunkInput, DocumentRecord, DocumentStore } from "../ports/document-store.js";
import type { Embedder } from "../ports/embedder.js";
import type { IngestMessage, IngestQueue } from "../ports/ingest-queue.js";
import type { TenantStore } from "../ports/tenant-store.js";
import { vectorizeLimits, type VectorIndex } from "../ports/vector-index.js";
import type { IndexGuard } from "./index-guard.js";
import type { Logger } from "./logger.js";

export type MessageDecision = { action: "ack" } | { action: "retry"; delaySeconds: number };

export interface IncomingMessage {
  body: unknown;
  /** Delivery attempt, starting at 1. */
  attempts: number;
}

export interface IngestProcessorDeps {
  store: DocumentStore;
  embedder: Embedder;
  vectors: VectorIndex;
  guard: IndexGuard;
  queue: IngestQueue;
  tenants: TenantStore;
  chunking: ChunkingOptions;
  log: Logger;
  /** First retry delay; doubles per attempt, capped at 5 minutes. 0 retries at once. */
  retryBaseSeconds: number;
}

interface PreparedDocument {
  index: number;
  doc: DocumentRecord & { content: string };
  chunks: ChunkInput[];
  embeddingTexts: string[];
}

export class IngestProcessor {
  constructor(private readonly deps: IngestProcessorDeps) {}

  /** Decides ack/retry for every message of a batch, in order. */
  async processBatch(messages: IncomingMessage[]): Promise<MessageDecision[]> {
    const decisions: (MessageDecision | undefined)[] = new Array(messages.length).fill(undefined);
    const prepared: PreparedDocument[] = [];

    for (const [index, message] of messages.entries()) {
      const body = parseMessage(message.body);
      if (!body) {
        this.deps.log.error("ingest.malformed_message", { body: String(JSON.stringify(message.body)).slice(0, 200) });
        decisions[index] = { action: "ack" };
        continue;
      }
      if (body.kind === "purge-vectors") {
        decisions[index] = await this.attempt(message, null, () => this.purge(body.ids));
        continue;
      }
      if (body.kind === "purge-tenant") {
        decisions[index] = await this.attempt(message, null, () => this.purgeTenant(body.tenant_id));
        continue;
      }
      decisions[index] = await this.attempt(message, body, async () => {
        const ready = await this.prepare(index, body);
        if (ready) prepared.push(ready);
        return ready ? undefined : { action: "ack" };
      });
    }

    if (prepared.length > 0) {
      // One pooled embedding pass for the whole batch; if it fails, every
      // document in it is retried.
      let vectors: number[][] | undefined;
      try {
        await this.deps.guard.check();
        vectors = await this.deps.embedder.embedDocuments(prepared.flatMap((item) => item.embeddingTexts));
      } catch (error) {
        for (const item of prepared) {
          decisions[item.index] = await this.failure(messages[item.index]!, item.doc, error);
        }
      }
      if (vectors) {
        let offset = 0;
        for (const item of prepared) {
          const own = vectors.slice(offset, offset + item.chunks.length);
          offset += item.chunks.length;
          decisions[item.index] = await this.attempt(messages[item.index]!, item.doc, () => this.index(item, own));
        }
      }
    }
    return decisions.map((decision) => decision ?? { action: "ack" });
  }

  /** Marks a document failed after the queue gave up on it (dead-letter queue). */
  async deadLetter(messages: IncomingMessage[]): Promise<MessageDecision[]> {
    const decisions: MessageDecision[] = [];
    for (const message of messages) {
      const body = parseMessage(message.body);
      if (body?.kind === "ingest") {
        const doc = await this.deps.store.getDocument(body.tenant_id, body.document_id);
        const reason = doc?.error ? `gave up after repeated failures: ${doc.error}` : "gave up after repeated failures";
        await this.deps.store.markFailed(body.tenant_id, body.document_id, body.version, reason);
        this.deps.log.error("ingest.dead_letter", { tenant_id: body.tenant_id, document_id: body.document_id, version: body.version });
      } else if (body?.kind === "purge-vectors") {
        this.deps.log.error("ingest.purge_dead_letter", { tenant_id: body.tenant_id, document_id: body.document_id, vectors: body.ids.length });
      } else if (body?.kind === "purge-tenant") {
        this.deps.log.error("tenants.purge_dead_letter", { tenant_id: body.tenant_id });
      }
      decisions.push({ action: "ack" });
    }
    return decisions;
  }

  private async prepare(index: number, message: Extract<IngestMessage, { kind: "ingest" }>): Promise<PreparedDocument | null> {
    const { store, chunking } = this.deps;
    const doc = await store.loadForProcessing(message.tenant_id, message.document_id, message.version);
    // Deleted, superseded by a newer version, already indexed (a duplicate
    // delivery), or failed for good: nothing to do.
    if (!doc) return null;
    if (doc.status === "ready" && doc.activeVersion === doc.version) return null;
    if (doc.status === "failed") return null;
    await store.markProcessing(doc.tenantId, doc.id, doc.version);

    const parsed = parseDocument(doc.content, doc.format);
    const pieces = chunkDocument(parsed, chunking);
    if (pieces.length === 0) throw new PermanentError("the document has no text content to index");

    const title = doc.title ?? parsed.title ?? "";
    const prefix = await chunkIdPrefix(doc.tenantId, doc.id);
    const chunks = pieces.map((piece) => ({
      id: chunkId(prefix, doc.version, piece.seq),
      seq: piece.seq,
      title,
      heading: piece.headingPath.join(" > "),
      text: piece.text,
      start: piece.start,
      end: piece.end,
      tokenCount: piece.tokenCount,
    }));
    // The title and heading path travel with the passage into the embedding.
    const embeddingTexts = chunks.map((chunk) => [chunk.title, chunk.heading, chunk.text].filter((part) => part !== "").join("\n"));
    return { index, doc, chunks, embeddingTexts };
  }

  private async index(item: PreparedDocument, vectors: number[][]): Promise<MessageDecision | undefined> {
    const { store } = this.deps;
    const { doc, chunks } = item;
    const records: VectorizeVector[] = chunks.map((chunk, i) => ({
      id: chunk.id,
      values: vectors[i]!,
      namespace: doc.tenantId,
      metadata: { ...doc.metadata, tenant_id: doc.tenantId, document_id: doc.id, chunk_id: chunk.id, version: doc.version },
    }));
    for (let start = 0; start < records.length; start += vectorizeLimits.maxUpsertBatch) {
      await this.deps.vectors.upsert(records.slice(start, start + vectorizeLimits.maxUpsertBatch));
    }
    await store.insertChunks(doc.tenantId, doc.id, doc.version, chunks);
    const { activated, removedChunkIds } = await store.activateVersion(doc.tenantId, doc.id, doc.version, chunks.length);
    const own = new Set(chunks.map((chunk) => chunk.id));
    // Vectors of replaced versions go now; if this version lost a race (newer
    // version or deletion), its own vectors go too. Reads never see either,
    // because visibility is decided by the D1 join.
    const stale = activated ? removedChunkIds.filter((id) => !own.has(id)) : [...new Set([...removedChunkIds, ...own])];
    await this.purge(stale);
    this.deps.log.info("ingest.indexed", {
      tenant_id: doc.tenantId,
      document_id: doc.id,
      version: doc.version,
      chunks: chunks.length,
      activated,
      purged_vectors: stale.length,
    });
    return { action: "ack" };
  }

  /**
   * Deletes a slice of a deleted tenant: vectors first, then their rows (so a
   * retry finds the ids again), and when no chunk is left, every other row.
   * A large tenant takes several messages; each queues the next.
   */
  private async purgeTenant(tenantId: string): Promise<undefined> {
    const { tenants } = this.deps;
    const tenant = await tenants.getTenant(tenantId);
    if (!tenant || tenant.deletedAt === null) return undefined; // gone already, or not deleted: nothing to do
    for (let round = 0; round < 5; round++) {
      const ids = await tenants.tenantChunkIds(tenantId, vectorizeLimits.maxUpsertBatch);
      if (ids.length === 0) {
        await tenants.deleteTenantRows(tenantId);
        this.deps.log.info("tenants.purged", { tenant_id: tenantId });
        return undefined;
      }
      await this.purge(ids);
      await tenants.deleteChunks(tenantId, ids);
    }
    await this.deps.queue.send([{ kind: "purge-tenant", tenant_id: tenantId }]);
    return undefined;
  }

  private async purge(ids: string[]): Promise<undefined> {
    for (let start = 0; start < ids.length; start += vectorizeLimits.maxUpsertBatch) {
      await this.deps.vectors.deleteByIds(ids.slice(start, start + vectorizeLimits.maxUpsertBatch));
    }
    return undefined;
  }

  /** Runs one step for one message, turning errors into ack (permanent) or retry (transient). */
  private async attempt(
    message: IncomingMessage,
    subject: DocumentRecord | Extract<IngestMessage, { kind: "ingest" }> | null,
    step: () => Promise<MessageDecision | undefined>,
  ): Promise<MessageDecision | undefined> {
    try {
      return await step();
    } catch (error) {
      return this.failure(message, subject, error);
    }
  }

  private async failure(
    message: IncomingMessage,
    subject: DocumentRecord | Extract<IngestMessage, { kind: "ingest" }> | null,
    error: unknown,
  ): Promise<MessageDecision> {
    const target = subject && ("kind" in subject
      ? { tenantId: subject.tenant_id, id: subject.document_id, version: subject.version }
      : { tenantId: subject.tenantId, id: subject.id, version: subject.version });
    const reason = describeError(error);
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (isPermanent(error)) {
      this.deps.log.warn("ingest.failed", { ...logTarget(target), reason, detail });
      if (target) await this.deps.store.markFailed(target.tenantId, target.id, target.version, reason).catch(() => undefined);
      return { action: "ack" };
    }
    this.deps.log.warn("ingest.retry", { ...logTarget(target), attempts: message.attempts, reason, detail });
    if (target) {
      await this.deps.store
        .recordAttemptError(target.tenantId, target.id, target.version, `attempt ${message.attempts} failed: ${reason}`)
        .catch(() => undefined);
    }
    return { action: "retry", delaySeconds: retryDelay(this.deps.retryBaseSeconds, message.attempts) };
  }
}

/** Exponential backoff: base · 2^(attempts−1), capped at 300 s. */
export function retryDelay(baseSeconds: number, attempts: number): number {
  return Math.min(300, Math.round(baseSeconds * 2 ** Math.max(0, attempts - 1)));
}

function parseMessage(body: unknown): IngestMessage | null {
  if (!body || typeof body !== "object") return null;
  const message = body as Record<string, unknown>;
  if (typeof message.tenant_id !== "string") return null;
  if (message.kind !== "purge-tenant" && typeof message.document_id !== "string") return null;
  if (message.kind === "ingest" && Number.isInteger(message.version)) return message as IngestMessage;
  if (message.kind === "purge-vectors" && Array.isArray(message.ids) && message.ids.every((id) => typeof id === "string")) {
    return message as IngestMessage;
  }
  if (message.kind === "purge-tenant") return message as IngestMessage;
  return null;
}

/**
 * A short reason that is safe to store and show to API clients: our own
 * errors' messages; anything else (driver or runtime errors may carry SQL or
 * internals) is summarised, and the full error goes to the log.
 */
function describeError(error: unknown): string {
  if (error instanceof AppError || error instanceof PermanentError) return error.message.slice(0, 500);
  return "internal error while indexing (details in the worker logs)";
}

function logTarget(target: { tenantId: string; id: string; version: number } | null) {
  return target ? { tenant_id: target.tenantId, document_id: target.id, version: target.version } : {};
}
