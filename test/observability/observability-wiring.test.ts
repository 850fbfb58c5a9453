/**
 * The observability building blocks wired into the real routes and the real
 * queue consumer: Server-Timing on search and chat (JSON and streamed), the
 * stage spans of a request carrying its id and tenant, one `queue.batch`
 * line per batch with its stages and (local mode) its spans and never a
 * document's text, and the metrics an indexed document, a failed one, a
 * retry and queries by mode record (local mode's in-memory metrics).
 */
import { createExecutionContext, createMessageBatch, env, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../src/worker.js";
import { createAdapters, inMemoryMetrics } from "../../src/composition-root.js";
import { providerBreakers } from "../../src/services/provider-breakers.js";
import type { IngestMessage } from "../../src/ports/ingest-queue.js";
import { injectEmbeddingFaults, parseSseText } from "../helpers.js";
import { call, createKey, createTenant, ingestAs, raiseLimits, waitForDocumentAs, type RawResponse } from "../security/tenant-fixtures.js";
import { captureConsole } from "../console-capture.js";

/** Every console line written while this file runs. */
const lines: string[] = [];


/** The parsed JSON lines of one event. */
function events(name: string): Record<string, any>[] {
  return lines
    .filter((line) => line.includes(`"${name}"`))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, any>;
      } catch {
        return {};
      }
    })
    .filter((line) => line.event === name);
}

function requestLine(requestId: string): Record<string, any> {
  const found = events("http.request").filter((line) => line.request_id === requestId);
  expect(found, `http.request lines of ${requestId}`).toHaveLength(1);
  return found[0]!;
}

/** `Server-Timing` as {name: duration}, in header order. */
function serverTiming(response: RawResponse): Record<string, number> {
  const header = response.headers.get("server-timing");
  expect(header, "Server-Timing header").toBeTruthy();
  return Object.fromEntries(
    header!.split(",").map((part) => {
      const [name, ...params] = part.trim().split(";");
      const dur = params.find((param) => param.startsWith("dur="));
      return [name!, Number(dur?.slice(4))];
    }),
  );
}


/** Text that must never reach a log line. */
const secretText = `tardigrade cryptobiosis ${crypto.randomUUID()}`;
const headers = (requestId: string) => ({ "x-request-id": requestId });

let tenant: string;
let key: string;

beforeAll(async () => {
  captureConsole(lines);
  tenant = await createTenant("Observability wiring");
  await raiseLimits(tenant);
  key = (await createKey(tenant, ["admin"])).key;
  await ingestAs(key, [
    { id: "tardigrades", title: "Tardigrades", content: `Tardigrades survive drying out by entering ${secretText}, a state of suspended metabolism.` },
    { id: "rotifers", title: "Rotifers", content: "Bdelloid rotifers also survive desiccation and repair their DNA afterwards." },
  ]);
});

afterAll(() => {
  vi.restoreAllMocks();
});

