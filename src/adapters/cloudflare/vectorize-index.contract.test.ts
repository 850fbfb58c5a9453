/**
 * Runs the vector index contract (`src/ports/vector-index.contract.ts`)
 * against a real Vectorize index bound as `VECTORIZE`. Local mode has no such
 * binding, so `npm test` skips this file.
 *
 * To run it against Cloudflare:
 * 1. Create a small index with the metadata indexes the suite filters on
 *    (metadata indexes must exist before vectors are written):
 *      npx wrangler vectorize create edge-rag-contract --dimensions=8 --metric=cosine
 *      npx wrangler vectorize create-metadata-index edge-rag-contract --property-name=category --type=string
 *      npx wrangler vectorize create-metadata-index edge-rag-contract --property-name=rank --type=number
 *      npx wrangler vectorize create-metadata-index edge-rag-contract --property-name=flag --type=boolean
 * 2. Add a wrangler environment that binds it remotely next to a D1 database,
 *    e.g. in wrangler.toml:
 *      [env.contract]
 *      [[env.contract.d1_databases]]   (same shape as env.local's)
 *      [[env.contract.vectorize]]
 *      binding = "VECTORIZE"
 *      index_name = "edge-rag-contract"
 *      remote = true
 *      [env.contract.vars]
 *      VECTORIZE_CONTRACT_METRIC = "cosine"   # the metric the index was created with
 * 3. Point the workers test project at that environment (`environment:
 *    "contract"` in vitest.config.ts), log in (`npx wrangler login` or
 *    CLOUDFLARE_API_TOKEN + CLOUDFLARE_ACCOUNT_ID) and run:
 *      npx vitest run --project workers src/adapters/cloudflare/vectorize-index.contract.test.ts
 *
 * Each test writes into fresh namespaces, so the index can be reused; the
 * vectors stay behind (delete the index afterwards if you like). Writes are
 * awaited by polling `describe()` until it reports the mutation processed,
 * which takes seconds per write, hence the long timeouts. Run once per metric
 * (one index each) to cover all three.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { runVectorIndexContract } from "../../ports/vector-index.contract.js";
import { describedDimensions, type VectorIndex } from "../../ports/vector-index.js";

const bindings = env as unknown as { VECTORIZE?: VectorIndex; VECTORIZE_CONTRACT_METRIC?: string };
const binding = bindings.VECTORIZE;

if (binding) {
  const dimensions = describedDimensions(await binding.describe());
  if (dimensions === undefined) throw new Error("VECTORIZE.describe() did not report the index dimensions");
  const metric = (bindings.VECTORIZE_CONTRACT_METRIC ?? "cosine") as VectorizeDistanceMetric;

  runVectorIndexContract({
    dimensions,
    metrics: [metric],
    timeout: 180_000,
    newIndex: async () => binding,
    settle: waitUntilProcessed,
  });
} else {
  describe("vector index contract against Vectorize", () => {
    it.skip("needs a VECTORIZE binding (see the comment at the top of this file)", () => {});
  });
}

/** Polls `describe()` until the index reports `mutation` processed. */
async function waitUntilProcessed(index: VectorIndex, mutation: VectorizeAsyncMutation): Promise<void> {
  // Legacy (v1) indexes apply writes before answering and return no mutation id.
  if (!mutation?.mutationId) return;
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    const info = (await index.describe()) as { processedUpToMutation?: unknown };
    if (String(info.processedUpToMutation) === mutation.mutationId) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`Vectorize did not process mutation ${mutation.mutationId} within 150 s`);
}
