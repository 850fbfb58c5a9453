import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/worker.js";
import type { IngestMessage } from "../src/ports/ingest-queue.js";
import { api, ingest, injectEmbeddingFaults, waitForDocument } from "../test/helpers.js";

async function chunkRows(documentId: string) {
  const { results } = await env.DB.prepare("SELECT id, version, seq FROM chunks WHERE document_id = ? ORDER BY version, seq")
    .bind(documentId)
    .all<{ id: string; version: number; seq: number }>();
  return results;
}

async function ftsCount(word: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?").bind(`"${word}"`).first<{ n: number }>();
  return row!.n;
}

async function searchIds(query: string, mode: string): Promise<string[]> {
  const response = await api("POST", "/v1/search", { query, mode, top_k: 50 });
  expect(response.status).toBe(200);
  return response.body.results.map((result: { document_id: string }) => result.document_id);
}

async function runBatch(messages: IngestMessage[], queue = "edge-rag-ingest", attempts = 1, vars: Record<string, unknown> = {}) {
  const batch = createMessageBatch<IngestMessage>(
    queue,
    messages.map((body, index) => ({ id: `m${index}`, timestamp: new Date(), attempts, body })),
  );
  // getQueueResult does not record retry options; watch retry() for them.
  const retries = batch.messages.map((message) => vi.spyOn(message, "retry"));
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...vars }, ctx);
  return { ...(await getQueueResult(batch, ctx)), retryOptions: retries.map((spy) => spy.mock.calls[0]?.[0]) };
}

const longText = Array.from({ length: 60 }, (_, i) => `Paragraph ${i} talks about ferns, mosses and liverworts in temperate forests.`).join("\n\n");

