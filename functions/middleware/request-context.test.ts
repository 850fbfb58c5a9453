/**
 * The request-context middleware: X-Request-Id on every response, one
 * structured log line per request (after the stream for SSE), no secrets or
 * user text in it, spans in the line locally and posted to an OTLP endpoint
 * when one is named. Real routes are driven through the worker's own fetch
 * handler (D1, queue and local services real); the details (stages, counts,
 * the platform tracer) on a small app with an injected clock and logger.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseSseText } from "../../test/helpers.js";
import { createKey, createTenant, operatorKey, raiseLimits } from "../../test/security/tenant-fixtures.js";
import worker from "../../src/worker.js";
import type { PlatformSpan, PlatformTracer } from "../../src/core/observability/span-recorder.js";
import type { Logger } from "../../src/services/logger.js";
import type { AppEnv } from "../context.js";
import { observeEnd, requestContext, type RequestSummary } from "./request-context.js";
import { otlpTracesEndpoint } from "../../src/adapters/cloudflare/trace-export.js";
import { captureConsole } from "../../test/console-capture.js";

/** Every console line written while this file runs. */
const lines: string[] = [];


/** The http.request lines of one request id. */
function requestLines(requestId: string): Record<string, any>[] {
  return lines
    .filter((line) => line.includes('"http.request"') && line.includes(requestId))
    .map((line) => JSON.parse(line) as Record<string, any>)
    .filter((line) => line.event === "http.request" && line.request_id === requestId);
}

function oneLine(requestId: string): Record<string, any> {
  const found = requestLines(requestId);
  expect(found, `http.request lines for ${requestId}`).toHaveLength(1);
  return found[0]!;
}

interface SendOptions {
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  env?: Record<string, unknown>;
}

/** Calls the worker's fetch handler, reads the whole body, waits for waitUntil work. */
async function send(method: string, path: string, options: SendOptions = {}) {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? operatorKey : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  Object.assign(headers, options.headers);
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://edge-rag.test${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) }),
    { ...env, ...options.env } as Env,
    ctx,
  );
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, text, requestId: response.headers.get("x-request-id") };
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const newId = () => `test-${crypto.randomUUID()}`;

