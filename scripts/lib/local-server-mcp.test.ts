/**
 * The MCP endpoint end to end: the real local server (workerd, D1, queue,
 * embedding model, vector index stand-in), a document ingested through the
 * REST API, and the official MCP SDK client over Streamable HTTP with a
 * bearer key — as Claude Desktop (through mcp-remote) or any SDK client
 * connects. Every tool is called and its result checked against the
 * document: search finds it, ask cites it, get_document returns its text,
 * list_documents pages through the index.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startLocalServer, type LocalServer } from "./local-server.js";

const key = "mcp-e2e-key";
let server: LocalServer;
let stateDir: string;
let client: Client;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL(path, server.url), {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

function connect(bearer: string): Promise<Client> {
  const mcp = new Client({ name: "edge-rag-e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", server.url), { requestInit: { headers: { authorization: `Bearer ${bearer}` } } });
  return mcp.connect(transport).then(() => mcp);
}

function text(result: Awaited<ReturnType<Client["callTool"]>>): string {
  return (result.content as { type: string; text: string }[]).map((part) => part.text).join("\n");
}

const documents = [
  {
    id: "tides",
    title: "Tide tables",
    format: "markdown",
    source_url: "https://example.com/tides",
    metadata: { harbour: "north" },
    content:
      "# Tide tables\n\nHigh water at the north harbour comes forty minutes after high water at the river mouth. Moor the ferry on the long pontoon when the tide is below two metres.",
  },
  { id: "ferry", title: "Ferry timetable", content: "The first ferry leaves the north harbour at seven and the last returns at nine in the evening." },
  { id: "canteen", title: "Canteen", content: "The canteen serves soup at noon and closes at three on Sundays." },
];

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "edge-rag-mcp-"));
  server = await startLocalServer({
    root: join(import.meta.dirname, "..", ".."),
    port: 0,
    stateDir,
    cronIntervalSeconds: 0,
    vars: { API_KEY: key, LOG_LEVEL: "error", EMBEDDING_MODEL: "@local/feature-hashing-512", INGEST_RETRY_BASE_SECONDS: "0" },
  });
  expect((await api("POST", "/v1/documents/batch", { documents })).status).toBe(202);
  await vi.waitUntil(
    async () => {
      const listed = await api("GET", "/v1/documents");
      return listed.body.documents.length === documents.length && listed.body.documents.every((doc: { status: string }) => doc.status === "ready");
    },
    { timeout: 60_000, interval: 100 },
  );
  client = await connect(key);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await server?.dispose();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("MCP through the official SDK client", () => {
  it("initializes and lists the four tools", async () => {
    expect(client.getServerVersion()).toMatchObject({ name: "edge-rag" });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    expect(client.getInstructions()).toMatch(/\[1\]/);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["ask", "get_document", "list_documents", "search"]);
  });

  it("search finds the document and numbers its passages", async () => {
    const result = await client.callTool({ name: "search", arguments: { query: "When is high water at the north harbour?", top_k: 3 } });
    expect(result.isError).toBeFalsy();
    const { results } = result.structuredContent as { results: { document_id: string; text: string; source_url: string | null }[] };
    expect(results[0]).toMatchObject({ document_id: "tides", source_url: "https://example.com/tides" });
    expect(text(result)).toMatch(/^\[1\] Tide tables \(document_id: tides, url: https:\/\/example\.com\/tides, score: /m);
    expect(text(result)).toContain("High water at the north harbour comes forty minutes after");
  });

  it("search honours mode and filter", async () => {
    const result = await client.callTool({ name: "search", arguments: { query: "north harbour", mode: "keyword", filter: { document_id: { $ne: "tides" } } } });
    const ids = (result.structuredContent as { results: { document_id: string }[] }).results.map((hit) => hit.document_id);
    expect(ids).toEqual(["ferry"]);
  });

  it("ask answers with citations of the document, sources after the answer", async () => {
    const result = await client.callTool({ name: "ask", arguments: { question: "When does the first ferry leave the north harbour?" } });
    expect(result.isError).toBeFalsy();
    const answer = result.structuredContent as { answer: string; sources: { n: number; document_id: string }[] };
    const cited = [...answer.answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
    expect(cited.length).toBeGreaterThan(0);
    const ferry = answer.sources.find((source) => source.document_id === "ferry");
    expect(ferry, JSON.stringify(answer.sources)).toBeDefined();
    expect(cited).toContain(ferry!.n);
    expect(answer.answer).toMatch(/seven/);
    expect(text(result)).toContain(`[${ferry!.n}] Ferry timetable (document_id: ferry)`);
  });

  it("get_document returns the document's status, metadata and text", async () => {
    const result = await client.callTool({ name: "get_document", arguments: { id: "tides" } });
    expect(result.isError).toBeFalsy();
    const { document, chunks } = result.structuredContent as { document: Record<string, unknown>; chunks: { seq: number; text: string }[] };
    expect(document).toMatchObject({ id: "tides", title: "Tide tables", status: "ready", indexed_version: 1, metadata: { harbour: "north" }, source_url: "https://example.com/tides" });
    expect(chunks.map((chunk) => chunk.text).join(" ")).toContain("Moor the ferry on the long pontoon when the tide is below two metres.");
    expect(text(result)).toMatch(/^Document tides: Tide tables\nstatus: ready/);
  });

  it("get_document of an unknown id is a tool error the model can read", async () => {
    const result = await client.callTool({ name: "get_document", arguments: { id: "no-such-doc" } });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('NOT_FOUND: document "no-such-doc" does not exist');
  });

  it("list_documents pages through every document with the cursor", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const result = await client.callTool({ name: "list_documents", arguments: { limit: 2, ...(cursor ? { cursor } : {}) } });
      expect(result.isError).toBeFalsy();
      const page = result.structuredContent as { documents: { id: string; status: string }[]; next_cursor: string | null };
      expect(page.documents.length).toBeLessThanOrEqual(2);
      for (const doc of page.documents) expect(doc.status).toBe("ready");
      seen.push(...page.documents.map((doc) => doc.id));
      cursor = page.next_cursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 5);
    expect(pages).toBe(2);
    expect(seen).toEqual(["canteen", "ferry", "tides"]);
  });

  it("a key without the query scope is refused per tool; a wrong key cannot connect", async () => {
    const created = await api("POST", "/v1/keys", { scopes: ["ingest"] });
    expect(created.status).toBe(201);
    const ingestOnly = await connect(created.body.key);
    try {
      const refused = await ingestOnly.callTool({ name: "ask", arguments: { question: "When does the first ferry leave?" } });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/^FORBIDDEN: this key lacks the scope for the ask tool/);
      const listed = await ingestOnly.callTool({ name: "list_documents", arguments: {} });
      expect(listed.isError).toBeFalsy();
    } finally {
      await ingestOnly.close();
    }
    // The API's own 401 JSON, surfaced by the client with its status.
    await expect(connect("wrong-key")).rejects.toMatchObject({ code: 401, message: expect.stringContaining('"code":"UNAUTHORIZED"') });
  });
});
