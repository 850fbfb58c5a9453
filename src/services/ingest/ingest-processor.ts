/**
 * Processes a batch of ingestion messages and decides, per message, whether
 * to ack or retry; it never touches the queue's message API itself (queues/
 * does), but it may send follow-up messages (deferrals, continuations).
 *
 * The pipeline, for the ingest messages of a batch (every remote step pooled
 * across the batch's documents):
 *   load — every version in one D1 round trip (`startProcessing`, which also
 *   marks them processing); parse + chunk each (prepare-document.ts); embed in
 *   windows of at most `embedder.maxBatchSize` texts pooled across documents
 *   (core/ingest/embedding-windows.ts); the IndexWriter (index-writer.ts)
 *   upserts vectors 1,000 at a time per namespace, each upsert after one
 *   round trip claiming the vector sets it writes, then writes every complete
 *   document's chunk rows in one round trip and activates them in another;
 *   finally the documents with stale vector sets (one round trip finds them)
 *   are reaped (vector-set-reaper.ts).
 * For a batch of 100 one-chunk documents that is 1 embedding call, 1 upsert
 * and about 6 D1 round trips. Memory is bounded: documents are prepared and
 * indexed in groups of at most 8 M content characters (each group pooled as
 * above), a document's content is dropped once chunked, and the writer holds
 * one window of vectors plus at most one upsert group across tenants.
 *
 * Exactly-once effect under redelivery, concurrent consumers, crashes at any
 * point, deletes and re-posts: chunk ids are deterministic per incarnation and
 * version, rows are inserted with OR IGNORE, vectors are upserted by id after
 * their set is claimed, and every write is guarded by (version, incarnation)
 * in the same statement (see d1-document-store.ts). A job that lost a race
 * writes nothing visible and its vectors are reaped.
 *
 * Observability: one `queue.batch` log line per batch — batch id, trace id,
 * counts and per-stage durations (`stages_ms`: load, parse, chunk, embed,
 * upsert, index, reap), the tenant when the batch holds one, and the remote
 * calls it made (`calls`: AI.run calls, Vectorize calls, D1 round trips) when
 * the consumer counts them; ids and numbers only, never document text. The
 * batch is traced: a root span `queue <name>` (kind consumer) with a span per
 * stage (load for the batch, and per document whose content comes alone;
 * parse, chunk per document; embed per embedding call; upsert per upsert
 * call; index per group; reap), each carrying the batch id (and the tenant
 * when the batch has one, or the step is a document's); in local mode
 * (`logSpans`) the line also holds the span summary. Metrics: a document
 * indexed (with its chunks) or failed for good, and every retry or deferral
 * of an ingestion message, go to the metrics port.
 */
import { chunkIdPrefix, chunkIds } from "../../core/document-identity.js";
import { AppError } from "../../core/errors.js";
import { embeddingWindows } from "../../core/ingest/embedding-windows.js";
import { errorLabel, SpanRecorder, type Attributes, type SpanHandle } from "../../core/observability/span-recorder.js";
import { summarizeSpans } from "../../core/observability/span-summary.js";
import type { ChunkingOptions } from "../../core/chunking/chunker.js";
import type { DocumentStore, ProcessingDocument, VersionRef } from "../../ports/document-store.js";
import type { Embedder } from "../../ports/embedder.js";
import type { IngestMessage, IngestQueue } from "../../ports/ingest-queue.js";
import { noopMetrics, type Metrics } from "../../ports/metrics.js";
import { tenantPrefix, type OriginalStore } from "../../ports/original-store.js";
import type { TenantStore } from "../../ports/tenant-store.js";
import { vectorizeLimits, type VectorIndex } from "../../ports/vector-index.js";
import type { IndexGuard } from "../index-guard.js";
import type { Logger } from "../logger.js";
import { IndexWriter, type IndexSlot } from "./index-writer.js";
import { classifyFailure, deferralDelay, describeFailure, retryAfterOf, retryDelay } from "./failure-policy.js";
import { chunkParsed, classifyLoaded, inlineContentChars, parseVersion, readOriginal, skipReason, type Loaded, type PreparedDocument } from "./prepare-document.js";
import { TenantPurge } from "./tenant-purge.js";
import { VectorSetReaper } from "./vector-set-reaper.js";

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
  /** Uploaded files (R2): documents posted as files are read from here; deletes and tenant purges remove them. */
  originals?: OriginalStore;
  chunking: ChunkingOptions;
  log: Logger;
  /** First retry delay; doubles per attempt, capped at 5 minutes. 0 retries at once. */
  retryBaseSeconds: number;
  /** How often a message is put back while a provider is unavailable before ordinary retries take over. */
  maxDeferrals: number;
  /** Texts per embedding call (default and maximum: the embedder's own). */
  embeddingWindow?: number;
  /** Vectors per upsert call (default and maximum: 1,000). */
  upsertSize?: number;
  /** Content characters a group of the batch holds at once (default `defaultMaxGroupContentChars`). */
  maxGroupContentChars?: number;
  /** Documents indexed and failed, retries and deferrals (default: recorded nowhere). */
  metrics?: Metrics;
  /** Put the batch's span summary in its log line (local mode). */
  logSpans?: boolean;
}

