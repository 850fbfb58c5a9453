/**
 * What one queue batch costs in remote calls, counted by wrappers around the
 * AI, vector index and D1 bindings (the same wrappers the consumer uses for
 * its log line): 1,000 chunks take at most 11 `AI.run` calls (windows of
 * 100 texts), 2 vector upserts and 30 D1 round trips — money and rate limits
 * in production. Real D1, the local vector index, the hashing embedder.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BindingCallCounter } from "../../src/adapters/instrumentation/binding-call-counter.js";
import { createAdapters } from "../../src/composition-root.js";
import { IngestProcessor } from "../../src/services/ingest/ingest-processor.js";
import { silentLogger } from "../../src/services/logger.js";
import { createRig, deliver, documentRow, expectConsistent, rowsOf, submit, vectorIdsOf } from "../reliability/harness.js";

const vars = { EMBEDDING_MODEL: "@local/feature-hashing-512", LOG_LEVEL: "error" };

/** A processor whose bindings count their calls. */
async function countingProcessor(): Promise<{ processor: IngestProcessor; calls: BindingCallCounter }> {
  const calls = new BindingCallCounter();
  const adapters = await createAdapters({ ...env, ...vars }, { calls });
  const { store, vectors, embedder, guard, tenants, queue, config } = adapters;
  const processor = new IngestProcessor({ store, vectors, embedder, guard, queue, tenants, chunking: config.chunking, log: silentLogger, retryBaseSeconds: 0, maxDeferrals: 2 });
  return { processor, calls };
}

/** A document of `sections` chunks: each section alone fills most of a chunk. */
function sectioned(topic: string, sections: number): string {
  return Array.from({ length: sections }, (_, i) => `## ${topic} part ${i}\n\n${`${topic} detail ${i} ${"alpha beta gamma delta epsilon zeta eta theta ".repeat(28)}`.trim()}`).join("\n\n");
}

describe("remote calls of one queue batch", () => {
  it("1,000 chunks (100 documents of 10): ≤ 11 AI.run, ≤ 2 vector upserts, ≤ 30 D1 round trips", async () => {
    const rig = await createRig(vars);
    const documents = Array.from({ length: 100 }, (_, i) => ({ id: `calls-${i}`, content: sectioned(`Topic${i}`, 10) }));
    const messages = await submit(rig, "default", documents);
    const { processor, calls } = await countingProcessor();
    const before = calls.snapshot();
    const decisions = await deliver(processor, messages);
    expect(decisions.every((decision) => decision.action === "ack")).toBe(true);

    let chunks = 0;
    for (const doc of documents) {
      const row = await documentRow(doc.id);
      expect(row, doc.id).toMatchObject({ status: "ready" });
      chunks += row!.chunk_count;
    }
    expect(chunks).toBe(1_000);
    const used = { ai: calls.counts.ai - before.ai, vectorize: calls.counts.vectorize - before.vectorize, d1: calls.counts.d1 - before.d1 };
    expect(used.ai).toBeLessThanOrEqual(11);
    expect(used.ai).toBeGreaterThanOrEqual(10);
    expect(used.vectorize).toBeLessThanOrEqual(2);
    expect(used.d1).toBeLessThanOrEqual(30);
    // And it is all there: rows, vectors, consistency.
    for (const doc of documents.slice(0, 5)) expect(await vectorIdsOf(rig, doc.id)).toEqual((await rowsOf(doc.id)).map((row) => row.id).sort());
    await expectConsistent(rig);
  });

  it("100 one-chunk documents: one embedding call, one upsert, a handful of D1 round trips", async () => {
    const rig = await createRig(vars);
    const documents = Array.from({ length: 100 }, (_, i) => ({ id: `small-${i}`, content: `Small note number ${i} about otters.` }));
    const messages = await submit(rig, "default", documents);
    const { processor, calls } = await countingProcessor();
    await deliver(processor, messages);
    for (const doc of documents) expect(await documentRow(doc.id), doc.id).toMatchObject({ status: "ready", chunk_count: 1 });
    expect(calls.counts.ai).toBe(1);
    expect(calls.counts.vectorize).toBe(1);
    expect(calls.counts.d1).toBeLessThanOrEqual(10);
  });
});
