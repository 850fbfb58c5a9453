/**
 * The worker entry: HTTP API, queue consumers and the scheduled sweeper, all
 * wired through the composition root.
 */
import { createApp } from "../functions/app.js";
import { consumeIngestBatch } from "../queues/ingest-consumer.js";
import { createServices } from "./composition-root.js";
import { BindingCallCounter } from "./adapters/instrumentation/binding-call-counter.js";
import { createConsoleLogger } from "./services/logger.js";
import type { IngestMessage } from "./ports/ingest-queue.js";

export { RateLimitObject } from "./adapters/cloudflare/rate-limit-object.js";

const app = createApp(createServices);

export default {
  fetch: app.fetch,
  async queue(batch, env, ctx) {
    // The batch's remote calls are counted for its log line.
    const calls = new BindingCallCounter();
    // env and ctx: the batch's spans go to the OTLP collector, if one is configured.
    await consumeIngestBatch(batch, await createServices(env, { calls }), { env, ctx }, () => calls.snapshot());
  },
  async scheduled(_controller, env, ctx) {
    // The runtime reports a failed scheduled run only as "exception": log what failed.
    const sweep = createServices(env)
      .then(async (services) => {
        await services.maintenance.sweep();
        // Website sources whose scheduled re-sync is due.
        await services.sources.startDueSyncs();
      })
      .catch((error: unknown) => {
        createConsoleLogger("error").error("maintenance.sweep_failed", { error: String(error) });
        throw error;
      });
    ctx.waitUntil(sweep);
  },
} satisfies ExportedHandler<Env, IngestMessage>;
