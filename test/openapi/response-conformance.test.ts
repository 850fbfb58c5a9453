/**
 * Real answers against the OpenAPI document: each request below goes to the
 * worker, and its answer must have a status the document lists for that
 * operation and a body that matches the declared schema exactly — a field
 * the document does not describe fails too (the response schemas are open
 * objects, so the body is compared with what the schema keeps). Every
 * operation of the document is exercised at least once.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { apiDocumentOptions, apiOperations } from "../../functions/openapi/api-operations.js";
import { buildOpenApiDocument } from "../../functions/openapi/build-document.js";
import { errorResponseSchema } from "../../functions/response-schemas.js";
import { waitForDocument } from "../helpers.js";
import { minimalPdf } from "../fixtures/minimal-pdf.js";
import { formBody, uploadForm } from "../fixtures/uploads.js";
import { call, type CallOptions, type RawResponse } from "../security/tenant-fixtures.js";
import { matchOperation } from "./document-paths.js";

const document = buildOpenApiDocument(apiOperations, apiDocumentOptions);
const exercised = new Set<string>();

/** Sends the request and checks the answer against the document; returns it for the test's own checks. */
async function exchange(method: string, path: string, options: CallOptions = {}): Promise<RawResponse> {
  const response = await call(method, path, options);
  const label = `${method} ${path} → ${response.status}`;
  const matched = matchOperation(apiOperations, method, path.split("?")[0]!);
  expect(matched, `${label}: not in the document`).toBeDefined();
  const { operation } = matched!;
  exercised.add(operation.operationId);
  const documented = Object.keys(document.paths[operation.path]![operation.method]!.responses as object);
  expect(documented, `${label}: status not documented (${response.text.slice(0, 200)})`).toContain(String(response.status));

  const contentType = response.headers.get("content-type") ?? "";
  const declared = operation.responses[response.status as keyof typeof operation.responses];
  if (response.status >= 400 && !declared) {
    expect(contentType, label).toMatch(/^application\/json/);
    conform(operation.errorBody?.schema ?? errorResponseSchema, response.body, label);
  } else if (response.status === 204 || (declared && !declared.json && !declared.eventStream && !declared.html && !declared.text)) {
    expect(response.text, `${label}: a body the document does not declare`).toBe("");
  } else if (contentType.startsWith("text/event-stream")) {
    expect(declared?.eventStream, `${label}: a stream the document does not declare`).toBeDefined();
    const events = sseEvents(response.text);
    expect(events.length, label).toBeGreaterThan(0);
    for (const event of events) {
      const schema = declared!.eventStream!.events[event.event];
      expect(schema, `${label}: undocumented event "${event.event}"`).toBeDefined();
      conform(schema!.schema, event.data, `${label} event ${event.event}`);
    }
  } else if (contentType.startsWith("text/html")) {
    expect(declared?.html, `${label}: HTML the document does not declare`).toBe(true);
  } else if (!contentType.startsWith("application/json")) {
    expect(Object.keys(declared?.text ?? {}), `${label}: a body the document does not declare`).toContain(contentType.split(";")[0]!.trim());
  } else {
    expect(contentType, label).toMatch(/^application\/json/);
    expect(declared?.json, `${label}: JSON the document does not declare`).toBeDefined();
    conform(declared!.json!.schema, response.body, label);
  }
  return response;
}

/** SSE frames with JSON data; the OpenAI-style `data: [DONE]` terminator is not an event. */
function sseEvents(text: string): { event: string; data: unknown }[] {
  return text
    .split(/\n\n/)
    .map((frame) => frame.split("\n").filter((line) => line !== "" && !line.startsWith(":")))
    .filter((lines) => lines.length > 0)
    .map((lines) => ({
      event: lines.find((line) => line.startsWith("event:"))?.slice(6).trim() ?? "message",
      data: lines.filter((line) => line.startsWith("data:")).map((line) => line.slice(5).replace(/^ /, "")).join("\n"),
    }))
    .filter((frame) => frame.data !== "[DONE]")
    .map((frame) => ({ event: frame.event, data: JSON.parse(frame.data) }));
}

