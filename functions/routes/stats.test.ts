/**
 * GET /v1/stats through the worker: admin only, the caller's tenant only
 * (the operator picks one with X-Tenant-Id and also sees the index's size),
 * figures that match the documents ingested.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { call, createKey, createTenant, ingestAs, raiseLimits, waitForDocumentAs, type RawResponse } from "../../test/security/tenant-fixtures.js";


const longText = Array.from({ length: 40 }, (_, i) => `Section ${i}: lighthouses guide ships past reefs with beams of light and foghorns.`).join("\n\n");

let tenantA: string;
let tenantB: string;
let adminA: string;
let adminB: string;
let chunksA: number;

beforeAll(async () => {
  tenantA = await createTenant("Stats A");
  tenantB = await createTenant("Stats B");
  await raiseLimits(tenantA);
  await raiseLimits(tenantB);
  adminA = (await createKey(tenantA, ["admin"])).key;
  adminB = (await createKey(tenantB, ["admin"])).key;
  await ingestAs(adminA, [
    { id: "lighthouses", title: "Lighthouses", content: longText },
    { id: "buoys", title: "Buoys", content: "Buoys mark channels: red to starboard when returning from sea." },
  ]);
  expect((await call("POST", "/v1/documents", { key: adminA, body: { id: "empty", format: "html", content: "<html><script>x()</script></html>" } })).status).toBe(202);
  expect((await waitForDocumentAs(adminA, "empty")).status).toBe("failed");
  await ingestAs(adminB, [{ id: "anchors", content: "Anchors hold a ship in place with their flukes dug into the seabed." }]);
  chunksA = (await waitForDocumentAs(adminA, "lighthouses")).chunks + (await waitForDocumentAs(adminA, "buoys")).chunks;
  expect(chunksA).toBeGreaterThan(2);
});

describe("GET /v1/stats", () => {
  it("reports the tenant's documents, backlog, chunks and vectors", async () => {
    const response = await call("GET", "/v1/stats", { key: adminA });
    expect(response.status, response.text).toBe(200);
    const stats = response.body;
    expect(stats.tenant_id).toBe(tenantA);
    expect(stats.documents).toEqual({ queued: 0, processing: 0, ready: 2, failed: 1, total: 3 });
    expect(stats.backlog).toBe(0);
    expect(stats.chunks).toBe(chunksA);
    expect(stats.vectors).toBe(chunksA);
    // Only the operator sees the index as a whole.
    expect(stats).not.toHaveProperty("index");
    expect(Array.isArray(stats.breakers)).toBe(true);
  });

  it("reports recent activity from the in-memory metrics in local mode", async () => {
    const stats = (await call("GET", "/v1/stats", { key: adminA })).body;
    expect(stats.recent).toMatchObject({ source: "in-memory", window_seconds: 3600, errors_5xx: 0, error_rate: 0, ingest_failures: 1 });
    expect(stats.recent.requests).toBeGreaterThan(0);
    expect(stats.recent.ingest_failure_rate).toBeCloseTo(1 / 3);
    expect(stats.metrics).toMatchObject({ documents_indexed: 2, documents_failed: 1, chunks_indexed: chunksA });
  });

  it("never counts another tenant's documents", async () => {
    const b = (await call("GET", "/v1/stats", { key: adminB })).body;
    expect(b.tenant_id).toBe(tenantB);
    expect(b.documents).toEqual({ queued: 0, processing: 0, ready: 1, failed: 0, total: 1 });
    expect(b.recent.ingest_failures).toBe(0);
    expect(b.metrics.documents_indexed).toBe(1);
    const a = (await call("GET", "/v1/stats", { key: adminA })).body;
    expect(a.documents.total).toBe(3);
    expect(a.chunks).toBe(chunksA);
    expect(b.vectors).toBe(b.chunks);
    // A tenant's admin key cannot pick another tenant.
    expect((await call("GET", "/v1/stats", { key: adminA, headers: { "x-tenant-id": tenantB } })).status).toBe(403);
  });

  it("lets the operator pick a tenant, and shows it the vector index's size", async () => {
    const response = await call("GET", "/v1/stats", { headers: { "x-tenant-id": tenantA } });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ tenant_id: tenantA, documents: { total: 3 }, vectors: chunksA });
    const b = (await call("GET", "/v1/stats", { key: adminB })).body;
    expect(response.body.index.vectors).toBeGreaterThanOrEqual(chunksA + b.vectors);
  });

  it("refuses keys without the admin scope", async () => {
    for (const scopes of [["query"], ["ingest"], ["ingest", "query"]]) {
      const { key } = await createKey(tenantA, scopes);
      const response = await call("GET", "/v1/stats", { key });
      expect(response.status, scopes.join(",")).toBe(403);
      expect(response.body.error.code).toBe("FORBIDDEN");
    }
    expect((await call("GET", "/v1/stats", { key: null })).status).toBe(401);
  });
});