/** How a batch is traced (queues/ingest-consumer.ts supplies it). */
export interface BatchTrace {
  /** The queue the batch came from; names the root span `queue <name>`. */
  queue?: string;
  /** Records the batch's spans (the consumer exports them); default: a recorder of the batch's own. */
  spans?: SpanRecorder;
  /** Identifies the batch in its log line and spans; default: a new UUID. */
  batchId?: string;
  /** The remote calls made so far through the batch's bindings (binding-call-counter.ts), for the log line. */
  calls?: () => { ai: number; vectorize: number; d1: number };
}

type IngestBody = Extract<IngestMessage, { kind: "ingest" }>;

interface Job {
  index: number;
  message: IncomingMessage;
  body: IngestBody;
  document: PreparedDocument;
  slot?: IndexSlot;
  decision?: MessageDecision;
}

/** An ingest message waiting for its version to be loaded. */
interface Candidate {
  index: number;
  message: IncomingMessage;
  body: IngestBody;
}

/** Stage durations and counts of one batch, for its log line. */
interface BatchStats {
  messages: number;
  documents: number;
  indexed: number;
  superseded: number;
  chunks: number;
  embed_calls: number;
  retried: number;
  deferred: number;
  failed: number;
  stages_ms: Record<BatchStage, number>;
}

type BatchStage = "load" | "parse" | "chunk" | "embed" | "upsert" | "index" | "reap";

/** One batch in progress: its counts and its spans. */
interface BatchRun {
  stats: BatchStats;
  spans: SpanRecorder;
}

export class IngestProcessor {
  private readonly reaper: VectorSetReaper;
  private readonly tenantPurge: TenantPurge;

  constructor(private readonly deps: IngestProcessorDeps) {
    this.reaper = new VectorSetReaper({ store: deps.store, vectors: deps.vectors });
    this.tenantPurge = new TenantPurge({ tenants: deps.tenants, reaper: this.reaper, originals: deps.originals, log: deps.log });
  }

  private get metrics(): Metrics {
    return this.deps.metrics ?? noopMetrics;
  }