describe("ingest consumer", () => {
  it("acks malformed messages instead of retrying them forever", async () => {
    const result = await runBatch([{ nonsense: true } as unknown as IngestMessage]);
    expect(result.outcome).toBe("ok");
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("acks a message for a document that does not exist (deleted meanwhile)", async () => {
    const result = await runBatch([{ kind: "ingest", tenant_id: "default", document_id: "ghost", version: 1 }]);
    expect(result.explicitAcks).toEqual(["m0"]);
  });

  it("does not duplicate chunks when a message is delivered again", async () => {
    await ingest([{ id: "redelivered", content: longText }]);
    const before = await chunkRows("redelivered");
    expect(before.length).toBeGreaterThan(1);
    const doc = await waitForDocument("redelivered");

    // The same message twice in one batch and once more afterwards.
    const message: IngestMessage = { kind: "ingest", tenant_id: "default", document_id: "redelivered", version: 1 };
    expect((await runBatch([message, message])).explicitAcks).toEqual(["m0", "m1"]);
    expect((await runBatch([message], "edge-rag-ingest", 3)).explicitAcks).toEqual(["m0"]);

    expect(await chunkRows("redelivered")).toEqual(before);
    expect(await waitForDocument("redelivered")).toMatchObject({ status: "ready", chunks: doc.chunks, version: 1 });
    expect(await ftsCount("liverworts")).toBe(before.length);
  });

  it("re-processes a version that was interrupted mid-way without duplicates", async () => {
    // Simulate a crash after some chunk rows were written: process, then put
    // the document back to 'processing' and deliver the message again.
    await ingest([{ id: "interrupted", content: longText.replaceAll("ferns", "cycads") }]);
    const before = await chunkRows("interrupted");
    await env.DB.prepare("UPDATE documents SET status = 'processing', active_version = NULL WHERE id = 'interrupted'").run();
    await env.DB.prepare("DELETE FROM chunks WHERE document_id = 'interrupted' AND seq >= 2").run();
    const result = await runBatch([{ kind: "ingest", tenant_id: "default", document_id: "interrupted", version: 1 }]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(await chunkRows("interrupted")).toEqual(before);
    expect((await waitForDocument("interrupted")).status).toBe("ready");
  });

  it("retries a transient failure and then succeeds (real queue)", async () => {
    await injectEmbeddingFaults("transient-marker", 2);
    await api("POST", "/v1/documents", { id: "flaky", content: "A document with transient-marker that fails twice." });
    const doc = await waitForDocument("flaky");
    expect(doc.status).toBe("ready");
    const row = await env.DB.prepare("SELECT attempts FROM documents WHERE id = 'flaky'").first<{ attempts: number }>();
    expect(row!.attempts).toBe(3);
  });

  it("defers a message while the embedding provider fails, without using up its retries", async () => {
    await env.DB.prepare(
      "INSERT INTO documents (tenant_id, id, format, content, content_hash, version, status) VALUES ('default', 'unit-defer', 'text', 'unit-defer-marker text', 'h', 1, 'queued')",
    ).run();
    await injectEmbeddingFaults("unit-defer-marker", 1);
    const sent: { body: IngestMessage; delaySeconds?: number }[] = [];
    const recordingQueue = {
      send: async (body: IngestMessage, options?: QueueSendOptions) => void sent.push({ body, delaySeconds: options?.delaySeconds }),
      sendBatch: async (messages: Iterable<MessageSendRequest<IngestMessage>>) => {
        for (const message of messages) sent.push({ body: message.body, delaySeconds: message.delaySeconds });
      },
    };
    // Third delivery, first deferral, 4 s base: deferred by 4 s as a new message; the original is acked.
    const result = await runBatch([{ kind: "ingest", tenant_id: "default", document_id: "unit-defer", version: 1 }], "edge-rag-ingest", 3, {
      INGEST_RETRY_BASE_SECONDS: "4",
      INGEST_QUEUE: recordingQueue as unknown as string,
    });
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
    expect(sent).toEqual([{ body: { kind: "ingest", tenant_id: "default", document_id: "unit-defer", version: 1, incarnation: "", deferrals: 1 }, delaySeconds: 4 }]);
    const doc = await waitForDocument("unit-defer", { status: "queued" });
    expect(doc.error).toBe("waiting for a provider (1): the embedding model is unavailable; try again later");
  });

  it("falls back to queue retries with backoff once the deferrals are used up", async () => {
    await env.DB.prepare(
      "INSERT INTO documents (tenant_id, id, format, content, content_hash, version, status) VALUES ('default', 'unit-retry', 'text', 'unit-retry-marker text', 'h', 1, 'queued')",
    ).run();
    await injectEmbeddingFaults("unit-retry-marker", 1);
    // Third attempt with a 4 s base: 4 · 2² = 16 s (INGEST_MAX_DEFERRALS is 2 in tests).
    const result = await runBatch([{ kind: "ingest", tenant_id: "default", document_id: "unit-retry", version: 1, deferrals: 2 }], "edge-rag-ingest", 3, {
      INGEST_RETRY_BASE_SECONDS: "4",
    });
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(result.retryOptions).toEqual([{ delaySeconds: 16 }]);
    const doc = await waitForDocument("unit-retry", { status: "processing" });
    expect(doc.error).toBe("attempt 3 failed: the embedding model is unavailable; try again later");
  });

  it("marks the document failed once retries are exhausted (dead-letter queue)", async () => {
    await injectEmbeddingFaults("hopeless-marker", 1000);
    await api("POST", "/v1/documents", { id: "hopeless", content: "A document with hopeless-marker that always fails." });
    const doc = await waitForDocument("hopeless", { timeout: 45_000 });
    expect(doc.status).toBe("failed");
    expect(doc.error).toMatch(/^gave up after repeated failures: attempt \d+ failed: the embedding model is unavailable/);
    expect(await chunkRows("hopeless")).toEqual([]);
  });

  it("marks a document with no text failed without retrying", async () => {
    await api("POST", "/v1/documents", { id: "empty-html", format: "html", content: "<html><script>x()</script></html>" });
    const doc = await waitForDocument("empty-html");
    expect(doc.status).toBe("failed");
    expect(doc.error).toBe("the document has no text content to index");
    const row = await env.DB.prepare("SELECT attempts FROM documents WHERE id = 'empty-html'").first<{ attempts: number }>();
    expect(row!.attempts).toBe(1);
  });

  it("re-posting a failed document with the same content queues it again", async () => {
    // Two deferrals (INGEST_MAX_DEFERRALS in tests), then max_retries = 5 in [env.local]: six
    // deliveries fail, then the dead-letter queue marks it failed.
    await injectEmbeddingFaults("second-chance-marker", 8);
    const doc = { id: "second-chance", content: "A document with second-chance-marker that recovers later." };
    await api("POST", "/v1/documents", doc);
    expect((await waitForDocument("second-chance", { timeout: 45_000 })).status).toBe("failed");

    const again = await api("POST", "/v1/documents", doc);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ id: "second-chance", status: "queued", version: 1 });
    const recovered = await waitForDocument("second-chance");
    expect(recovered.status).toBe("ready");
    expect(recovered.error).toBeUndefined();
  });
});

describe("versions and deletion stay consistent across both legs", () => {
  it("a new version replaces the old one in keyword and vector search", async () => {
    await ingest([{ id: "versioned", content: "The aardvark population grew in the dry season." }]);
    expect(await searchIds("aardvark", "keyword")).toContain("versioned");

    await ingest([{ id: "versioned", content: "The pangolin population shrank in the wet season." }]);
    expect((await waitForDocument("versioned")).version).toBe(2);
    expect(await searchIds("aardvark", "keyword")).not.toContain("versioned");
    expect(await searchIds("pangolin", "keyword")).toContain("versioned");

    const vector = await api("POST", "/v1/search", { query: "aardvark population dry season", mode: "vector", top_k: 50 });
    const versionedHits = vector.body.results.filter((result: { document_id: string }) => result.document_id === "versioned");
    expect(versionedHits.length).toBeGreaterThan(0);
    for (const hit of versionedHits) expect(hit.chunk_id).toMatch(/:2:\d+$/);
    expect((await chunkRows("versioned")).every((row) => row.version === 2)).toBe(true);
  });

  it("a deleted document disappears from keyword, vector and hybrid search and from chat", async () => {
    await ingest([
      { id: "keeper", content: "Quokkas live on Rottnest Island near Perth." },
      { id: "doomed", content: "Quokkas are small marsupials that smile in photographs." },
    ]);
    for (const mode of ["keyword", "vector", "hybrid"]) expect(await searchIds("quokkas marsupials", mode)).toContain("doomed");

    expect((await api("DELETE", "/v1/documents/doomed")).status).toBe(202);
    for (const mode of ["keyword", "vector", "hybrid"]) {
      const ids = await searchIds("quokkas marsupials smile photographs", mode);
      expect(ids, mode).not.toContain("doomed");
      expect(ids, mode).toContain("keeper");
    }
    const chat = await api("POST", "/v1/chat", { messages: [{ role: "user", content: "Do quokkas smile in photographs?" }], stream: false });
    expect(chat.body.sources.map((source: { document_id: string }) => source.document_id)).not.toContain("doomed");
    expect(chat.body.answer).not.toMatch(/smile in photographs/);
  });
});

describe("scheduled sweeper", () => {
  it("re-queues documents whose queue message was lost", async () => {
    // Stored but never queued (as after a crash between the two steps), long ago.
    await env.DB.prepare(
      `INSERT INTO documents (tenant_id, id, format, content, content_hash, version, status, updated_at)
       VALUES ('default', 'lost-message', 'text', 'A document whose message was lost about narwhals.', 'h', 1, 'queued', '2020-01-01T00:00:00.000Z')`,
    ).run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/10 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await waitForDocument("lost-message")).status).toBe("ready");
    expect(await searchIds("narwhals", "keyword")).toContain("lost-message");
  });
});
