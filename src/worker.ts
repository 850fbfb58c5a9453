/**
 * The worker entry: HTTP API, queue consumers and the scheduled sweeper, all
 * wired through the composition root.
 */
import { createApp } from "../functions/app.js";
import { consumeIngestBatch } from "../queues/ingest-consumer.js";
import { requeueStalled } from "../queues/stalled-sweeper.js";
import { createServices } from "./composition-root.js";
import type { IngestMessage } from "./ports/ingest-queue.js";

export { RateLimitObject } from "./adapters/cloudflare/rate-limit-object.js";

const app = createApp(createServices);

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await consumeIngestBatch(batch, await createServices(env));
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(createServices(env).then((services) => requeueStalled(services)));
  },
} satisfies ExportedHandler<Env, IngestMessage>;
