import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/worker.js";
import { describe, expect, it } from "vitest";
import { api } from "../../test/helpers.js";
import { createKey, createTenant } from "../../test/security/tenant-fixtures.js";

describe("POST /v1/sources", () => {
  it("stores the source, starts a sync and shows it (202)", async () => {
    const response = await api("POST", "/v1/sources", { type: "website", url: "https://Docs.Example.invalid/start#top", exclude: ["/blog/**"], max_pages: 20, schedule: "6h" });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    expect(response.body).toMatchObject({
      id: expect.stringMatching(/^src_[0-9a-f]{16}$/),
      type: "website",
      url: "https://docs.example.invalid/start",
      exclude: ["/blog/**"],
      max_pages: 20,
      max_depth: 2,
      schedule: "6h",
      status: "discovering",
      discovered: 0,
    });
    const lastSync = Date.parse(response.body.last_sync_at);
    expect(Date.parse(response.body.next_sync_at) - lastSync).toBe(6 * 3_600_000);
    const row = await env.DB.prepare("SELECT tenant_id, syncs FROM sources WHERE id = ?").bind(response.body.id).first();
    expect(row).toEqual({ tenant_id: "default", syncs: 1 });
  });

  it.each([
    ["http://127.0.0.1/", /loopback/],
    ["http://2130706433/", /loopback/],
    ["http://[::ffff:10.0.0.1]/", /private/],
    ["http://localhost:8787/", /port|localhost/],
    ["https://user:pw@example.com/", /credentials/],
    ["file:///etc/passwd", /scheme/],
    ["http://metadata.google.internal/computeMetadata/v1/", /internal/],
  ])("refuses %s with 400 URL_NOT_ALLOWED", async (url, reason) => {
    const response = await api("POST", "/v1/sources", { type: "website", url });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("URL_NOT_ALLOWED");
    expect(response.body.error.message).toMatch(reason);
  });

  it("checks the sitemap URL too", async () => {
    const response = await api("POST", "/v1/sources", { type: "website", url: "https://example.invalid/", sitemap: "http://10.0.0.5/sitemap.xml" });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: "URL_NOT_ALLOWED", message: expect.stringContaining("sitemap") });
  });

  it.each([
    [{ type: "website" }, "url"],
    [{ type: "rss", url: "https://example.invalid/" }, "type"],
    [{ type: "website", url: "https://example.invalid/", max_pages: 0 }, "max_pages"],
    [{ type: "website", url: "https://example.invalid/", schedule: "monthly" }, "schedule"],
    [{ type: "website", url: "https://example.invalid/", schedule: "900h" }, "schedule"],
    [{ type: "website", url: "https://example.invalid/", include: ["docs"] }, "include"],
    [{ type: "website", url: "https://example.invalid/", maxPages: 3 }, "maxPages"],
  ])("validates %j (400)", async (body, field) => {
    const response = await api("POST", "/v1/sources", body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(response.body.error)).toContain(field);
  });

  it("caps max_pages at SOURCES_MAX_PAGES (1000 by default)", async () => {
    const response = await api("POST", "/v1/sources", { type: "website", url: "https://example.invalid/", max_pages: 1001 });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/SOURCES_MAX_PAGES/);
  });

  it("needs the ingest or admin scope, and keeps tenants apart", async () => {
    const tenant = await createTenant("Sources");
    const query = await createKey(tenant, ["query"]);
    const ingest = await createKey(tenant, ["ingest"]);
    const denied = await api("POST", "/v1/sources", { type: "website", url: "https://example.invalid/" }, { headers: { authorization: `Bearer ${query.key}` } });
    expect(denied.status).toBe(403);
    const own = await api("POST", "/v1/sources", { type: "website", url: "https://own.example.invalid/" }, { headers: { authorization: `Bearer ${ingest.key}` } });
    expect(own.status).toBe(202);
    const listed = await api("GET", "/v1/sources", undefined, { headers: { authorization: `Bearer ${ingest.key}` } });
    expect(listed.body.sources.map((source: { url: string }) => source.url)).toEqual(["https://own.example.invalid/"]);
    // The operator's default tenant does not see it.
    expect((await api("GET", `/v1/sources/${own.body.id}`)).status).toBe(404);
  });
});

describe("GET/DELETE /v1/sources/:id", () => {
  it("404 for unknown or malformed ids", async () => {
    expect((await api("GET", "/v1/sources/src_0000000000000000")).status).toBe(404);
    expect((await api("GET", "/v1/sources/nope")).status).toBe(404);
    expect((await api("DELETE", "/v1/sources/src_0000000000000000")).status).toBe(404);
    expect((await api("POST", "/v1/sources/src_0000000000000000/sync")).status).toBe(404);
  });

  it("deletes the source with its pages", async () => {
    const created = await api("POST", "/v1/sources", { type: "website", url: "https://gone.example.invalid/" });
    const deleted = await api("DELETE", `/v1/sources/${created.body.id}`);
    expect(deleted).toMatchObject({ status: 200, body: { id: created.body.id, status: "deleted", documents: 0 } });
    expect((await api("GET", `/v1/sources/${created.body.id}`)).status).toBe(404);
  });
});

describe("scheduled re-syncs (the worker's cron handler)", () => {
  it("starts the syncs that are due, moves their next sync on, and leaves the others", async () => {
    const insert = (id: string, nextSync: string | null) =>
      env.DB.prepare(
        `INSERT INTO sources (tenant_id, id, type, url, max_pages, max_depth, schedule, state, created_at, next_sync_at)
         VALUES ('default', ?1, 'website', 'https://docs.example.invalid/', 10, 1, 'daily', 'active', '2026-01-01T00:00:00.000Z', ?2)`,
      ).bind(id, nextSync);
    await env.DB.batch([insert("src_0000000000000d01", "2026-01-02T00:00:00.000Z"), insert("src_0000000000000d02", "2999-01-01T00:00:00.000Z")]);
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const rows = await env.DB.prepare("SELECT id, syncs, last_sync_at, next_sync_at FROM sources WHERE id IN ('src_0000000000000d01', 'src_0000000000000d02') ORDER BY id").all<{
      id: string;
      syncs: number;
      last_sync_at: string | null;
      next_sync_at: string;
    }>();
    const [due, later] = rows.results;
    expect(due).toMatchObject({ syncs: 1, last_sync_at: expect.any(String) });
    // Daily: the next sync is about a day after this one.
    const gap = Date.parse(due!.next_sync_at) - Date.parse(due!.last_sync_at!);
    expect(gap).toBeGreaterThan(23 * 3600_000);
    expect(gap).toBeLessThanOrEqual(24 * 3600_000 + 60_000);
    expect(later).toMatchObject({ syncs: 0, last_sync_at: null, next_sync_at: "2999-01-01T00:00:00.000Z" });
  });
});
