/**
 * Queue consumers: the ingestion queue and its dead-letter queue. They only
 * translate between Cloudflare Queues and the ingest processor's decisions
 * (ack / retry with delay). Each ingestion batch is traced: its spans (a
 * root `queue <name>` and one per stage, see ingest-processor.ts) are
 * recorded, mirrored into Workers' tracing, and exported over OTLP when a
 * collector is configured (batch-tracing.ts).
 */
import type { CallCounts } from "../src/adapters/instrumentation/binding-call-counter.js";
import type { IngestMessage } from "../src/ports/ingest-queue.js";
import type { IncomingMessage, MessageDecision } from "../src/services/ingest/ingest-processor.js";
import type { Services } from "../src/services/services.js";
import { batchSpanRecorder, exportBatchSpans, type BatchTracingOptions } from "./batch-tracing.js";

/** Dead-letter queues are named after their queue with this suffix (see wrangler.toml). */
export const deadLetterSuffix = "-dlq";

export async function consumeIngestBatch(
  batch: MessageBatch<IngestMessage>,
  services: Services,
  tracing: BatchTracingOptions = {},
  calls?: () => CallCounts,
): Promise<void> {
  const incoming: IncomingMessage[] = batch.messages.map((message) => ({ body: message.body, attempts: message.attempts }));
  let decisions: MessageDecision[];
  if (batch.queue.endsWith(deadLetterSuffix)) {
    decisions = await services.ingest.deadLetter(incoming);
  } else {
    const spans = batchSpanRecorder(tracing);
    try {
      decisions = await services.ingest.processBatch(incoming, { queue: batch.queue, spans, calls });
    } finally {
      exportBatchSpans(spans, tracing);
    }
  }
  batch.messages.forEach((message, index) => apply(message, decisions[index]!));
}

function apply(message: Message<IngestMessage>, decision: MessageDecision): void {
  if (decision.action === "ack") message.ack();
  else message.retry({ delaySeconds: decision.delaySeconds });
}
