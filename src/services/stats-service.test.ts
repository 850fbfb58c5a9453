/**
 * The stats service as production runs it — no in-memory metrics, so recent
 * activity comes from D1 (`source: "d1"`) — over rows written straight into
 * the real D1: live vectors count the active version's set of each live
 * document only, recent outcomes count documents by their latest change
 * within the window, and the index's own size is the operator's only.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { D1DocumentStore } from "../adapters/cloudflare/d1-document-store.js";
import { D1StatsStore } from "../adapters/cloudflare/d1-stats-store.js";
import { InMemoryMetrics } from "../adapters/local/in-memory-metrics.js";
import { StatsService, type StatsServiceDeps } from "./stats-service.js";

const tenant = `t_stats${crypto.randomUUID().replaceAll("-", "").slice(0, 9)}`;
const otherTenant = `t_other${crypto.randomUUID().replaceAll("-", "").slice(0, 9)}`;

/** A document row; `updatedAgo` in seconds before now. */
async function insertDocument(tenantId: string, id: string, fields: { status: string; version?: number; active?: number | null; chunks?: number; incarnation?: string; updatedAgo?: number }) {
  const version = fields.version ?? 1;
  await env.DB.prepare(
    `INSERT INTO documents (tenant_id, id, format, content, content_hash, version, active_version, chunk_count, status, incarnation, updated_at)
     VALUES (?, ?, 'text', 'x', 'hash', ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?))`,
  )
    .bind(tenantId, id, version, fields.active === undefined ? version : fields.active, fields.chunks ?? 0, fields.status, fields.incarnation ?? "inc-1", `-${fields.updatedAgo ?? 0} seconds`)
    .run();
}

async function insertVectorSet(tenantId: string, documentId: string, version: number, count: number, incarnation = "inc-1") {
  await env.DB.prepare("INSERT INTO vector_sets (tenant_id, document_id, incarnation, version, count) VALUES (?, ?, ?, ?, ?)")
    .bind(tenantId, documentId, incarnation, version, count)
    .run();
}

function service(overrides: Partial<StatsServiceDeps> = {}): StatsService {
  return new StatsService({
    store: new D1DocumentStore(env.DB),
    stats: new D1StatsStore(env.DB),
    vectors: { describe: async () => ({ vectorCount: 42, dimensions: 8, processedUpToDatetime: 0, processedUpToMutation: 0 }) },
    breakers: () => [{ name: "workers-ai:@cf/baai/bge-base-en-v1.5", state: "open", retryAfterMs: 1500 }],
    ...overrides,
  });
}

beforeAll(async () => {
  for (const id of [tenant, otherTenant]) await env.DB.prepare("INSERT INTO tenants (id, name) VALUES (?, ?)").bind(id, id).run();
  // Ready now, version 2 active: its set of v2 counts, the stale v1 set does not.
  await insertDocument(tenant, "current", { status: "ready", version: 2, chunks: 5 });
  await insertVectorSet(tenant, "current", 2, 5);
  await insertVectorSet(tenant, "current", 1, 3);
  // Ready half an hour ago; a set of an earlier incarnation (deleted and re-posted) does not count.
  await insertDocument(tenant, "older", { status: "ready", chunks: 4, updatedAgo: 1800, incarnation: "inc-2" });
  await insertVectorSet(tenant, "older", 1, 4, "inc-2");
  await insertVectorSet(tenant, "older", 1, 7, "inc-1");
  // Failed ten minutes ago, failed two hours ago (outside the window), still queued, processing.
  await insertDocument(tenant, "broken", { status: "failed", active: null, updatedAgo: 600 });
  await insertDocument(tenant, "long-broken", { status: "failed", active: null, updatedAgo: 7200 });
  await insertDocument(tenant, "waiting", { status: "queued", version: 1, active: null });
  await insertDocument(tenant, "working", { status: "processing", version: 1, active: null });
  await insertVectorSet(tenant, "working", 1, 6);
  // Another tenant's rows never count.
  await insertDocument(otherTenant, "current", { status: "failed", active: null });
  await insertDocument(otherTenant, "elsewhere", { status: "ready", chunks: 9 });
  await insertVectorSet(otherTenant, "elsewhere", 1, 9);
});

describe("StatsService without in-memory metrics (production)", () => {
  it("counts documents, backlog, chunks and the live vectors of the tenant", async () => {
    const stats = await service().stats(tenant, { operator: false });
    expect(stats).toMatchObject({
      tenant_id: tenant,
      documents: { queued: 1, processing: 1, ready: 2, failed: 2, total: 6 },
      backlog: 2,
      chunks: 9,
      vectors: 9,
      metrics: null,
      breakers: [{ provider: "workers-ai:@cf/baai/bge-base-en-v1.5", state: "open", retry_after_ms: 1500 }],
    });
    expect(stats).not.toHaveProperty("index");
  });

  it("says recent activity comes from D1: failures among documents finished within the window", async () => {
    const { recent } = await service().stats(tenant, { operator: false });
    expect(recent).toEqual({
      source: "d1",
      window_seconds: 3600,
      requests: null,
      errors_5xx: null,
      error_rate: null,
      ingest_failures: 1,
      ingest_failure_rate: 1 / 3,
    });
    // A window of 15 minutes holds the recent failure and the current document only.
    const narrow = await service({ windowSeconds: 900 }).stats(tenant, { operator: false });
    expect(narrow.recent).toMatchObject({ window_seconds: 900, ingest_failures: 1, ingest_failure_rate: 1 / 2 });
  });

  it("gives the operator the index's own size, null when it cannot be read", async () => {
    expect((await service().stats(tenant, { operator: true })).index).toEqual({ vectors: 42 });
    const failing = service({
      vectors: {
        describe: async () => {
          throw new Error("index unavailable");
        },
      },
    });
    expect((await failing.stats(tenant, { operator: true })).index).toEqual({ vectors: null });
  });

  it("keeps tenants apart", async () => {
    const other = await service().stats(otherTenant, { operator: false });
    expect(other).toMatchObject({ documents: { ready: 1, failed: 1, total: 2 }, chunks: 9, vectors: 9, recent: { ingest_failures: 1, ingest_failure_rate: 1 / 2 } });
  });
});

describe("StatsService with in-memory metrics (local mode)", () => {
  it("reads recent activity and counters of the tenant from the metrics", async () => {
    let now = 1_000_000;
    const metrics = new InMemoryMetrics({ now: () => now });
    metrics.record({ kind: "http_request", route: "/v1/search", status: 200, tenant });
    metrics.record({ kind: "http_request", route: "/v1/search", status: 503, tenant });
    metrics.record({ kind: "http_request", route: "/v1/search", status: 500, tenant: otherTenant });
    metrics.record({ kind: "document_indexed", tenant, chunks: 3 });
    metrics.record({ kind: "document_failed", tenant, code: "PermanentError" });
    metrics.record({ kind: "query", tenant, mode: "keyword" });
    now += 1000;
    const stats = await service({ reader: metrics }).stats(tenant, { operator: false });
    expect(stats.recent).toEqual({
      source: "in-memory",
      window_seconds: 3600,
      requests: 2,
      errors_5xx: 1,
      error_rate: 0.5,
      ingest_failures: 1,
      ingest_failure_rate: 0.5,
    });
    expect(stats.metrics).toMatchObject({ documents_indexed: 1, chunks_indexed: 3, documents_failed: 1, queries: { keyword: 1, vector: 0, hybrid: 0 } });
  });
});
