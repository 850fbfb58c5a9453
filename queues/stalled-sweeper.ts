/**
 * Scheduled safety net: a document is stored before its message is sent, so a
 * crash between the two leaves it "queued" with no message. Every run
 * re-enqueues documents that have sat in "queued" for too long. Processing is
 * idempotent, so a spurious extra message costs only work.
 */
import type { Services } from "../src/services/services.js";

/** A queued document older than this is presumed lost. */
export const stalledAfterMinutes = 15;
const perRun = 200;

export async function requeueStalled(services: Services, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - stalledAfterMinutes * 60_000).toISOString();
  const stalled = await services.store.findStalled(before, perRun);
  if (stalled.length === 0) return 0;
  await services.queue.send(stalled.map((doc) => ({ kind: "ingest", tenant_id: doc.tenantId, document_id: doc.id, version: doc.version })));
  for (const doc of stalled) await services.store.touch(doc.tenantId, doc.id);
  services.log.warn("ingest.requeued_stalled", { documents: stalled.length });
  return stalled.length;
}
