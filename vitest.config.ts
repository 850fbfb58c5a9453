/**
 * Two test projects:
 * - "workers": everything that runs in the Worker, executed inside workerd by
 *   @cloudflare/vitest-pool-workers with real D1 and Queues from
 *   wrangler.toml's [env.local], plus the LOCAL_SERVICES binding (the Node
 *   half of local mode: embedding model + vector index stand-in).
 * - "node": the Node half itself and the tooling (dev launcher, benchmarks).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { createLocalServices } from "./src/adapters/local/node/local-services.js";

const nodeOnly = ["src/adapters/local/node/**", "scripts/**", "bench/**"];

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  const localServices = createLocalServices({ dataDir: mkdtempSync(join(tmpdir(), "edge-rag-test-")) });

  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: "src/worker.ts",
              wrangler: { configPath: "./wrangler.toml", environment: "local" },
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations },
                serviceBindings: { LOCAL_SERVICES: (request) => localServices.fetch(request as unknown as Request) as never },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["{src,functions,queues,test}/**/*.test.ts"],
            exclude: nodeOnly,
            setupFiles: ["test/apply-migrations.ts"],
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