  /** Decides ack/retry for every message of a batch, in order. */
  async processBatch(messages: IncomingMessage[], trace: BatchTrace = {}): Promise<MessageDecision[]> {
    const started = performance.now();
    const spans = trace.spans ?? new SpanRecorder();
    const batchId = trace.batchId ?? crypto.randomUUID();
    const queue = trace.queue ?? "ingest";
    spans.setAttribute("batch_id", batchId);
    const tenants = batchTenants(messages);
    if (tenants.length === 1) spans.setAttribute("tenant", tenants[0]!);
    const root = spans.start(`queue ${queue}`, {
      kind: "consumer",
      attributes: { "messaging.system": "cloudflare_queues", "messaging.destination.name": queue, "messaging.batch.message_count": messages.length },
    });
    const stats: BatchStats = {
      messages: messages.length,
      documents: 0,
      indexed: 0,
      superseded: 0,
      chunks: 0,
      embed_calls: 0,
      retried: 0,
      deferred: 0,
      failed: 0,
      stages_ms: { load: 0, parse: 0, chunk: 0, embed: 0, upsert: 0, index: 0, reap: 0 },
    };
    const run: BatchRun = { stats, spans };
    const decisions: (MessageDecision | undefined)[] = new Array(messages.length).fill(undefined);
    const jobs: Job[] = [];

    const candidates: Candidate[] = [];
    for (const [index, message] of messages.entries()) {
      const body = parseMessage(message.body);
      if (!body) {
        this.deps.log.error("ingest.malformed_message", { body: String(JSON.stringify(message.body)).slice(0, 200) });
        decisions[index] = { action: "ack" };
      } else if (body.kind === "ingest") {
        candidates.push({ index, message, body });
      } else {
        decisions[index] = await this.maintenance(message, body, run);
      }
    }

    const reapAfter: { tenantId: string; documentId: string }[] = [];
    const rows = await this.load(candidates, run, decisions);
    // Documents go through parse → index in groups of bounded content, each
    // group pooled; a document's content is dropped once it is chunked.
    for (const group of contentGroups(candidates, rows, this.deps.maxGroupContentChars ?? defaultMaxGroupContentChars)) {
      const groupJobs: Job[] = [];
      for (const i of group) {
        const prepared = await this.prepareOne(candidates[i]!, rows[i]!, run, reapAfter);
        rows[i] = null;
        if ("document" in prepared) groupJobs.push(prepared);
        else decisions[prepared.index] = prepared.decision;
      }
      if (groupJobs.length > 0) await this.embedAndIndex(groupJobs, run, reapAfter);
      jobs.push(...groupJobs);
    }
    for (const job of jobs) decisions[job.index] = job.decision;
    await this.reapDocuments(reapAfter, run);

    const final = decisions.map((decision) => decision ?? { action: "ack" as const });
    stats.retried = final.filter((decision) => decision.action === "retry").length;
    root.setAttributes({ documents: stats.documents, indexed: stats.indexed, failed: stats.failed, retried: stats.retried, deferred: stats.deferred });
    root.end();
    spans.endOpen();
    this.deps.log.info("queue.batch", {
      batch_id: batchId,
      trace_id: spans.traceId,
      queue,
      ...(tenants.length === 1 ? { tenant: tenants[0] } : { tenants: tenants.length }),
      ...stats,
      stages_ms: roundAll(stats.stages_ms),
      duration_ms: round(performance.now() - started),
      ...(trace.calls ? { calls: trace.calls() } : {}),
      ...(this.deps.logSpans ? { spans: summarizeSpans(spans.finished(), { omitAttributes: tenants.length === 1 ? ["batch_id", "tenant"] : ["batch_id"] }) } : {}),
      ...(spans.droppedSpans > 0 ? { dropped_spans: spans.droppedSpans } : {}),
    });
    return final;
  }

  /** Marks documents failed after the queue gave up on them (dead-letter queue). */
  async deadLetter(messages: IncomingMessage[]): Promise<MessageDecision[]> {
    const decisions: MessageDecision[] = [];
    for (const message of messages) {
      const body = parseMessage(message.body);
      if (body?.kind === "ingest") {
        const doc = await this.deps.store.getDocument(body.tenant_id, body.document_id);
        if (doc && doc.version === body.version && (body.incarnation === undefined || body.incarnation === doc.incarnation)) {
          const reason = doc.error ? `gave up after repeated failures: ${doc.error}` : "gave up after repeated failures";
          await this.deps.store.markFailed({ tenantId: doc.tenantId, documentId: doc.id, version: doc.version, incarnation: doc.incarnation }, reason);
          this.metrics.record({ kind: "document_failed", tenant: doc.tenantId, code: "RETRIES_EXHAUSTED" });
        }
        this.deps.log.error("ingest.dead_letter", { tenant_id: body.tenant_id, document_id: body.document_id, version: body.version });
      } else if (body) {
        // Purges: what they did not finish, the sweeper's reaping finishes (the vector sets still account for it).
        this.deps.log.error("ingest.maintenance_dead_letter", { kind: body.kind, tenant_id: body.tenant_id });
      }
      decisions.push({ action: "ack" });
    }
    return decisions;
  }