/** The value matches the schema, and the schema describes all of it. */
function conform(schema: z.ZodType, value: unknown, label: string): void {
  const result = schema.safeParse(value);
  expect(result.success, `${label}: ${result.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}\n${JSON.stringify(value).slice(0, 500)}`).toBe(true);
  expect(result.data, `${label}: fields the document does not describe`).toEqual(value);
}

const json = (body: unknown): CallOptions => ({ body });

describe("answers match the OpenAPI document", () => {
  beforeAll(async () => {
    const first = await exchange("POST", "/v1/documents", json({
      id: "conformance-a",
      title: "Lighthouse keeping",
      format: "markdown",
      source_url: "https://example.com/lighthouses",
      metadata: { topic: "sea", year: 2026 },
      content: "# Lighthouse keeping\n\n## Lamps\n\nKeepers trim the wicks every evening and polish the lens each morning.\n\n## Fog\n\nIn fog the horn sounds twice a minute.",
    }));
    expect(first.status).toBe(202);
    const batch = await exchange("POST", "/v1/documents/batch", json({
      documents: [
        { id: "conformance-b", content: "Buoys mark channels: red to starboard when returning from sea." },
        { id: "conformance-empty", format: "html", content: "<html><script>x()</script></html>" },
      ],
    }));
    expect(batch.status).toBe(202);
    expect((await waitForDocument("conformance-a")).status).toBe("ready");
    expect((await waitForDocument("conformance-b")).status).toBe("ready");
    expect((await waitForDocument("conformance-empty")).status).toBe("failed");
  });

  it("service routes", async () => {
    expect((await exchange("GET", "/health")).status).toBe(200);
    expect((await exchange("GET", "/openapi.json")).status).toBe(200);
    expect((await exchange("GET", "/docs")).status).toBe(200);
    expect((await exchange("GET", "/demo")).status).toBe(200);
  });

  it("documents", async () => {
    const again = await exchange("POST", "/v1/documents", json({ id: "conformance-b", content: "Buoys mark channels: red to starboard when returning from sea." }));
    expect(again.body.status).toBe("unchanged");
    expect((await exchange("GET", "/v1/documents/conformance-a")).body.status).toBe("ready");
    expect((await exchange("GET", "/v1/documents/conformance-empty")).body.error).toMatch(/no text/);
    const page = await exchange("GET", "/v1/documents?limit=2");
    expect(page.body.next_cursor).toEqual(expect.any(String));
    await exchange("GET", `/v1/documents?limit=2&cursor=${page.body.next_cursor}&status=ready`);
    expect((await exchange("GET", "/v1/documents/conformance-none")).status).toBe(404);
    expect((await exchange("POST", "/v1/documents/conformance-a/retry")).status).toBe(409);
    expect((await exchange("POST", "/v1/documents/conformance-empty/retry")).status).toBe(202);
    expect((await exchange("POST", "/v1/documents/retry-failed")).status).toBe(202);
  });

  it("file uploads (multipart/form-data)", async () => {
    const send = async (form: FormData) => {
      const { bytes, contentType } = await formBody(form);
      return exchange("POST", "/v1/documents", { body: bytes, headers: { "content-type": contentType } });
    };
    const pdf = minimalPdf({ title: "Signals", pages: [["Flags by day."], ["Lights by night: a red light marks port."]] });
    const accepted = await send(uploadForm({ name: "signals.pdf", type: "application/pdf", content: pdf }, { id: "conformance-pdf", metadata: '{"topic": "sea"}' }));
    expect(accepted.status).toBe(202);
    expect((await waitForDocument("conformance-pdf")).status).toBe("ready");
    expect((await exchange("GET", "/v1/documents/conformance-pdf")).body).toMatchObject({ format: "pdf", original: { filename: "signals.pdf", bytes: pdf.length } });
    const search = await exchange("POST", "/v1/search", json({ query: "red light port", filter: { document_id: "conformance-pdf" } }));
    // Two short pages make one chunk that runs over the page break.
    expect(search.body.results[0]).toMatchObject({ page: 1, page_end: 2 });
    const answer = await exchange("POST", "/v1/chat", json({ messages: [{ role: "user", content: "What marks port at night?" }], filter: { document_id: "conformance-pdf" }, stream: false }));
    expect(answer.body.sources[0]).toMatchObject({ page: 1, page_end: 2 });
    await exchange("POST", "/v1/chat", json({ messages: [{ role: "user", content: "What marks port at night?" }], filter: { document_id: "conformance-pdf" } }));
    expect((await send(uploadForm({ name: "signals.pdf", content: pdf }, { id: "conformance-pdf", metadata: '{"topic": "sea"}' }))).status).toBe(200);
    expect((await send(uploadForm({ name: "slides.pptx", content: "PK" }))).status).toBe(415);
    expect((await send(uploadForm({ name: "broken.pdf", content: "%PDF-1.7\nbroken" }))).status).toBe(422);
    expect((await send(uploadForm({ name: "a.md", content: "# A" }, { format: "markdown" }))).status).toBe(400);
  });

  it("search and chat", async () => {
    const search = await exchange("POST", "/v1/search", json({ query: "how often does the fog horn sound?", top_k: 3 }));
    expect(search.body.results.length).toBeGreaterThan(0);
    const answer = await exchange("POST", "/v1/chat", json({ messages: [{ role: "user", content: "When are the wicks trimmed?" }], stream: false }));
    expect(answer.body.sources.length).toBeGreaterThan(0);
    const stream = await exchange("POST", "/v1/chat", json({ messages: [{ role: "user", content: "When are the wicks trimmed?" }] }));
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const feedback = await exchange("POST", "/v1/feedback", json({ rating: "up", question: "When?", answer: "Every evening [1].", sources: [{ n: 1, document_id: "conformance-a", chunk_id: "x:1:0" }] }));
    expect(feedback.status).toBe(201);
    expect((await exchange("GET", "/v1/feedback?rating=up&limit=1")).body.feedback.length).toBe(1);
    expect((await exchange("GET", "/v1/feedback?format=csv")).headers.get("content-type")).toMatch(/^text\/csv/);
    expect((await exchange("GET", "/v1/feedback?format=jsonl")).status).toBe(200);
    expect((await exchange("GET", "/v1/feedback?from=soon")).status).toBe(400);
  });

  it("answer cache", async () => {
    const body = { messages: [{ role: "user", content: "How often does the fog horn sound?" }] };
    expect((await exchange("POST", "/v1/chat", json({ ...body, stream: false }))).body.cache).toBe("miss");
    expect((await exchange("POST", "/v1/chat", json({ ...body, stream: false }))).body.cache).toBe("hit");
    expect((await exchange("POST", "/v1/chat", json(body))).headers.get("x-cache")).toBe("hit");
    expect((await exchange("POST", "/v1/chat", json({ ...body, cache: false }))).headers.get("x-cache")).toBe("bypass");
    expect((await exchange("DELETE", "/v1/cache")).body.deleted).toBeGreaterThan(0);
  });

  it("index", async () => {
    expect((await exchange("GET", "/v1/index/stats")).body.documents.total).toBeGreaterThanOrEqual(3);
    await exchange("GET", "/v1/index/settings");
    expect((await exchange("PUT", "/v1/index/settings", json({ fusion: { method: "rrf", k: 40 } }))).body.source.fusion).toBe("index");
    expect((await exchange("PUT", "/v1/index/settings", json({ fusion: null }))).body.source.fusion).toBe("defaults");
  });

  it("tenants and keys", async () => {
    const tenant = await exchange("POST", "/v1/tenants", json({ name: "Conformance" }));
    expect(tenant.status).toBe(201);
    const id = tenant.body.id as string;
    await exchange("GET", "/v1/tenants");
    await exchange("GET", `/v1/tenants/${id}`);
    expect((await exchange("PUT", `/v1/tenants/${id}/limits`, json({ chat_per_minute_per_ip: 60 }))).body.limits).toEqual({ chat_per_minute_per_ip: 60 });
    const key = await exchange("POST", "/v1/keys", json({ tenant_id: id, scopes: ["publishable"], origins: ["https://www.example.com"], name: "site" }));
    expect(key.status).toBe(201);
    expect((await exchange("GET", `/v1/keys?tenant_id=${id}`)).body.keys).toHaveLength(1);
    expect((await exchange("DELETE", `/v1/keys/${key.body.id}`)).status).toBe(204);
    expect((await exchange("DELETE", "/v1/tenants/default")).status).toBe(409);
    expect((await exchange("DELETE", `/v1/tenants/${id}`)).status).toBe(202);
  });

  it("operations", async () => {
    expect((await exchange("POST", "/v1/consistency", json({}))).body.tenant_id).toBe("default");
    await exchange("GET", "/v1/consistency/index");
    expect((await exchange("GET", "/v1/stats")).body.index).toBeDefined();
  });

  it("OpenAI-compatible", async () => {
    expect((await exchange("GET", "/v1/models")).body.data.length).toBeGreaterThan(0);
    const messages = [{ role: "user", content: "When are the wicks trimmed?" }];
    expect((await exchange("POST", "/v1/chat/completions", json({ model: "edge-rag", messages }))).body.choices).toHaveLength(1);
    const stream = await exchange("POST", "/v1/chat/completions", json({ model: "edge-rag", messages, stream: true, stream_options: { include_usage: true } }));
    expect(stream.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect((await exchange("POST", "/v1/chat/completions", json({ model: "no-such-model", messages }))).status).toBe(404);
  });

  it("MCP", async () => {
    const headers = { accept: "application/json, text/event-stream" };
    const initialize = await exchange("POST", "/mcp", {
      headers,
      body: { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "conformance", version: "1" } } },
    });
    expect(initialize.body.result).toBeDefined();
    expect((await exchange("POST", "/mcp", { headers, body: { jsonrpc: "2.0", id: 2, method: "tools/list" } })).body.result.tools.length).toBeGreaterThan(0);
    expect((await exchange("POST", "/mcp", { headers, body: { jsonrpc: "2.0", method: "notifications/initialized" } })).status).toBe(202);
  });

  it("website sources", async () => {
    const created = await exchange("POST", "/v1/sources", json({ type: "website", url: "https://docs.example.invalid/", include: ["/guide/"], schedule: "daily" }));
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    expect((await exchange("GET", "/v1/sources")).body.sources.map((source: { id: string }) => source.id)).toContain(id);
    expect((await exchange("GET", `/v1/sources/${id}`)).body.url).toBe("https://docs.example.invalid/");
    // 202, or 409 while the first sync is still discovering.
    expect([202, 409]).toContain((await exchange("POST", `/v1/sources/${id}/sync`)).status);
    expect((await exchange("POST", "/v1/sources", json({ type: "website", url: "http://169.254.169.254/" }))).body.error.code).toBe("URL_NOT_ALLOWED");
    expect((await exchange("DELETE", `/v1/sources/${id}`)).body).toMatchObject({ id, status: "deleted" });
  });

  it("errors", async () => {
    expect((await exchange("POST", "/v1/search", json({ query: "x", topK: 3 }))).body.error.details).toEqual(expect.any(Array));
    expect((await exchange("GET", "/v1/stats", { key: null })).status).toBe(401);
    expect((await exchange("POST", "/v1/search", { body: "query=x", headers: { "content-type": "text/plain" } })).status).toBe(415);
    expect((await exchange("POST", "/v1/search", { body: "{" })).status).toBe(400);
  });

  it("detects an answer the document does not describe (the check can fail)", () => {
    const schema = apiOperations.find((operation) => operation.operationId === "deleteDocument")!.responses[202]!.json!.schema;
    expect(() => conform(schema, { id: "a", status: "deleted", extra: 1 }, "probe")).toThrow(/fields the document does not describe/);
    expect(() => conform(schema, { id: "a", status: "gone" }, "probe")).toThrow();
  });

  it("exercises every operation of the document (runs last)", async () => {
    expect((await exchange("DELETE", "/v1/documents/conformance-b")).status).toBe(202);
    const missing = apiOperations.map((operation) => operation.operationId).filter((id) => !exercised.has(id));
    expect(missing, "operations without a conformance case: add one above").toEqual([]);
  });
});
