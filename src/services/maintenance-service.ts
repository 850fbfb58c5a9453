/**
 * The scheduled safety net (the worker's cron; locally the dev launcher fires
 * it). Each run:
 *
 * - re-queues documents left `queued` or `processing` with no sign of life
 *   for `stalledAfterMinutes`: a crash between storing and queueing, a lost
 *   message, a consumer that died mid-batch. Processing is idempotent and
 *   jobs refresh their document's heartbeat while they work, so a spurious
 *   extra message costs only work;
 * - purges the vectors of stale vector sets that nobody purged (a crash
 *   before the purge, a purge message that failed).
 *
 * Each run is bounded; what is left waits for the next run.
 */
import type { DocumentStore } from "../ports/document-store.js";
import type { IngestQueue } from "../ports/ingest-queue.js";
import type { VectorIndex } from "../ports/vector-index.js";
import { ingestMessage } from "./document-service.js";
import { VectorSetReaper, type ReapResult } from "./ingest/vector-set-reaper.js";
import type { Logger } from "./logger.js";

/** A queued or processing document quiet for this long is presumed lost. Longer than any deferral delay (10 min). */
export const stalledAfterMinutes = 15;
const documentsPerRun = 200;

export interface SweepResult {
  requeued: number;
  reaped: ReapResult;
}

export class MaintenanceService {
  private readonly reaper: VectorSetReaper;

  constructor(private readonly deps: { store: DocumentStore; queue: IngestQueue; vectors: VectorIndex; log: Logger; leaseSeconds?: number }) {
    this.reaper = new VectorSetReaper({ store: deps.store, vectors: deps.vectors, leaseSeconds: deps.leaseSeconds });
  }

  async sweep(now = new Date()): Promise<SweepResult> {
    const { store, queue, log } = this.deps;
    const before = new Date(now.getTime() - stalledAfterMinutes * 60_000).toISOString();
    const stalled = await store.findUnfinished(before, documentsPerRun);
    if (stalled.length > 0) {
      await queue.send(stalled.map((doc) => ingestMessage(doc.ref)));
      for (const doc of stalled) await store.touch(doc.ref);
      log.warn("ingest.requeued_stalled", {
        documents: stalled.length,
        queued: stalled.filter((doc) => doc.status === "queued").length,
        processing: stalled.filter((doc) => doc.status === "processing").length,
      });
    }
    let reaped: ReapResult = { sets: 0, vectors: 0, leased: 0, more: false };
    try {
      reaped = await this.reap(now);
      if (reaped.sets > 0 || reaped.vectors > 0) log.info("ingest.reaped_stale_vectors", { sets: reaped.sets, vectors: reaped.vectors, more: reaped.more });
    } catch (error) {
      log.warn("ingest.reap_failed", { detail: String(error) });
    }
    return { requeued: stalled.length, reaped };
  }

  /** One bounded pass of the vector-set reaper over every tenant, as of `now`. */
  reap(now = new Date()): Promise<ReapResult> {
    return this.reaper.reap({}, { now });
  }
}