  /**
   * Loads every candidate's version in one round trip (marking it processing);
   * content over `inlineContentChars` is fetched later, one document at a
   * time. A failed load decides every candidate (retry); a missing row stays
   * null (the version is gone).
   */
  private async load(candidates: Candidate[], run: BatchRun, decisions: (MessageDecision | undefined)[]): Promise<(ProcessingDocument | null | undefined)[]> {
    if (candidates.length === 0) return [];
    try {
      return await this.stage(run, "load", { documents: candidates.length }, async (span) => {
        const rows = await this.deps.store.startProcessing(
          candidates.map(({ body }) => ({ tenantId: body.tenant_id, documentId: body.document_id, version: body.version, incarnation: body.incarnation })),
          { inlineContentChars },
        );
        const skipped = [...new Set(rows.map(skipReason).filter((reason) => reason !== undefined))];
        if (skipped.length > 0) span.setAttribute("skipped", skipped.join(","));
        return rows;
      });
    } catch (error) {
      for (const candidate of candidates) decisions[candidate.index] = await this.failure(candidate.message, candidate.body, undefined, error, run);
      // undefined: decided already, nothing to prepare.
      return candidates.map(() => undefined);
    }
  }

  /**
   * Decides whether a loaded version has work to do, then parses and chunks
   * it. Versions with nothing to do are acked (and their documents queued
   * for reaping: a consumer that died after activating, or losing, may have
   * left stale vectors).
   */
  private async prepareOne(
    candidate: Candidate,
    row: ProcessingDocument | null | undefined,
    run: BatchRun,
    reapAfter: { tenantId: string; documentId: string }[],
  ): Promise<Job | { index: number; decision: MessageDecision | undefined }> {
    const { index, message, body } = candidate;
    if (row === undefined) return { index, decision: undefined };
    const tenant = { tenant: body.tenant_id };
    let ref: VersionRef | undefined;
    try {
      const version: Loaded = row && row.content === null ? await this.stage(run, "load", { ...tenant, characters: row.contentLength }, () => classifyLoaded(this.deps.store, row)) : await classifyLoaded(this.deps.store, row);
      if (version.kind === "skipped") {
        if (version.reason !== "failed") reapAfter.push({ tenantId: body.tenant_id, documentId: body.document_id });
        return { index, decision: { action: "ack" } };
      }
      ref = version.ref;
      const file = version.doc.original;
      let original: Uint8Array | undefined;
      if (file) {
        const bytes = await this.stage(run, "load", { ...tenant, bytes: file.bytes }, () => readOriginal(this.deps.originals, this.deps.store, version.ref, file));
        if (!bytes) {
          // A newer version or a delete removed the file: this version has nothing left to do.
          reapAfter.push({ tenantId: body.tenant_id, documentId: body.document_id });
          return { index, decision: { action: "ack" } };
        }
        original = bytes;
      }
      const size: Attributes = original ? { bytes: original.byteLength } : { characters: version.doc.content.length };
      const parsed = await this.stage(run, "parse", { ...tenant, format: version.doc.format, ...size }, () => parseVersion(version.doc, original));
      const document: PreparedDocument = await this.stage(run, "chunk", tenant, async (span) => {
        const chunked = await chunkParsed(version.ref, version.doc, parsed, this.deps.chunking);
        span.setAttribute("chunks", chunked.chunks.length);
        return chunked;
      });
      run.stats.documents += 1;
      return { index, message, body, document };
    } catch (error) {
      return { index, decision: await this.failure(message, body, ref, error, run) };
    }
  }

