/**
 * `npm run check:consistency` end to end: a real local server, two indexed
 * documents, then damage done behind the service's back (a chunk row, a
 * vector, an orphan row, a stray vector); the check must report each, and
 * `--repair` must leave a clean index.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { countFindings, formatReport, runCheck } from "./consistency-client.js";
import { startLocalServer, type LocalServer } from "./local-server.js";

const key = "consistency-test-key";
let server: LocalServer;
let stateDir: string;

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(new URL(path, server.url), {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

async function vectorService(operation: string, body: unknown): Promise<any> {
  const db = await server.miniflare.getD1Database("DB");
  const row = await db.prepare("SELECT value FROM index_settings WHERE key = 'instance_id'").first<{ value: string }>();
  const response = await server.services.fetch(
    new Request(`http://local/vectorize/${encodeURIComponent(`local-${row!.value}`)}/${operation}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  return response.json();
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "edge-rag-consistency-"));
  server = await startLocalServer({
    root: join(import.meta.dirname, "..", ".."),
    port: 0,
    stateDir,
    vars: { API_KEY: key, LOG_LEVEL: "error", EMBEDDING_MODEL: "@local/feature-hashing-512", INGEST_RETRY_BASE_SECONDS: "0", CHUNK_MAX_TOKENS: "32" },
  });
  await api("POST", "/v1/documents/batch", {
    documents: [
      { id: "alpha", content: `# Alpha\n\n${"Alpacas graze on the high plains of the Andes. ".repeat(6)}\n\n## More\n\n${"Llamas carry loads across mountain passes. ".repeat(6)}` },
      { id: "beta", content: "Beta is about bison." },
    ],
  });
  await vi.waitUntil(
    async () => {
      const docs = await api("GET", "/v1/documents");
      return docs.documents.length === 2 && docs.documents.every((doc: { status: string }) => doc.status === "ready");
    },
    { timeout: 60_000, interval: 100 },
  );
}, 120_000);

afterAll(async () => {
  await server?.dispose();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("check:consistency", () => {
  it("finds nothing on a healthy index", async () => {
    const db = await server.miniflare.getD1Database("DB");
    const rows = (await db.prepare("SELECT COUNT(*) AS n FROM chunks").first<{ n: number }>())!.n;
    expect(rows).toBeGreaterThan(2);
    const result = await runCheck({ url: server.url, key });
    expect(result.tenants.map((tenant) => tenant.findings)).toEqual([[]]);
    expect(result.index).toMatchObject({ unaccounted_vectors: 0, index_vectors: rows, live_vectors: rows });
    expect(countFindings(result)).toBe(0);
  });

  it("reports damage of every kind, and --repair fixes what can be fixed", async () => {
    const db = await server.miniflare.getD1Database("DB");
    const alpha = await db.prepare("SELECT id FROM chunks WHERE document_id = 'alpha' ORDER BY seq LIMIT 1").first<{ id: string }>();
    await db.prepare("DELETE FROM chunks WHERE id = ?").bind(alpha!.id).run(); // a lost row
    const beta = await db.prepare("SELECT id FROM chunks WHERE document_id = 'beta'").first<{ id: string }>();
    await vectorService("deleteByIds", { ids: [beta!.id] }); // a lost vector
    await db
      .prepare("INSERT INTO chunks (id, tenant_id, document_id, version, seq, text, start_offset, end_offset, token_count) VALUES ('stray:1:0', 'default', 'ghost', 1, 0, 'ghost text', 0, 10, 2)")
      .run(); // a row of no document

    const found = await runCheck({ url: server.url, key });
    const kinds = found.tenants[0]!.findings.map((finding) => finding.kind).sort();
    expect(kinds).toEqual(["missing_vectors", "orphan_rows", "status_mismatch"]);
    expect(formatReport(found)).toMatch(/tenant default: orphan_rows: 1, status_mismatch: 1, missing_vectors: 1/);

    const repaired = await runCheck({ url: server.url, key, repair: true, settleTimeoutMs: 60_000 });
    expect(repaired.tenants[0]!.findings.every((finding) => finding.repaired)).toBe(true);
    expect(repaired.afterRepair && countFindings(repaired.afterRepair)).toBe(0);
    const alphaDoc = await api("GET", "/v1/documents/alpha");
    expect(alphaDoc.status).toBe("ready");
    expect(alphaDoc.chunks).toBe((await db.prepare("SELECT COUNT(*) AS n FROM chunks WHERE document_id = 'alpha'").first<{ n: number }>())!.n);
  }, 120_000);

  it("reports vectors no document accounts for (the index-wide comparison)", async () => {
    const [probe] = (await vectorService("getByIds", { ids: [(await (await server.miniflare.getD1Database("DB")).prepare("SELECT id FROM chunks LIMIT 1").first<{ id: string }>())!.id] })).vectors;
    await vectorService("upsert", { vectors: [{ id: "stray-vector", values: probe.values, namespace: "default" }] });
    const result = await runCheck({ url: server.url, key });
    expect(result.index?.unaccounted_vectors).toBe(1);
    expect(countFindings(result)).toBe(1);
    await vectorService("deleteByIds", { ids: ["stray-vector"] });
  });
});
