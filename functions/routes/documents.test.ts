import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker.js";
import { api, apiKey, ingest, waitForDocument } from "../../test/helpers.js";
import { billingGuide, officeHours } from "../demo/sample-docs.js";

describe("authentication", () => {
  it("rejects /v1 requests without a key", async () => {
    const response = await api("GET", "/v1/documents", undefined, { headers: { authorization: "" } });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("UNAUTHORIZED");
  });

  it("rejects a wrong key", async () => {
    const response = await api("GET", "/v1/documents", undefined, { headers: { authorization: "Bearer nope" } });
    expect(response.status).toBe(401);
    expect(response.body.error.message).toBe("invalid or revoked API key");
  });

  it("serves /health without a key, with mode and models", async () => {
    const response = await api("GET", "/health", undefined, { headers: { authorization: "" } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: "ok",
      mode: "local",
      embedder: { model: "@local/universal-sentence-encoder", dimensions: 512 },
      generator: { model: "extractive" },
    });
  });
});

describe("POST /v1/documents", () => {
  it("stores, queues and indexes a document", async () => {
    const accepted = await api("POST", "/v1/documents", officeHours);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ id: "office-hours", status: "queued", version: 1 });

    const ready = await waitForDocument("office-hours");
    expect(ready).toMatchObject({ id: "office-hours", title: "Office hours", status: "ready", version: 1, indexed_version: 1, format: "text" });
    expect(ready.chunks).toBeGreaterThan(0);
    expect(ready.metadata).toEqual(officeHours.metadata);
    expect(ready.error).toBeUndefined();
  });

  it("assigns an id when none is given", async () => {
    const accepted = await api("POST", "/v1/documents", { content: "A document without an id." });
    expect(accepted.status).toBe(202);
    expect(accepted.body.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers unchanged for identical content and queues a new version for changed content", async () => {
    await ingest([billingGuide]);
    const again = await api("POST", "/v1/documents", billingGuide);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: billingGuide.id, status: "unchanged", version: 1 });

    const changed = await api("POST", "/v1/documents", { ...billingGuide, content: billingGuide.content + "\n## Taxes\n\nPrices exclude VAT.\n" });
    expect(changed.status).toBe(202);
    expect(changed.body).toEqual({ id: billingGuide.id, status: "queued", version: 2 });
    const ready = await waitForDocument(billingGuide.id, { status: "ready" });
    await expect.poll(async () => (await api("GET", `/v1/documents/${billingGuide.id}`)).body.indexed_version).toBe(2);
    expect(ready.version).toBe(2);

    const rows = await env.DB.prepare("SELECT DISTINCT version FROM chunks WHERE document_id = ?").bind(billingGuide.id).all<{ version: number }>();
    expect(rows.results.map((row) => row.version)).toEqual([2]);
  });

  it("treats a metadata change as a change", async () => {
    const doc = { id: "meta-change", content: "Metadata change detection.", metadata: { a: 1 } };
    await ingest([doc]);
    const changed = await api("POST", "/v1/documents", { ...doc, metadata: { a: 2 } });
    expect(changed.body).toEqual({ id: "meta-change", status: "queued", version: 2 });
  });

  const invalid: [string, unknown, number, string][] = [
    ["malformed JSON", "{", 400, "INVALID_JSON"],
    ["a JSON array", "[]", 400, "VALIDATION_FAILED"],
    ["missing content", { title: "x" }, 400, "VALIDATION_FAILED"],
    ["blank content", { content: "  \n " }, 400, "VALIDATION_FAILED"],
    ["content of the wrong type", { content: 42 }, 400, "VALIDATION_FAILED"],
    ["an unknown format", { content: "x", format: "pdf" }, 400, "VALIDATION_FAILED"],
    ["an unknown field", { content: "x", tittle: "typo" }, 400, "VALIDATION_FAILED"],
    ["an id with a slash", { id: "a/b", content: "x" }, 400, "VALIDATION_FAILED"],
    ["a reserved metadata key", { content: "x", metadata: { tenant_id: "other" } }, 400, "VALIDATION_FAILED"],
    ["nested metadata", { content: "x", metadata: { a: { b: 1 } } }, 400, "VALIDATION_FAILED"],
    ["a non-http source_url", { content: "x", source_url: "javascript:alert(1)" }, 400, "VALIDATION_FAILED"],
  ];

  it.each(invalid)("rejects %s", async (_name, body, status, code) => {
    const response = await api("POST", "/v1/documents", body);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(typeof response.body.error.message).toBe("string");
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it("names the offending field", async () => {
    const response = await api("POST", "/v1/documents", { content: 42 });
    expect(response.body.error.message).toMatch(/^content: /);
  });

  it("rejects a body that is not JSON by content type", async () => {
    const response = await api("POST", "/v1/documents", "content=x", { headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 413 for content over 1 MiB", async () => {
    const response = await api("POST", "/v1/documents", { content: "x".repeat(1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("accepts content of exactly 1 MiB", async () => {
    // Mostly whitespace, so that indexing it stays cheap for the tests that follow.
    const content = "Exactly one mebibyte." + " ".repeat(1024 * 1024 - 21);
    const response = await api("POST", "/v1/documents", { id: "one-mib", content });
    expect(response.status).toBe(202);
    expect((await waitForDocument("one-mib")).status).toBe("ready");
  });

  it("stores the document before queueing it", async () => {
    // The row exists, with its content, by the time the API answers.
    const response = await api("POST", "/v1/documents", { id: "stored-first", content: "Stored before queued." });
    expect(response.status).toBe(202);
    const row = await env.DB.prepare("SELECT content, version FROM documents WHERE id = ?").bind("stored-first").first();
    expect(row).toEqual({ content: "Stored before queued.", version: 1 });
  });
});

describe("POST /v1/documents/batch", () => {
  it("accepts up to 100 documents and reports each", async () => {
    const documents = Array.from({ length: 3 }, (_, i) => ({ id: `batch-${i}`, content: `Batch document number ${i}.` }));
    const response = await api("POST", "/v1/documents/batch", { documents });
    expect(response.status).toBe(202);
    expect(response.body.results).toEqual(documents.map((doc) => ({ id: doc.id, status: "queued", version: 1 })));
    for (const doc of documents) expect((await waitForDocument(doc.id)).status).toBe("ready");
  });

  it("rejects more than 100 documents", async () => {
    const documents = Array.from({ length: 101 }, (_, i) => ({ content: `doc ${i}` }));
    const response = await api("POST", "/v1/documents/batch", { documents });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/^documents: /);
  });

  it("rejects duplicate ids and stores nothing", async () => {
    const response = await api("POST", "/v1/documents/batch", { documents: [{ id: "dup", content: "a" }, { id: "dup", content: "b" }] });
    expect(response.status).toBe(400);
    expect((await api("GET", "/v1/documents/dup")).status).toBe(404);
  });

  it("rejects the whole batch when one document is invalid", async () => {
    const response = await api("POST", "/v1/documents/batch", { documents: [{ id: "fine", content: "ok" }, { id: "bad", content: "" }] });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/^documents\.1\.content/);
    expect((await api("GET", "/v1/documents/fine")).status).toBe(404);
  });
});

describe("GET /v1/documents", () => {
  it("pages with an opaque cursor", async () => {
    const documents = Array.from({ length: 5 }, (_, i) => ({ id: `page-${i}`, content: `Paging document ${i}.` }));
    await api("POST", "/v1/documents/batch", { documents });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : "";
      const response = await api("GET", `/v1/documents?limit=2${query}`);
      expect(response.status).toBe(200);
      expect(response.body.documents.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.documents.map((doc: { id: string }) => doc.id));
      cursor = response.body.next_cursor;
    } while (cursor);
    const pageIds = seen.filter((id) => id.startsWith("page-"));
    expect(pageIds).toEqual(documents.map((doc) => doc.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("validates the query string", async () => {
    expect((await api("GET", "/v1/documents?limit=0")).status).toBe(400);
    expect((await api("GET", "/v1/documents?limit=abc")).status).toBe(400);
    expect((await api("GET", "/v1/documents?status=done")).status).toBe(400);
    expect((await api("GET", "/v1/documents?cursor=%%%")).status).toBe(400);
  });
});

describe("GET and DELETE /v1/documents/:id", () => {
  it("404s an unknown document", async () => {
    const response = await api("GET", "/v1/documents/nope");
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("NOT_FOUND");
  });

  it("deletes a document and its chunks", async () => {
    await ingest([{ id: "to-delete", content: "Temporary document about zebras." }]);
    const deleted = await api("DELETE", "/v1/documents/to-delete");
    expect(deleted.status).toBe(202);
    expect(deleted.body).toEqual({ id: "to-delete", status: "deleted" });
    expect((await api("GET", "/v1/documents/to-delete")).status).toBe(404);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM chunks WHERE document_id = ?").bind("to-delete").first<{ n: number }>();
    expect(count!.n).toBe(0);
    expect((await api("DELETE", "/v1/documents/to-delete")).status).toBe(404);
  });
});

describe("unknown routes", () => {
  it("answer 404 JSON", async () => {
    const response = await api("GET", "/v2/nothing");
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("NOT_FOUND");
  });
});

describe("GET /v1/index/stats", () => {
  it("counts documents by status and searchable chunks", async () => {
    await ingest([{ id: "stats-doc", content: "Counting documents for the stats endpoint." }]);
    const response = await api("GET", "/v1/index/stats");
    expect(response.status).toBe(200);
    const { documents, chunks } = response.body;
    expect(documents.total).toBe(documents.queued + documents.processing + documents.ready + documents.failed);
    expect(documents.ready).toBeGreaterThan(0);
    const row = await env.DB.prepare("SELECT SUM(chunk_count) AS n FROM documents WHERE status = 'ready'").first<{ n: number }>();
    expect(chunks).toBe(row!.n);
  });
});

describe("dead-letter replay", () => {
  /** A document the queue gave up on, as the dead-letter consumer leaves it. */
  async function failedDocument(id: string, content: string): Promise<void> {
    await env.DB.prepare(
      "INSERT INTO documents (tenant_id, id, format, content, content_hash, version, status, error, incarnation) VALUES ('default', ?, 'text', ?, ?, 1, 'failed', 'gave up after repeated failures: attempt 6 failed: the embedding model is unavailable; try again later', ?)",
    )
      .bind(id, content, `hash-${id}`, `inc-${id}`)
      .run();
  }

  it("POST /v1/documents/:id/retry queues a failed document again, and it gets indexed", async () => {
    await failedDocument("replay-one", "Replayed documents about manatees come back.");
    const response = await api("POST", "/v1/documents/replay-one/retry");
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    expect(response.body).toEqual({ id: "replay-one", status: "queued", version: 1 });
    const doc = await waitForDocument("replay-one");
    expect(doc).toMatchObject({ status: "ready", indexed_version: 1 });
    expect(doc.error).toBeUndefined();
    expect(doc.chunks).toBeGreaterThan(0);
  });

  it("answers 409 for a ready document and 404 for an unknown one", async () => {
    await ingest([{ id: "replay-ready", content: "Already indexed text about dugongs." }]);
    const ready = await api("POST", "/v1/documents/replay-ready/retry");
    expect(ready.status).toBe(409);
    expect(ready.body.error.code).toBe("CONFLICT");
    const unknown = await api("POST", "/v1/documents/no-such-document/retry");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");
  });

  it("POST /v1/documents/retry-failed re-queues every failed document of the tenant (admin only)", async () => {
    await failedDocument("replay-bulk-1", "Bulk replay: narwhals live in the Arctic.");
    await failedDocument("replay-bulk-2", "Bulk replay: belugas are white whales.");
    const { key: queryKey } = (await api("POST", "/v1/keys", { scopes: ["query"] })).body as { key: string };
    const forbidden = await api("POST", "/v1/documents/retry-failed", undefined, { headers: { authorization: `Bearer ${queryKey}` } });
    expect(forbidden.status).toBe(403);

    const response = await api("POST", "/v1/documents/retry-failed");
    expect(response.status).toBe(202);
    expect(response.body.remaining).toBe(false);
    expect(response.body.requeued).toBeGreaterThanOrEqual(2);
    for (const id of ["replay-bulk-1", "replay-bulk-2"]) expect(await waitForDocument(id)).toMatchObject({ status: "ready" });
    const again = await api("POST", "/v1/documents/retry-failed");
    expect(again.body).toEqual({ requeued: 0, remaining: false });
  });
});

describe("back-pressure", () => {
  async function postWith(vars: Record<string, string>, tenant: string, path: string, body: unknown) {
    const response = await worker.fetch(
      new Request(`http://edge-rag.test${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "x-tenant-id": tenant },
        body: JSON.stringify(body),
      }),
      { ...env, ...vars },
      createExecutionContext(),
    );
    return { status: response.status, headers: response.headers, body: await response.json<any>() };
  }

  it("answers 429 INGEST_BACKLOG_FULL with Retry-After past the tenant's backlog bound, storing nothing", async () => {
    // A tenant of its own: nothing else in its backlog.
    const tenant = (await api("POST", "/v1/tenants", { name: "Backlog" })).body.id as string;
    const vars = { INGEST_MAX_BACKLOG: "2", INGEST_BACKLOG_RETRY_AFTER_SECONDS: "45" };
    const documents = [1, 2, 3].map((n) => ({ id: `backlog-${n}`, content: `Backlog document ${n}.` }));
    const refused = await postWith(vars, tenant, "/v1/documents/batch", { documents });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("INGEST_BACKLOG_FULL");
    expect(refused.headers.get("retry-after")).toBe("45");
    expect((await api("GET", "/v1/documents/backlog-1", undefined, { headers: { "x-tenant-id": tenant } })).status).toBe(404);
    // Within the bound it is accepted.
    expect((await postWith(vars, tenant, "/v1/documents/batch", { documents: documents.slice(0, 2) })).status).toBe(202);
  });
});