  /** Runs one stage of the batch in a span (tagged with `attributes`), adding its wall time to `stages_ms`. */
  private async stage<T>(run: BatchRun, name: Exclude<BatchStage, "upsert" | "index">, attributes: Attributes, fn: (span: SpanHandle) => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await run.spans.time(name, fn, { attributes });
    } finally {
      run.stats.stages_ms[name] += performance.now() - started;
    }
  }

  /** Pooled, bounded embedding of every job's texts into the batch's IndexWriter, then its writes and activations. */
  private async embedAndIndex(jobs: Job[], run: BatchRun, reapAfter: { tenantId: string; documentId: string }[]): Promise<void> {
    const { stats } = run;
    try {
      await this.deps.guard.check();
    } catch (error) {
      for (const job of jobs) job.decision = await this.failure(job.message, job.body, job.document.ref, error, run);
      return;
    }
    const writer = new IndexWriter({
      store: this.deps.store,
      vectors: this.deps.vectors,
      upsertSize: this.deps.upsertSize,
      onStage: (stage, ms) => {
        stats.stages_ms[stage] += ms;
      },
      spans: run.spans,
    });
    const slots = jobs.map((job) => (job.slot = writer.open(job.document)));
    const windowSize = Math.max(1, Math.min(this.deps.embedder.maxBatchSize, this.deps.embeddingWindow ?? this.deps.embedder.maxBatchSize));
    const counts = jobs.map((job) => job.document.embeddingTexts.length);
    for (const window of embeddingWindows(counts, windowSize, (i) => slots[i]!.outcome === undefined)) {
      const texts = window.segments.flatMap((segment) => jobs[segment.document]!.document.embeddingTexts.slice(segment.from, segment.to));
      let vectors: number[][];
      const windowTenants = [...new Set(window.segments.map((segment) => jobs[segment.document]!.body.tenant_id))];
      const attributes: Attributes = {
        texts: texts.length,
        documents: window.segments.length,
        ...(windowTenants.length === 1 ? { tenant: windowTenants[0]! } : { tenants: windowTenants.length }),
      };
      try {
        stats.embed_calls += 1;
        vectors = await this.stage(run, "embed", attributes, async () => {
          const embedded = await this.deps.embedder.embedDocuments(texts);
          if (embedded.length !== texts.length) throw new Error(`the embedder returned ${embedded.length} vectors for ${texts.length} texts`);
          return embedded;
        });
      } catch (error) {
        for (const segment of window.segments) writer.settle(slots[segment.document]!, { kind: "failed", error });
        continue;
      }
      let offset = 0;
      for (const segment of window.segments) {
        const own = vectors.slice(offset, offset + segment.to - segment.from);
        offset += segment.to - segment.from;
        await writer.add(slots[segment.document]!, own);
      }
    }
    await writer.finish();

    for (const job of jobs) {
      const outcome = job.slot!.outcome!;
      const { ref, chunks } = job.document;
      if (outcome.kind === "activated") {
        stats.indexed += 1;
        stats.chunks += chunks.length;
        this.metrics.record({ kind: "document_indexed", tenant: ref.tenantId, chunks: chunks.length });
        this.deps.log.info("ingest.indexed", { tenant_id: ref.tenantId, document_id: ref.documentId, version: ref.version, chunks: chunks.length });
        reapAfter.push({ tenantId: ref.tenantId, documentId: ref.documentId });
        job.decision = { action: "ack" };
      } else if (outcome.kind === "superseded") {
        job.decision = await this.lost(job, run);
      } else {
        job.decision = await this.failure(job.message, job.body, ref, outcome.error, run);
      }
    }
  }

  /** The version lost a race: nothing it wrote is visible; purge what it upserted (its upserts are over: the batch's writer is done). */
  private async lost(job: Job, run: BatchRun): Promise<MessageDecision> {
    const { ref } = job.document;
    run.stats.superseded += 1;
    const purged = await this.reapDocument(ref, run, { own: ref });
    this.deps.log.info("ingest.superseded", { tenant_id: ref.tenantId, document_id: ref.documentId, version: ref.version, purged_vectors: purged });
    return { action: "ack" };
  }

  /** Reaps the documents among `documents` that have stale vector sets (one round trip finds them). */
  private async reapDocuments(documents: { tenantId: string; documentId: string }[], run: BatchRun): Promise<void> {
    if (documents.length === 0) return;
    let stale: { tenantId: string; documentId: string }[];
    try {
      stale = await this.stage(run, "reap", { documents: documents.length }, () =>
        this.deps.store.documentsWithStaleSets(documents, { claimedBefore: this.reaper.leaseCutoff() }),
      );
    } catch (error) {
      this.deps.log.warn("ingest.reap_deferred", { documents: documents.length, detail: String(error) });
      return;
    }
    for (const doc of stale) {
      const purged = await this.reapDocument(doc, run);
      if (purged > 0) this.deps.log.info("ingest.reaped", { tenant_id: doc.tenantId, document_id: doc.documentId, purged_vectors: purged });
    }
  }

  /** Purges the document's stale vector sets; a failure here is left to the sweeper (stale vectors are invisible to searches). */
  private async reapDocument(ref: { tenantId: string; documentId: string }, run: BatchRun, options: { own?: VersionRef } = {}): Promise<number> {
    try {
      return await this.stage(run, "reap", { tenant: ref.tenantId }, async (span) => {
        // A version that lost deletes its own vectors first: its upserts are over, so they cannot come back.
        const own = options.own ? await this.reaper.purgeOwn(options.own) : 0;
        const result = await this.reaper.reap({ tenantId: ref.tenantId, documentId: ref.documentId });
        span.setAttribute("vectors", own + result.vectors);
        return own + result.vectors;
      });
    } catch (error) {
      this.deps.log.warn("ingest.reap_deferred", { tenant_id: ref.tenantId, document_id: ref.documentId, detail: String(error) });
      return 0;
    }
  }

  /** Non-ingest messages: purges and reconciliation. */
  private async maintenance(message: IncomingMessage, body: Exclude<IngestMessage, IngestBody>, run: BatchRun): Promise<MessageDecision> {
    try {
      if (body.kind === "reconcile-document") {
        const result = await this.reaper.reap({ tenantId: body.tenant_id, documentId: body.document_id });
        if (result.more) await this.deps.queue.send([body]);
      } else if (body.kind === "delete-originals") {
        // Uploaded files a delete or a new version left behind, when deleting them at once failed.
        if (!this.deps.originals) throw new AppError("MISCONFIGURED", "configuration error: the ORIGINALS bucket binding is missing (see wrangler.toml)");
        // Only the tenant's own (keys start with its prefix, see ports/original-store.ts).
        await this.deps.originals.delete(body.keys.filter((key) => key.startsWith(tenantPrefix(body.tenant_id))));
      } else if (body.kind === "purge-vectors") {
        // A message from before vector sets: its ids may meanwhile belong to the live version of a
        // document re-created under the same id by that older code (same ids then); spare those.
        const live = await this.liveIds(body.tenant_id, body.document_id);
        const ids = body.ids.filter((id) => !live.has(id));
        for (let start = 0; start < ids.length; start += vectorizeLimits.maxUpsertBatch) {
          await this.deps.vectors.deleteByIds(ids.slice(start, start + vectorizeLimits.maxUpsertBatch));
        }
      } else if ((await this.tenantPurge.step(body.tenant_id)) === "more") {
        await this.deps.queue.send([body]);
      }
      return { action: "ack" };
    } catch (error) {
      return this.failure(message, null, undefined, error, run);
    }
  }

  /** Vector ids of a document's active and current versions (what must never be purged). */
  private async liveIds(tenantId: string, documentId: string): Promise<Set<string>> {
    const doc = await this.deps.store.getDocument(tenantId, documentId);
    if (!doc) return new Set();
    const prefix = await chunkIdPrefix(tenantId, documentId, doc.incarnation);
    const ids = new Set<string>();
    for (const version of new Set([doc.version, doc.activeVersion])) {
      if (version === null) continue;
      const set = await this.deps.store.vectorSet({ tenantId, documentId, version, incarnation: doc.incarnation });
      const count = set?.count ?? (version === doc.activeVersion ? doc.chunkCount : 0);
      for (const id of chunkIds(prefix, version, count)) ids.add(id);
    }
    return ids;
  }

  /** Turns an error into ack (permanent), deferral (provider down) or retry (anything else). */
  private async failure(message: IncomingMessage, body: IngestBody | null, ref: VersionRef | undefined, error: unknown, run: BatchRun): Promise<MessageDecision> {
    const { stats } = run;
    const kind = classifyFailure(error);
    const reason = describeFailure(error);
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const target = logTarget(body, ref);
    const { store, log } = this.deps;
    if (kind === "permanent") {
      stats.failed += 1;
      if (target.tenant_id && body) this.metrics.record({ kind: "document_failed", tenant: target.tenant_id, code: errorLabel(error) });
      log.warn("ingest.failed", { ...target, reason, detail });
      if (ref) await store.markFailed(ref, reason).catch(() => undefined);
      return { action: "ack" };
    }
    const retryAfter = retryAfterOf(error);
    const deferrals = body?.deferrals ?? 0;
    if (kind === "provider" && body && deferrals < this.deps.maxDeferrals) {
      const delaySeconds = deferralDelay(this.deps.retryBaseSeconds, deferrals + 1, retryAfter);
      if (ref) await store.recordAttemptError(ref, `waiting for a provider (${deferrals + 1}): ${reason}`, "queued").catch(() => undefined);
      try {
        await this.deps.queue.send([{ ...body, ...(ref ? { incarnation: ref.incarnation } : {}), deferrals: deferrals + 1 }], { delaySeconds });
        stats.deferred += 1;
        this.metrics.record({ kind: "ingest_retry", tenant: body.tenant_id, attempt: message.attempts });
        log.warn("ingest.deferred", { ...target, deferrals: deferrals + 1, delay_seconds: delaySeconds, reason, detail });
        return { action: "ack" };
      } catch (sendError) {
        log.warn("ingest.defer_failed", { ...target, detail: String(sendError) });
      }
    }
    const delaySeconds = Math.max(retryDelay(this.deps.retryBaseSeconds, message.attempts), Math.min(300, Math.ceil(retryAfter ?? 0)));
    if (target.tenant_id && body) this.metrics.record({ kind: "ingest_retry", tenant: target.tenant_id, attempt: message.attempts });
    log.warn("ingest.retry", { ...target, attempts: message.attempts, delay_seconds: delaySeconds, reason, detail });
    if (ref) await store.recordAttemptError(ref, `attempt ${message.attempts} failed: ${reason}`).catch(() => undefined);
    return { action: "retry", delaySeconds };
  }
}

