/**
 * The floor under two of the speed benchmark's ratios: the same runtime
 * (Miniflare: workerd, D1, Queues, in this process's Miniflare) doing only
 * the steps that no implementation of this design can skip, with the
 * project's schema (migrations/, so the same FTS5 table and triggers).
 *
 * Ingestion floor — per POST of 100 documents (as the benchmark sends them):
 * one D1 statement storing them with their content (stored before queued),
 * one `sendBatch` of their ids; then the queue consumer (batches of up to
 * 100, as wrangler.toml's local settings): one statement marking its
 * documents processing and returning their content (the worker must read it
 * to embed it), and one `db.batch` inserting one chunk row per document
 * (the FTS5 trigger indexes it) and marking them ready. Nothing else: no
 * authentication, validation, hashing, parsing, chunking, embedding, vector
 * writes, version or race bookkeeping, logging. The speed corpus has one
 * chunk per document, so a document's content is its chunk's text.
 *
 * (One queue message per document, as the service sends: a design choice of
 * this service, kept so that the floor's batches are the service's.) A
 * small progress row, bumped in the consumer's batch, tells the benchmark
 * when all are ready without counting documents on every poll.
 *
 * Keyword floor — the keyword leg's SQL (the D1 store's, as the raw-FTS5
 * reference copies it) run by a worker as bare D1 calls, timed in the
 * worker like the service's `keyword_ms` (whole milliseconds).
 *
 * What the floor bounds: whatever the service does per document on top of
 * these steps, its ingestion rate here stays below the floor's; and a
 * keyword leg that runs this SQL through D1 takes at least the bare call.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_readConfig } from "wrangler";
import { applyMigrations } from "../../scripts/lib/local-server.js";
import { keywordSql, referenceTenant } from "./fts5-reference.js";

const script = `
const tenant = ${JSON.stringify(referenceTenant)};
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const body = await request.json();
    if (url.pathname === "/submit") {
      await env.DB.prepare(
        "INSERT INTO documents (tenant_id, id, title, format, content, content_hash, version, status) " +
        "SELECT ?1, value ->> '$.id', value ->> '$.title', 'text', value ->> '$.content', '', 1, 'queued' FROM json_each(?2)"
      ).bind(tenant, JSON.stringify(body.documents)).run();
      await env.QUEUE.sendBatch(body.documents.map((doc) => ({ body: doc.id })));
      return Response.json({ accepted: body.documents.length });
    }
    if (url.pathname === "/ready") {
      // One row, not a count over the documents: polling must not load the database it measures.
      const row = await env.DB.prepare("SELECT n FROM floor_progress WHERE id = 1").first();
      return Response.json({ ready: row.n });
    }
    if (url.pathname === "/keyword") {
      const started = Date.now();
      const { results } = await env.DB.prepare(body.sql).bind(...body.params).all();
      return Response.json({ ms: Date.now() - started, hits: results.length });
    }
    return new Response("not found", { status: 404 });
  },
  async queue(batch, env) {
    const ids = JSON.stringify(batch.messages.map((message) => message.body));
    const { results } = await env.DB.prepare(
      "UPDATE documents SET status = 'processing' WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2)) RETURNING id, title, content"
    ).bind(tenant, ids).all();
    const rows = JSON.stringify(results.map((doc) => ({ id: doc.id + "#0", document: doc.id, title: doc.title ?? "", text: doc.content })));
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO chunks (id, tenant_id, document_id, version, seq, title, heading, text, start_offset, end_offset, token_count) " +
        "SELECT value ->> '$.id', ?1, value ->> '$.document', 1, 0, value ->> '$.title', '', value ->> '$.text', 0, length(value ->> '$.text'), 0 FROM json_each(?2)"
      ).bind(tenant, rows),
      env.DB.prepare(
        "UPDATE documents SET status = 'ready', active_version = 1, chunk_count = 1 WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))"
      ).bind(tenant, ids),
      env.DB.prepare("UPDATE floor_progress SET n = n + ?1 WHERE id = 1").bind(results.length),
    ]);
    batch.ackAll();
  },
};`;

export interface FloorIngest {
  documents: number;
  seconds: number;
}

export class D1Floor {
  private constructor(
    private readonly miniflare: Miniflare,
    private readonly url: URL,
    private readonly dir: string,
  ) {}

  /** The floor's worker gets the service's compatibility date (from `wranglerConfig`), so both run with the same runtime behaviour. */
  static async start(migrationsDir: string, wranglerConfig: string): Promise<D1Floor> {
    const compatibilityDate = unstable_readConfig({ config: wranglerConfig }).compatibility_date;
    const dir = mkdtempSync(join(tmpdir(), "edge-rag-d1-floor-"));
    const miniflare = new Miniflare({
      modules: true,
      script,
      compatibilityDate,
      d1Databases: { DB: "d1-floor" },
      d1Persist: join(dir, "d1"),
      queueProducers: { QUEUE: { queueName: "floor" } },
      queueConsumers: { floor: { maxBatchSize: 100, maxBatchTimeout: 1 } },
    });
    try {
      await miniflare.ready;
      const db = await miniflare.getD1Database("DB");
      await applyMigrations(db, migrationsDir);
      await db.exec("CREATE TABLE floor_progress (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO floor_progress (id, n) VALUES (1, 0);");
      return new D1Floor(miniflare, await miniflare.ready, dir);
    } catch (error) {
      await miniflare.dispose();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Ingests `documents` (one chunk each) the way the benchmark ingests into the service: POSTs of `batchSize`, then waits until all are ready. */
  async ingest(documents: readonly { id: string; title?: string; content: string }[], batchSize = 100): Promise<FloorIngest> {
    const before = await this.ready();
    const started = performance.now();
    for (let start = 0; start < documents.length; start += batchSize) {
      const slice = documents.slice(start, start + batchSize).map((doc) => ({ id: doc.id, title: doc.title ?? null, content: doc.content }));
      await this.post("/submit", { documents: slice });
    }
    while ((await this.ready()) < before + documents.length) await new Promise((resolve) => setTimeout(resolve, 20));
    return { documents: documents.length, seconds: (performance.now() - started) / 1000 };
  }

  /**
   * The keyword leg's SQL as bare D1 calls from the worker, as the store
   * runs it (again without the candidate LIMIT when that left fewer than
   * `limit` rows): the calls' time in the worker (whole ms) and the rows.
   */
  async keyword(match: string, options: { weights: { title: number; heading: number; text: number }; candidates: number; limit: number }): Promise<{ ms: number; hits: number }> {
    const { weights, candidates, limit } = options;
    const first = await this.post<{ ms: number; hits: number }>("/keyword", { sql: keywordSql(true), params: [weights.title, weights.heading, weights.text, match, candidates, referenceTenant, limit] });
    if (first.hits >= limit) return first;
    const again = await this.post<{ ms: number; hits: number }>("/keyword", { sql: keywordSql(false), params: [weights.title, weights.heading, weights.text, match, referenceTenant, limit] });
    return { ms: first.ms + again.ms, hits: again.hits };
  }

  async close(): Promise<void> {
    await this.miniflare.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ready(): Promise<number> {
    return (await this.post<{ ready: number }>("/ready", {})).ready;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.url), { method: "POST", body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`the D1 floor worker answered ${response.status} to ${path}: ${(await response.text()).slice(0, 300)}`);
    return (await response.json()) as T;
  }
}
