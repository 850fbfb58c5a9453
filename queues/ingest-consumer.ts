/**
 * Queue consumers: the ingestion queue and its dead-letter queue. They only
 * translate between Cloudflare Queues and the ingest processor's decisions
 * (ack / retry with delay).
 */
import type { IngestMessage } from "../src/ports/ingest-queue.js";
import type { IncomingMessage, MessageDecision } from "../src/services/ingest-processor.js";
import type { Services } from "../src/services/services.js";

/** Dead-letter queues are named after their queue with this suffix (see wrangler.toml). */
export const deadLetterSuffix = "-dlq";

export async function consumeIngestBatch(batch: MessageBatch<IngestMessage>, services: Services): Promise<void> {
  const incoming: IncomingMessage[] = batch.messages.map((message) => ({ body: message.body, attempts: message.attempts }));
  const decisions = batch.queue.endsWith(deadLetterSuffix)
    ? await services.ingest.deadLetter(incoming)
    : await services.ingest.processBatch(incoming);
  batch.messages.forEach((message, index) => apply(message, decisions[index]!));
}

function apply(message: Message<IngestMessage>, decision: MessageDecision): void {
  if (decision.action === "ack") message.ack();
  else message.retry({ delaySeconds: decision.delaySeconds });
}