describe("request context through the worker", () => {
  beforeAll(() => {
    captureConsole(lines);
  });

  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("echoes a valid X-Request-Id and logs exactly one line with the route pattern and status", async () => {
    const id = newId();
    const { response } = await send("GET", "/v1/documents", { headers: { "x-request-id": id } });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe(id);
    const line = oneLine(id);
    expect(line).toMatchObject({ level: "info", event: "http.request", request_id: id, method: "GET", route: "/v1/documents", status: 200 });
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof line.duration_ms).toBe("number");
    expect(line.stages).toEqual(expect.any(Object));
    expect(line).not.toHaveProperty("stream");
  });

  it("replaces an unsafe or oversized X-Request-Id with a generated one", async () => {
    for (const bad of ["has spaces", "x".repeat(129), "quote\"s", "semi;colon"]) {
      const { response, requestId } = await send("GET", "/v1/documents", { headers: { "x-request-id": bad } });
      expect(response.status).toBe(200);
      expect(requestId).toMatch(uuid);
      expect(oneLine(requestId!).request_id).toBe(requestId);
      expect(lines.some((line) => line.includes(bad))).toBe(false);
    }
  });

  it("generates a distinct id when the client sends none", async () => {
    const first = await send("GET", "/v1/documents");
    const second = await send("GET", "/v1/documents");
    expect(first.requestId).toMatch(uuid);
    expect(second.requestId).toMatch(uuid);
    expect(first.requestId).not.toBe(second.requestId);
    oneLine(first.requestId!);
    oneLine(second.requestId!);
  });

  it("sets the id on 4xx answers and unmatched routes, logging the route pattern, never the raw path", async () => {
    const cases: { method: string; path: string; options?: SendOptions; status: number; route: string }[] = [
      { method: "GET", path: "/v1/documents", options: { key: null }, status: 401, route: "/v1/documents" },
      { method: "GET", path: "/v1/documents/private-doc-4711", status: 404, route: "/v1/documents/:id" },
      { method: "POST", path: "/v1/search", options: { body: { top_k: "many" } }, status: 400, route: "/v1/search" },
      { method: "GET", path: "/v1/no-such-route-8812", status: 404, route: "(unmatched)" },
      { method: "GET", path: "/nowhere-5521", options: { key: null }, status: 404, route: "(unmatched)" },
    ];
    for (const { method, path, options, status, route } of cases) {
      const id = newId();
      const { response } = await send(method, path, { ...options, headers: { "x-request-id": id } });
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(response.headers.get("x-request-id"), `${method} ${path}`).toBe(id);
      const line = oneLine(id);
      expect(line, `${method} ${path}`).toMatchObject({ method, route, status });
    }
    for (const raw of ["private-doc-4711", "no-such-route-8812", "nowhere-5521"]) {
      expect(requestLinesContaining(raw)).toEqual([]);
    }
  });

  it("sets the id on a 500 whose services could not even be built, logging it at warn", async () => {
    const failingDb = new Proxy(env.DB, {
      get(target, property, receiver) {
        if (property === "prepare" || property === "batch") {
          return () => {
            throw new Error("D1_ERROR: database unavailable");
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
    const id = newId();
    const { response, text } = await send("POST", "/v1/search", { body: { query: "x" }, headers: { "x-request-id": id }, env: { DB: failingDb } });
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
    expect(response.headers.get("x-request-id")).toBe(id);
    expect(oneLine(id)).toMatchObject({ level: "warn", route: "/v1/search", status: 500 });
  });

  it("sets the id on CORS preflights", async () => {
    const id = newId();
    const { response } = await send("OPTIONS", "/v1/chat", {
      key: null,
      headers: { "x-request-id": id, origin: "https://shop.example", "access-control-request-method": "POST" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("x-request-id")).toBe(id);
    expect(oneLine(id)).toMatchObject({ method: "OPTIONS", route: "/v1/chat", status: 204 });
  });

  it("sets the id through the runtime's own entrypoint too", async () => {
    const { SELF } = await import("cloudflare:test");
    const id = newId();
    const response = await SELF.fetch("http://edge-rag.test/v1/documents", { headers: { authorization: `Bearer ${operatorKey}`, "x-request-id": id } });
    await response.text();
    expect(response.headers.get("x-request-id")).toBe(id);
  });

  it("logs a streamed answer once, after the stream ends, with its id on the response", async () => {
    const id = newId();
    const question = `What are the opening hours of the aquarium ${crypto.randomUUID()}?`;
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request("http://edge-rag.test/v1/chat", {
        method: "POST",
        headers: { authorization: `Bearer ${operatorKey}`, "content-type": "application/json", "x-request-id": id },
        body: JSON.stringify({ messages: [{ role: "user", content: question }] }),
      }),
      env,
      ctx,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("x-request-id")).toBe(id);
    // The headers are out, the answer is not: no line yet.
    expect(requestLines(id)).toEqual([]);
    const text = await response.text();
    await waitOnExecutionContext(ctx);
    expect(parseSseText(text).at(-1)?.event).toBe("done");
    const line = oneLine(id);
    expect(line).toMatchObject({ route: "/v1/chat", status: 200, stream: "completed" });
    expect(JSON.stringify(line)).not.toContain("aquarium");
  });

  it("logs a cancelled stream once, when the client goes away", async () => {
    const id = newId();
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request("http://edge-rag.test/v1/chat", {
        method: "POST",
        headers: { authorization: `Bearer ${operatorKey}`, "content-type": "application/json", "x-request-id": id },
        body: JSON.stringify({ messages: [{ role: "user", content: "When is support open?" }] }),
      }),
      env,
      ctx,
    );
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(requestLines(id)).toEqual([]);
    await reader.cancel();
    await waitOnExecutionContext(ctx);
    expect(oneLine(id)).toMatchObject({ route: "/v1/chat", status: 200, stream: "cancelled" });
  });

  it("never logs the bearer key, the Authorization header or the query text; logs the tenant", async () => {
    const tenant = await createTenant("Request context");
    await raiseLimits(tenant);
    const key = await createKey(tenant, ["query"]);
    const query = `confidential merger plans ${crypto.randomUUID()}`;
    const before = lines.length;
    const searchId = newId();
    const search = await send("POST", "/v1/search", { key: key.key, body: { query }, headers: { "x-request-id": searchId } });
    expect(search.response.status).toBe(200);
    const chatId = newId();
    const chat = await send("POST", "/v1/chat", { key: key.key, body: { messages: [{ role: "user", content: query }], stream: false }, headers: { "x-request-id": chatId } });
    expect(chat.response.status).toBe(200);
    const operatorId = newId();
    expect((await send("POST", "/v1/search", { body: { query }, headers: { "x-request-id": operatorId } })).response.status).toBe(200);

    expect(oneLine(searchId)).toMatchObject({ tenant, route: "/v1/search", status: 200 });
    expect(oneLine(chatId)).toMatchObject({ tenant, route: "/v1/chat", status: 200 });
    oneLine(operatorId);
    const written = lines.slice(before).join("\n");
    for (const secret of [key.key, key.key.slice(20), operatorKey, query, "confidential merger"]) {
      expect(written.includes(secret), `the logs contain ${secret.slice(0, 24)}`).toBe(false);
    }
    expect(written.toLowerCase()).not.toContain("bearer");
  });

  it("puts the spans in the line in local mode and continues an incoming traceparent", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    const id = newId();
    await send("GET", "/v1/documents/some-doc", { headers: { "x-request-id": id, traceparent: `00-${traceId}-${callerSpan}-01` } });
    const line = oneLine(id);
    expect(line.trace_id).toBe(traceId);
    expect(line.spans).toHaveLength(1);
    expect(line.spans[0]).toMatchObject({
      name: "GET /v1/documents/:id",
      parent_span_id: callerSpan,
      start_ms: 0,
      attributes: { "http.request.method": "GET", "http.route": "/v1/documents/:id", "http.response.status_code": 404 },
    });
    expect(line.spans[0].span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(line.spans[0]).not.toHaveProperty("status");
  });

  it("posts the spans as OTLP/JSON to OTEL_EXPORTER_OTLP_ENDPOINT, and ignores a failing collector", async () => {
    const posted: { url: string; init: RequestInit | undefined }[] = [];
    let collectorFails = false;
    const realFetch = globalThis.fetch;
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.startsWith("http://collector.test/")) return realFetch(input, init);
      posted.push({ url, init });
      if (collectorFails) throw new Error("connection refused");
      return new Response("{}", { status: 200 });
    });
    try {
      const id = newId();
      const { response } = await send("GET", "/v1/documents", { headers: { "x-request-id": id }, env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector.test/" } });
      expect(response.status).toBe(200);
      expect(posted).toHaveLength(1);
      expect(posted[0]!.url).toBe("http://collector.test/v1/traces");
      expect(posted[0]!.init?.method).toBe("POST");
      expect(new Headers(posted[0]!.init?.headers).get("content-type")).toBe("application/json");
      const body = JSON.parse(String(posted[0]!.init?.body));
      const span = body.resourceSpans[0].scopeSpans[0].spans[0];
      expect(body.resourceSpans[0].resource.attributes).toContainEqual({ key: "service.name", value: { stringValue: "edge-rag" } });
      expect(span).toMatchObject({ name: "GET /v1/documents", kind: 2, traceId: oneLine(id).trace_id });
      expect(span.attributes).toContainEqual({ key: "request_id", value: { stringValue: id } });

      collectorFails = true;
      const failing = await send("GET", "/v1/documents", { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector.test/custom" } });
      expect(failing.response.status).toBe(200);
      expect(posted.at(-1)!.url).toBe("http://collector.test/custom");
      oneLine(failing.requestId!);
    } finally {
      spy.mockRestore();
    }
  });
});

function requestLinesContaining(text: string): string[] {
  return lines.filter((line) => line.includes('"http.request"') && line.includes(text));
}

describe("request context on a small app", () => {
  function capturingLogger() {
    const written: { level: string; event: string; fields: Record<string, any> }[] = [];
    const logger: Logger = {
      info: (event, fields = {}) => void written.push({ level: "info", event, fields }),
      warn: (event, fields = {}) => void written.push({ level: "warn", event, fields }),
      error: (event, fields = {}) => void written.push({ level: "error", event, fields }),
    };
    return { logger, written };
  }

  it("logs stage durations from the span recorder, counts, the tenant, and calls onEnd once", async () => {
    let now = 1_000;
    const { logger, written } = capturingLogger();
    const ended: RequestSummary[] = [];
    const app = new Hono<AppEnv>();
    app.use("*", requestContext({ now: () => now, logger, platformTracer: null, logSpans: true, onEnd: (summary) => ended.push(summary) }));
    app.post("/v1/items/:id", async (c) => {
      c.set("tenantId", "t_0123456789abcdef");
      await c.var.spans.time("embed", async () => {
        now += 5;
      });
      await Promise.all([
        c.var.spans.time("vector", async () => {
          now += 3;
        }),
        c.var.spans.time("keyword", async () => {
          now += 2;
        }),
      ]);
      c.var.requestCounts.results = 2;
      c.var.requestCounts.bogus = Number.NaN;
      return c.json({ ok: true });
    });

    const response = await app.request("/v1/items/abc-123", { method: "POST", headers: { "x-request-id": "req-small-1" } }, {});
    expect(response.headers.get("x-request-id")).toBe("req-small-1");
    expect(written).toHaveLength(1);
    const [{ level, event, fields }] = written as [(typeof written)[number]];
    expect([level, event]).toEqual(["info", "http.request"]);
    expect(fields).toMatchObject({
      request_id: "req-small-1",
      method: "POST",
      route: "/v1/items/:id",
      status: 200,
      tenant: "t_0123456789abcdef",
      duration_ms: 10,
      counts: { results: 2 },
    });
    expect(fields.stages).toEqual({ embed: 5, vector: 5, keyword: 2 });
    // Every span carries the request id and the tenant; the line leaves them out of each span.
    expect(fields.spans.map((span: any) => span.name)).toEqual(["POST /v1/items/:id", "embed", "vector", "keyword"]);
    expect(fields.spans[1].parent_span_id).toBe(fields.spans[0].span_id);
    expect(JSON.stringify(fields)).not.toContain("abc-123");
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ requestId: "req-small-1", route: "/v1/items/:id", status: 200, tenant: "t_0123456789abcdef", stages: { embed: 5 } });
  });

  it("opens one platform span per request carrying the request id, tenant, route and status, with stage spans inside", async () => {
    const opened: { name: string; attributes: Record<string, unknown>; parent: string | undefined }[] = [];
    const stack: string[] = [];
    const platform: PlatformTracer = {
      enterSpan<T>(name: string, callback: (span: PlatformSpan) => T): T {
        const entry = { name, attributes: {} as Record<string, unknown>, parent: stack.at(-1) };
        opened.push(entry);
        stack.push(name);
        return Promise.resolve(callback({ setAttribute: (key, value) => void (entry.attributes[key] = value) })).finally(() => stack.pop()) as T;
      },
    };
    const { logger } = capturingLogger();
    const app = new Hono<AppEnv>();
    app.use("*", requestContext({ logger, platformTracer: platform }));
    app.get("/v1/things", async (c) => {
      c.set("tenantId", "t_1");
      await c.var.spans.time("keyword", async () => undefined);
      return c.text("ok");
    });
    await app.request("/v1/things", { headers: { "x-request-id": "req-platform" } }, {});
    expect(opened).toEqual([
      { name: "http.request", parent: undefined, attributes: { request_id: "req-platform", tenant: "t_1", "http.route": "/v1/things", "http.response.status_code": 200 } },
      { name: "keyword", parent: "http.request", attributes: { request_id: "req-platform" } },
    ]);
  });

  it("still serves the request when the platform tracer fails", async () => {
    const { logger, written } = capturingLogger();
    const broken: PlatformTracer = {
      enterSpan() {
        throw new Error("tracing unavailable");
      },
    };
    const app = new Hono<AppEnv>();
    app.use("*", requestContext({ logger, platformTracer: broken }));
    app.get("/", async (c) => c.text(String(await c.var.spans.time("stage", async () => "ok").catch(() => "stage failed"))));
    const response = await app.request("/", { headers: { "x-request-id": "req-broken-tracer" } }, {});
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("req-broken-tracer");
    expect(written).toHaveLength(1);
  });

  it("does not log spans outside local mode unless asked", async () => {
    const { logger, written } = capturingLogger();
    const app = new Hono<AppEnv>();
    app.use("*", requestContext({ logger, platformTracer: null }));
    app.get("/", (c) => c.text("ok"));
    await app.request("/", {}, {});
    expect(written[0]!.fields).not.toHaveProperty("spans");
  });

  it("reports a stream that fails as errored, once", async () => {
    const outcomes: string[] = [];
    let pulls = 0;
    const upstream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        if (pulls === 1) controller.enqueue(new TextEncoder().encode("event: sources\n\n"));
        else controller.error(new Error("upstream broke"));
      },
    });
    const observed = observeEnd(upstream, (outcome) => outcomes.push(outcome)).getReader();
    expect((await observed.read()).done).toBe(false);
    await expect(observed.read()).rejects.toThrow("upstream broke");
    expect(outcomes).toEqual(["errored"]);
  });

  it("reads the OTLP endpoint from the standard variables", () => {
    expect(otlpTracesEndpoint({})).toBeUndefined();
    expect(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318" })).toBe("http://localhost:4318/v1/traces");
    expect(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318//" })).toBe("http://localhost:4318/v1/traces");
    expect(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b/traces" })).toBe("http://b/traces");
    expect(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })).toBeUndefined();
  });
});
