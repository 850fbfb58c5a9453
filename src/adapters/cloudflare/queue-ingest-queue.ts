/** The ingestion queue on Cloudflare Queues (real locally too, via miniflare). */
import type { IngestMessage, IngestQueue } from "../../ports/ingest-queue.js";

/** Queues accepts at most 100 messages per sendBatch call. */
const maxMessagesPerBatch = 100;
/** Queues delays a message by at most 12 hours. */
const maxDelaySeconds = 12 * 60 * 60;

export class QueueIngestQueue implements IngestQueue {
  constructor(private readonly queue: Queue<IngestMessage>) {}

  async send(messages: IngestMessage[], options: { delaySeconds?: number } = {}): Promise<void> {
    const delay = options.delaySeconds === undefined ? {} : { delaySeconds: Math.min(maxDelaySeconds, Math.max(0, Math.round(options.delaySeconds))) };
    for (let start = 0; start < messages.length; start += maxMessagesPerBatch) {
      await this.queue.sendBatch(messages.slice(start, start + maxMessagesPerBatch).map((body) => ({ body, contentType: "json" as const, ...delay })));
    }
  }
}
