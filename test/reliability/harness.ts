/**
 * Test harness for races, crashes and faults in ingestion: the real
 * services, D1 and local vector index of the test environment, with the
 * ports wrapped so a test can
 *
 * - pause a job at an exact step (`Gate` + `pauseAt`) and let other work run
 *   meanwhile — interleavings are forced, never left to timing;
 * - "crash" a job by never releasing its gate (a Worker killed mid-batch:
 *   nothing after that step happens, and the queue redelivers);
 * - make a port fail (`failWhen`) and see what the pipeline makes of it;
 * - deliver queue messages by hand (a recording queue collects what the
 *   services send, so nothing runs unless the test delivers it).
 *
 * `expectConsistent()` ends every such test: the consistency check must
 * find nothing, and the vector index must hold no vector that D1 does not
 * account for.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { createAdapters, type Adapters } from "../../src/composition-root.js";
import { D1ConsistencyStore } from "../../src/adapters/cloudflare/d1-consistency-store.js";
import type { IngestMessage, IngestQueue } from "../../src/ports/ingest-queue.js";
import { ConsistencyService, type ConsistencyReport } from "../../src/services/consistency-service.js";
import { DocumentService, type NewDocument } from "../../src/services/document-service.js";
import { IngestProcessor, type IncomingMessage, type MessageDecision } from "../../src/services/ingest/ingest-processor.js";
import { silentLogger } from "../../src/services/logger.js";
import { MaintenanceService } from "../../src/services/maintenance-service.js";

/** A point where a job waits until the test lets it go. */
export class Gate {
  private releaseFn!: () => void;
  private reachedFn!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.releaseFn = resolve));
  /** Resolves when a job arrives at the gate. */
  readonly reached = new Promise<void>((resolve) => (this.reachedFn = resolve));
  hits = 0;

  async pass(): Promise<void> {
    this.hits += 1;
    this.reachedFn();
    await this.released;
  }

  release(): void {
    this.releaseFn();
  }
}

/**
 * Wraps `target[method]` so that calls for which `when(...args)` holds wait at
 * `gate` — before the call (`"before"`) or after it returned (`"after"`).
 * Only the first matching call waits unless `every` is set.
 */
export function pauseAt<T extends object, K extends keyof T>(
  target: T,
  method: K,
  gate: Gate,
  options: { when?: (...args: any[]) => boolean; at?: "before" | "after"; every?: boolean } = {},
): T {
  const original = (target[method] as (...args: any[]) => Promise<unknown>).bind(target);
  let used = false;
  return new Proxy(target, {
    get(object, property, receiver) {
      if (property !== method) {
        const value = Reflect.get(object, property, receiver);
        return typeof value === "function" ? value.bind(object) : value;
      }
      return async (...args: any[]) => {
        const matches = (options.every || !used) && (options.when?.(...args) ?? true);
        if (matches) used = true;
        if (matches && options.at !== "after") await gate.pass();
        const result = await original(...args);
        if (matches && options.at === "after") await gate.pass();
        return result;
      };
    },
  });
}

/** Wraps `target[method]` to throw `error()` for calls where `when(...args)` holds, `times` times. */
export function failWhen<T extends object, K extends keyof T>(target: T, method: K, options: { when?: (...args: any[]) => boolean; times?: number; error: () => unknown }): T & { failures: number } {
  const original = (target[method] as (...args: any[]) => Promise<unknown>).bind(target);
  let failures = 0;
  const proxy = new Proxy(target, {
    get(object, property, receiver) {
      if (property === "failures") return failures;
      if (property !== method) {
        const value = Reflect.get(object, property, receiver);
        return typeof value === "function" ? value.bind(object) : value;
      }
      return async (...args: any[]) => {
        if (failures < (options.times ?? Infinity) && (options.when?.(...args) ?? true)) {
          failures += 1;
          throw options.error();
        }
        return original(...args);
      };
    },
  });
  return proxy as T & { failures: number };
}

/** Collects sent messages instead of queueing them; the test delivers them. */
export class RecordingQueue implements IngestQueue {
  readonly sent: { message: IngestMessage; delaySeconds?: number }[] = [];

  async send(messages: IngestMessage[], options: { delaySeconds?: number } = {}): Promise<void> {
    for (const message of messages) this.sent.push({ message, ...(options.delaySeconds === undefined ? {} : { delaySeconds: options.delaySeconds }) });
  }

  /** Takes (and forgets) what was sent so far, optionally only messages of one kind. */
  take(kind?: IngestMessage["kind"]): IngestMessage[] {
    const taken = this.sent.filter((entry) => kind === undefined || entry.message.kind === kind);
    for (const entry of taken) this.sent.splice(this.sent.indexOf(entry), 1);
    return taken.map((entry) => entry.message);
  }
}

