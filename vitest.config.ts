/**
 * Two test projects:
 * - "workers": everything that runs in the Worker, executed inside workerd by
 *   @cloudflare/vitest-pool-workers with real D1 and Queues from
 *   wrangler.toml's [env.local], plus the LOCAL_SERVICES binding (the Node
 *   half of local mode: embedding model + vector index stand-in).
 * - "node": the Node half itself and the tooling (dev launcher, benchmarks, the CLI).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { createLocalServices } from "./src/adapters/local/node/local-services.js";
import { writeTinyCrossEncoder } from "./src/adapters/local/node/models/testing/tiny-cross-encoder.js";
import { localServicesKey } from "./test/local-services-key.js";

// wrangler warns, for every test file, that [env.local] lacks the `ai` and
// `vectorize` bindings. That is deliberate (local mode replaces them), so keep
// wrangler's log to errors while testing unless the caller asks otherwise.
process.env.WRANGLER_LOG ??= "error";

const nodeOnly = ["src/adapters/local/node/**", "scripts/**", "bench/**", "widget/**", "cli/**"];

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  const dataDir = mkdtempSync(join(tmpdir(), "edge-rag-test-"));
  process.once("exit", () => rmSync(dataDir, { recursive: true, force: true }));
  // A tiny cross-encoder with random weights (generated, no download) serves
  // as @local/transformers-reranker/tiny-test: reranking plumbing end to end.
  const modelsDir = join(dataDir, "models");
  await writeTinyCrossEncoder({ dir: modelsDir, name: "tiny-test", seed: 1 });
  const localServices = createLocalServices({
    dataDir,
    modelsDir,
    // Lets tests make the embedding service fail for texts they mark (retry and dead-letter tests).
    faultInjection: true,
  });
  // Closed by test/close-local-services.ts when the run ends (before the process exits).
  (globalThis as Record<symbol, unknown>)[localServicesKey] = localServices;

  return {
    test: {
      // Logs (the service's JSON log lines) are shown for failing tests only.
      silent: "passed-only" as const,
      // Teardown closes the local services, which waits for a model pass in progress (up to the
      // model thread's 30 s grace): vitest must not exit the process before (test/close-local-services.ts).
      teardownTimeout: 60_000,
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: "src/worker.ts",
              wrangler: { configPath: "./wrangler.toml", environment: "local" },
              miniflare: {
                // Retries in tests follow at once instead of after 10 s, 20 s, ...; a provider
                // outage is waited out twice (not 144 times) before ordinary retries take over.
                // Provider calls get one attempt and no circuit breaker here, so a fault a test
                // injects reaches the queue as it is; the resilience layer has its own tests.
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  INGEST_RETRY_BASE_SECONDS: "0",
                  INGEST_MAX_DEFERRALS: "2",
                  PROVIDER_MAX_ATTEMPTS: "1",
                  PROVIDER_BREAKER_FAILURES: "0",
                },
                serviceBindings: { LOCAL_SERVICES: (request: Request) => localServices.fetch(request) },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["{src,functions,queues,test}/**/*.test.ts"],
            exclude: nodeOnly,
            setupFiles: ["test/apply-migrations.ts"],
            globalSetup: ["test/close-local-services.ts"],
            testTimeout: 60_000,
            hookTimeout: 60_000,
          },
        },
        {
          test: {
            name: "node",
            environment: "node",
            include: nodeOnly.map((glob) => `${glob.replace(/\*\*$/, "")}**/*.test.ts`),
            testTimeout: 120_000,
          },
        },
      ],
    },
  };
});