/**
 * Content characters one group of a batch holds at once (raw content while it
 * is chunked, then its chunks and embedding texts): ~8 M characters keeps a
 * group's text well under Workers' 128 MB whatever the batch holds.
 */
export const defaultMaxGroupContentChars = 8_000_000;

/**
 * Splits the batch's candidates into consecutive groups whose content adds up
 * to at most `maxChars` (a larger document forms a group of its own).
 */
function contentGroups(candidates: readonly Candidate[], rows: readonly (ProcessingDocument | null | undefined)[], maxChars: number): number[][] {
  const groups: number[][] = [];
  let current: number[] = [];
  let size = 0;
  for (let i = 0; i < candidates.length; i++) {
    const length = rows[i]?.contentLength ?? 0;
    if (current.length > 0 && size + length > maxChars) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(i);
    size += length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The distinct tenants of a batch's messages (malformed ones left out), in order. */
function batchTenants(messages: IncomingMessage[]): string[] {
  const tenants = new Set<string>();
  for (const message of messages) {
    const body = parseMessage(message.body);
    if (body) tenants.add(body.tenant_id);
  }
  return [...tenants];
}

function parseMessage(body: unknown): IngestMessage | null {
  if (!body || typeof body !== "object") return null;
  const message = body as Record<string, unknown>;
  if (typeof message.tenant_id !== "string") return null;
  if (message.kind === "purge-tenant") return message as IngestMessage;
  if (message.kind === "delete-originals") {
    return Array.isArray(message.keys) && message.keys.every((key) => typeof key === "string") ? (message as IngestMessage) : null;
  }
  if (typeof message.document_id !== "string") return null;
  if (message.kind === "ingest" && Number.isInteger(message.version)) {
    if (message.incarnation !== undefined && typeof message.incarnation !== "string") return null;
    if (message.deferrals !== undefined && !Number.isInteger(message.deferrals)) return null;
    return message as IngestMessage;
  }
  if (message.kind === "reconcile-document") return message as IngestMessage;
  if (message.kind === "purge-vectors" && Array.isArray(message.ids) && message.ids.every((id) => typeof id === "string")) return message as IngestMessage;
  return null;
}

function logTarget(body: IngestBody | null, ref: VersionRef | undefined): { tenant_id?: string; document_id?: string; version?: number } {
  if (ref) return { tenant_id: ref.tenantId, document_id: ref.documentId, version: ref.version };
  return body ? { tenant_id: body.tenant_id, document_id: body.document_id, version: body.version } : {};
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function roundAll<T extends Record<string, number>>(values: T): T {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, round(value)])) as T;
}