export interface Rig {
  adapters: Adapters;
  queue: RecordingQueue;
  documents: DocumentService;
  /** A processor over the given (possibly wrapped) ports. */
  processor(
    overrides?: Partial<Pick<Adapters, "store" | "vectors" | "embedder">> & { embeddingWindow?: number; upsertSize?: number; maxDeferrals?: number; maxGroupContentChars?: number },
  ): IngestProcessor;
  maintenance: MaintenanceService;
  consistency: ConsistencyService;
}

export async function createRig(vars: Record<string, string> = {}): Promise<Rig> {
  const adapters = await createAdapters({ ...env, LOG_LEVEL: "error", ...vars });
  const queue = new RecordingQueue();
  const { store, vectors, embedder, guard, tenants, config } = adapters;
  return {
    adapters,
    queue,
    documents: new DocumentService({ store, queue, log: silentLogger }),
    processor: (overrides = {}) =>
      new IngestProcessor({
        store: overrides.store ?? store,
        vectors: overrides.vectors ?? vectors,
        embedder: overrides.embedder ?? embedder,
        guard,
        queue,
        tenants,
        chunking: config.chunking,
        log: silentLogger,
        retryBaseSeconds: 0,
        maxDeferrals: overrides.maxDeferrals ?? 2,
        embeddingWindow: overrides.embeddingWindow,
        upsertSize: overrides.upsertSize,
        maxGroupContentChars: overrides.maxGroupContentChars,
      }),
    maintenance: new MaintenanceService({ store, queue, vectors, log: silentLogger }),
    consistency: new ConsistencyService({ consistency: new D1ConsistencyStore(env.DB), store, vectors, queue, log: silentLogger }),
  };
}

/** Submits documents through the document service; returns their ingest messages (not delivered). */
export async function submit(rig: Rig, tenantId: string, documents: NewDocument[]): Promise<IngestMessage[]> {
  await rig.documents.submit(tenantId, documents);
  return rig.queue.take("ingest");
}

/** Delivers messages to a processor as one batch (attempt `attempts`). */
export function deliver(processor: IngestProcessor, messages: IngestMessage[], attempts = 1): Promise<MessageDecision[]> {
  const incoming: IncomingMessage[] = messages.map((body) => ({ body, attempts }));
  return processor.processBatch(incoming);
}

/** Delivers every message the services sent (deferrals, reconciliations…) until none is left. */
export async function drain(rig: Rig, processor = rig.processor(), rounds = 20): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const messages = rig.queue.take();
    if (messages.length === 0) return;
    await deliver(processor, messages);
  }
  throw new Error("the queue did not drain");
}

/** The consistency check finds nothing for these tenants, and the index holds only accounted-for vectors. */
export async function expectConsistent(rig: Rig, tenants: string[] = ["default"]): Promise<void> {
  await drain(rig);
  for (const tenant of tenants) {
    let cursor: string | undefined;
    do {
      const report: ConsistencyReport = await rig.consistency.check(tenant, { cursor });
      expect(report.findings, `consistency findings for ${tenant}`).toEqual([]);
      cursor = report.next_cursor ?? undefined;
    } while (cursor);
  }
  const index = await rig.consistency.checkIndex();
  expect(index.unaccounted_vectors, JSON.stringify(index)).toBe(0);
  // Stale sets kept for their lease go once it is over (as the sweeper will do).
  const later = new Date(Date.now() + 2 * 60 * 60 * 1000);
  for (let pass = 0; pass < 10 && (await rig.maintenance.reap(later)).more; pass++);
  const settled = await rig.consistency.checkIndex();
  expect(settled, JSON.stringify(settled)).toMatchObject({ stale_vectors: 0, unaccounted_vectors: 0, index_vectors: settled.live_vectors });
}

/** Ids the vector index holds for a document (any version or incarnation). */
export async function vectorIdsOf(rig: Rig, documentId: string, tenantId = "default"): Promise<string[]> {
  const probe = await rig.adapters.embedder.embedQuery("probe");
  const { matches } = await rig.adapters.vectors.query(probe, { topK: 100, namespace: tenantId, filter: { document_id: documentId }, returnMetadata: "none" });
  return matches.map((match) => match.id).sort();
}

/** Chunk rows of a document, by version. */
export async function rowsOf(documentId: string, tenantId = "default"): Promise<{ id: string; version: number; seq: number; text: string }[]> {
  const { results } = await env.DB.prepare("SELECT id, version, seq, text FROM chunks WHERE tenant_id = ? AND document_id = ? ORDER BY version, seq")
    .bind(tenantId, documentId)
    .all<{ id: string; version: number; seq: number; text: string }>();
  return results;
}

/** The document as stored (status, versions, incarnation). */
export async function documentRow(documentId: string, tenantId = "default") {
  return env.DB.prepare("SELECT id, status, version, active_version, chunk_count, incarnation, error FROM documents WHERE tenant_id = ? AND id = ?")
    .bind(tenantId, documentId)
    .first<{ id: string; status: string; version: number; active_version: number | null; chunk_count: number; incarnation: string; error: string | null }>();
}
