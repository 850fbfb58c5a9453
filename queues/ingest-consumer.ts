/**
 * Queue consumers: the ingestion queue and its dead-letter queue. They only
 * translate between Cloudflare Queues and the ingest processor's decisions
 * (ack / retry with delay). Each ingestion batch is traced: its spans (a
 * root `queue <name>` and one per stage, see ingest-processor.ts) are
 * recorded, mirrored into Workers' tracing, and exported over OTLP when a
 * collector is configured (batch-tracing.ts).
 *
 * Website-source messages (`source-discover`, `source-page`) share the queue
 * but not the pipeline: they go to the website sources service, one at a
 * time, and the rest of the batch to the ingest processor.
 */
import type { CallCounts } from "../src/adapters/instrumentation/binding-call-counter.js";
import type { IngestMessage } from "../src/ports/ingest-queue.js";
import type { IncomingMessage, MessageDecision } from "../src/services/ingest/ingest-processor.js";
import type { Services } from "../src/services/services.js";
import type { SourceMessage } from "../src/services/sources/website-sources.js";
import { batchSpanRecorder, exportBatchSpans, type BatchTracingOptions } from "./batch-tracing.js";

/** Dead-letter queues are named after their queue with this suffix (see wrangler.toml). */
export const deadLetterSuffix = "-dlq";

export async function consumeIngestBatch(
  batch: MessageBatch<IngestMessage>,
  services: Services,
  tracing: BatchTracingOptions = {},
  calls?: () => CallCounts,
): Promise<void> {
  const messages = batch.messages.filter((message) => !isSourceMessage(message.body));
  await consumeSourceMessages(batch, services);
  if (messages.length === 0) return;
  const incoming: IncomingMessage[] = messages.map((message) => ({ body: message.body, attempts: message.attempts }));
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
  messages.forEach((message, index) => apply(message, decisions[index]!));
}

/** Website-source messages of the batch, in order; a failure is retried (malformed ones are acked and logged). */
async function consumeSourceMessages(batch: MessageBatch<IngestMessage>, services: Services): Promise<void> {
  const deadLetter = batch.queue.endsWith(deadLetterSuffix);
  for (const message of batch.messages) {
    if (!isSourceMessage(message.body)) continue;
    const body = message.body;
    if (!validSourceMessage(body)) {
      services.log.error("sources.malformed_message", { body: String(JSON.stringify(body)).slice(0, 200) });
      message.ack();
      continue;
    }
    try {
      if (deadLetter) {
        await services.sources.deadLetter(body);
        message.ack();
      } else {
        apply(message, await services.sources.handle(body, message.attempts));
      }
    } catch (error) {
      services.log.warn("sources.message_failed", { kind: body.kind, tenant_id: body.tenant_id, source_id: body.source_id, attempts: message.attempts, detail: String(error) });
      message.retry({ delaySeconds: Math.min(300, 10 * 2 ** Math.max(0, message.attempts - 1)) });
    }
  }
}

function isSourceMessage(body: unknown): body is SourceMessage {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return kind === "source-discover" || kind === "source-page";
}

function validSourceMessage(body: SourceMessage): boolean {
  const fields = body as unknown as Record<string, unknown>;
  if (typeof fields.tenant_id !== "string" || typeof fields.source_id !== "string" || !Number.isInteger(fields.sync)) return false;
  return body.kind === "source-discover" || typeof fields.url === "string";
}

function apply(message: Message<IngestMessage>, decision: MessageDecision): void {
  if (decision.action === "ack") message.ack();
  else message.retry({ delaySeconds: decision.delaySeconds });
}