describe("Server-Timing", () => {
  it("search names every stage and the total; the request line has the stages and the result count", async () => {
    const id = `obs-search-${crypto.randomUUID()}`;
    const response = await call("POST", "/v1/search", { key, body: { query: "how do tardigrades survive drying out" }, headers: headers(id) });
    expect(response.status, response.text).toBe(200);
    const timing = serverTiming(response);
    expect(Object.keys(timing)).toEqual(["embed", "vector", "keyword", "hydrate", "fuse", "rerank", "total"]);
    for (const value of Object.values(timing)) expect(value).toBeGreaterThanOrEqual(0);
    const line = requestLine(id);
    expect(line).toMatchObject({ tenant, route: "/v1/search", status: 200, counts: { results: response.body.results.length } });
    expect(Object.keys(line.stages)).toEqual(expect.arrayContaining(["embed", "vector", "keyword", "fuse"]));
    expect(line.spans.map((span: { name: string }) => span.name)).toEqual(expect.arrayContaining(["POST /v1/search", "embed", "vector", "keyword", "fuse"]));
  });

  it("a JSON chat answer adds the time to the first token", async () => {
    const id = `obs-chat-${crypto.randomUUID()}`;
    const response = await call("POST", "/v1/chat", { key, body: { stream: false, messages: [{ role: "user", content: "How do rotifers survive desiccation?" }] }, headers: headers(id) });
    expect(response.status, response.text).toBe(200);
    const timing = serverTiming(response);
    expect(Object.keys(timing)).toEqual(expect.arrayContaining(["embed", "vector", "keyword", "fuse", "rerank", "first_token", "total"]));
    expect(timing.first_token).toBe(Math.round(response.body.timings.first_token_ms * 10) / 10);
    const line = requestLine(id);
    expect(line.counts).toEqual({ sources: response.body.sources.length });
    expect(Object.keys(line.stages)).toEqual(expect.arrayContaining(["rewrite", "embed", "vector", "keyword", "fuse", "generate"]));
  });

  it("a streamed chat carries the retrieval stages; the first token is in `done`", async () => {
    const id = `obs-stream-${crypto.randomUUID()}`;
    const response = await call("POST", "/v1/chat", { key, body: { messages: [{ role: "user", content: "What do tardigrades do when they dry out?" }] }, headers: headers(id) });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const timing = serverTiming(response);
    expect(Object.keys(timing)).toEqual(expect.arrayContaining(["embed", "vector", "keyword", "fuse"]));
    expect(timing).not.toHaveProperty("first_token");
    const sse = parseSseText(response.text);
    expect(sse[0]!.event).toBe("sources");
    expect(sse.at(-1)!.event).toBe("done");
    expect(sse.at(-1)!.data.timings.first_token_ms).toEqual(expect.any(Number));
    const line = requestLine(id);
    expect(line).toMatchObject({ stream: "completed", counts: { sources: sse[0]!.data.sources.length } });
    expect(line.spans.find((span: { name: string }) => span.name === "generate")).toMatchObject({ attributes: { first_token_ms: expect.any(Number) } });
  });

  it("a streamed chat whose retrieval fails answers a JSON error with its status, not a 200 stream", async () => {
    await injectEmbeddingFaults("stream-retrieval-marker", 1);
    const id = `obs-stream-fail-${crypto.randomUUID()}`;
    const response = await call("POST", "/v1/chat", {
      key,
      body: { mode: "vector", messages: [{ role: "user", content: "tardigrades stream-retrieval-marker" }] },
      headers: headers(id),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("x-request-id")).toBe(id);
    expect(response.body.error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(requestLine(id)).toMatchObject({ status: 503, route: "/v1/chat" });
  });
});

describe("traces", () => {
  it("exports every stage span of a request with its request id and tenant", async () => {
    const posted: unknown[] = [];
    const realFetch = globalThis.fetch;
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.startsWith("http://collector.test/")) return realFetch(input, init);
      posted.push(JSON.parse(String(init?.body)));
      return new Response("{}");
    });
    try {
      const id = `obs-otlp-${crypto.randomUUID()}`;
      const ctx = createExecutionContext();
      const response = await worker.fetch(
        new Request("http://edge-rag.test/v1/search", {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-request-id": id },
          body: JSON.stringify({ query: "rotifers desiccation" }),
        }),
        { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector.test" },
        ctx,
      );
      expect(response.status).toBe(200);
      await response.text();
      await waitOnExecutionContext(ctx);
      expect(posted).toHaveLength(1);
      const spans = (posted[0] as any).resourceSpans[0].scopeSpans[0].spans as { name: string; attributes: { key: string; value: { stringValue?: string } }[] }[];
      const stages = spans.filter((span) => ["embed", "vector", "keyword", "fuse"].includes(span.name));
      expect(stages.map((span) => span.name).sort()).toEqual(["embed", "fuse", "keyword", "vector"]);
      for (const span of spans) {
        expect(span.attributes).toContainEqual({ key: "request_id", value: { stringValue: id } });
        expect(span.attributes).toContainEqual({ key: "tenant", value: { stringValue: tenant } });
      }
      expect(JSON.stringify(posted)).not.toContain("rotifers desiccation");
    } finally {
      spy.mockRestore();
    }
  });

  it("exports a queue batch's spans: a consumer root span and its stages", async () => {
    const posted: any[] = [];
    const realFetch = globalThis.fetch;
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.startsWith("http://collector.test/")) return realFetch(input, init);
      posted.push({ url, body: JSON.parse(String(init?.body)) });
      return new Response("{}");
    });
    try {
      // A document that does not exist: the batch loads, finds nothing and acks.
      const batch = createMessageBatch<IngestMessage>("edge-rag-ingest", [
        { id: "m0", timestamp: new Date(), attempts: 1, body: { kind: "ingest", tenant_id: tenant, document_id: "never-posted", version: 1 } },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector.test/traces" }, ctx);
      await waitOnExecutionContext(ctx);
      expect(posted).toHaveLength(1);
      expect(posted[0].url).toBe("http://collector.test/traces");
      const spans = posted[0].body.resourceSpans[0].scopeSpans[0].spans as any[];
      const root = spans.find((span) => span.name === "queue edge-rag-ingest");
      expect(root).toMatchObject({ kind: 5 });
      const load = spans.find((span) => span.name === "load");
      expect(load).toMatchObject({ parentSpanId: root.spanId, traceId: root.traceId });
      expect(load.attributes).toContainEqual({ key: "tenant", value: { stringValue: tenant } });
      expect(load.attributes).toContainEqual({ key: "skipped", value: { stringValue: "gone" } });
      expect(root.attributes.find((attribute: any) => attribute.key === "batch_id")?.value.stringValue).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("the queue batch line", () => {
  it("has the batch's stages, counts and span summary, and no document text", () => {
    const batchLines = events("queue.batch").filter((line) => line.tenant === tenant && line.indexed > 0);
    expect(batchLines.length).toBeGreaterThan(0);
    const line = batchLines[0]!;
    expect(line.batch_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(line.queue).toBe("edge-rag-ingest");
    expect(Object.keys(line.stages_ms)).toEqual(["load", "parse", "chunk", "embed", "upsert", "index", "reap"]);
    // Every stage with I/O that ran for an indexed document took some time (a stage never timed reads 0).
    for (const stage of ["load", "embed", "upsert", "index"]) expect(line.stages_ms[stage], stage).toBeGreaterThan(0);
    expect(line.chunks).toBeGreaterThan(0);
    const names = line.spans.map((span: { name: string }) => span.name);
    expect(names[0]).toBe("queue edge-rag-ingest");
    expect(names).toEqual(expect.arrayContaining(["load", "parse", "chunk", "embed", "upsert", "index"]));
    const rootId = line.spans[0].span_id;
    for (const span of line.spans.slice(1)) expect(span.parent_span_id).toBe(rootId);
    expect(line.spans.find((span: { name: string }) => span.name === "chunk").attributes.chunks).toBeGreaterThan(0);
  });

  it("no line written during this file holds document or query text", () => {
    const written = lines.join("\n");
    expect(written).not.toContain(secretText);
    expect(written).not.toContain("cryptobiosis");
    expect(written).not.toContain("suspended metabolism");
    expect(written).not.toContain("how do tardigrades survive");
  });
});

describe("metrics (local mode: in memory)", () => {
  it("counts an indexed document with its chunks, a failed one, and a retried one", async () => {
    const other = await createTenant("Observability metrics");
    await raiseLimits(other);
    const otherKey = (await createKey(other, ["admin"])).key;
    await ingestAs(otherKey, [{ id: "axolotl", content: "Axolotls regrow limbs, hearts and parts of their brains." }]);
    const indexed = await waitForDocumentAs(otherKey, "axolotl");

    expect((await call("POST", "/v1/documents", { key: otherKey, body: { id: "blank", format: "html", content: "<html><script>x()</script></html>" } })).status).toBe(202);
    expect((await waitForDocumentAs(otherKey, "blank")).status).toBe("failed");

    await injectEmbeddingFaults("metrics-retry-marker", 1);
    expect((await call("POST", "/v1/documents", { key: otherKey, body: { id: "planarian", content: "Planarians regenerate from fragments. metrics-retry-marker" } })).status).toBe(202);
    expect((await waitForDocumentAs(otherKey, "planarian")).status).toBe("ready");

    const counters = inMemoryMetrics().counters(other);
    expect(counters).toMatchObject({ documents_indexed: 2, documents_failed: 1, ingest_retries: 1 });
    expect(counters.chunks_indexed).toBe(indexed.chunks + (await waitForDocumentAs(otherKey, "planarian")).chunks);
    const failures = inMemoryMetrics()
      .events()
      .filter(({ event }) => event.kind === "document_failed" && event.tenant === other);
    expect(failures.map(({ event }) => event)).toEqual([{ kind: "document_failed", tenant: other, code: "PermanentError" }]);
  });

  it("counts queries by mode (a chat once, however many queries it searched), degraded ones, tokens and requests", async () => {
    const before = inMemoryMetrics().counters(tenant);
    for (const mode of ["keyword", "vector", "hybrid"]) {
      expect((await call("POST", "/v1/search", { key, body: { query: "rotifers", mode } })).status).toBe(200);
    }
    await injectEmbeddingFaults("metrics-degraded-marker", 1);
    const degraded = await call("POST", "/v1/search", { key, body: { query: "rotifers metrics-degraded-marker" } });
    expect(degraded.body.degraded).toEqual(["vector"]);
    // A follow-up: the rewrite and the original question are both searched.
    const followUp = await call("POST", "/v1/chat", {
      key,
      body: {
        stream: false,
        mode: "keyword",
        messages: [
          { role: "user", content: "What are tardigrades?" },
          { role: "assistant", content: "Tiny animals [1]." },
          { role: "user", content: "How do they survive drying out?" },
        ],
      },
    });
    expect(followUp.status).toBe(200);
    expect(followUp.body.retrieval_queries).toHaveLength(2);

    const after = inMemoryMetrics().counters(tenant);
    expect(after.queries.keyword - before.queries.keyword).toBe(2);
    expect(after.queries.vector - before.queries.vector).toBe(1);
    expect(after.queries.hybrid - before.queries.hybrid).toBe(2);
    expect(after.degraded_queries - before.degraded_queries).toBe(1);
    expect(after.generation_tokens - before.generation_tokens).toBeGreaterThan(0);
    expect(after.http_requests - before.http_requests).toBe(5);
  });

  it("records provider circuit-breaker changes", async () => {
    await createAdapters(env);
    providerBreakers.onStateChange?.({ breaker: "workers-ai:@test/breaker-model", from: "closed", to: "open", retryAfterMs: 30_000 });
    expect(inMemoryMetrics().breakers()["workers-ai:@test/breaker-model"]).toBe("open");
    providerBreakers.onStateChange?.({ breaker: "workers-ai:@test/breaker-model", from: "open", to: "half-open", retryAfterMs: 0 });
    expect(inMemoryMetrics().breakers()["workers-ai:@test/breaker-model"]).toBe("half-open");
  });
});
