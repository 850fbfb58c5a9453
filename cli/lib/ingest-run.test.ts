/**
 * The ingest run against an in-memory stand-in of the documents API (the
 * real server is exercised in cli/edge-rag.test.ts): how it reacts to a
 * batch refused for one document, to a refused key, to interruption and to
 * documents that never finish.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ApiClient } from "./api-client.js";
import { discoverFiles, type DiscoveredFile } from "./file-discovery.js";
import { IngestState } from "./ingest-state.js";
import { runIngest, type IngestRunOptions } from "./ingest-run.js";
import type { ProgressReporter } from "./progress-reporter.js";

const root = mkdtempSync(join(tmpdir(), "edge-rag-ingest-run-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface FakeApi {
  batches: string[][];
  /** Answers GET /v1/documents/:id with this status (and an error) instead. */
  getStatus?: number;
  /** Held before answering the second batch. */
  holdSecondBatch?: Promise<void>;
  /** Content that makes the server refuse a batch holding it (as a validation failure would). */
  refuse: string;
  /** Ids never reported ready. */
  stuck: Set<string>;
  status: number;
  onBatch?: () => void;
  onGetFailure?: () => void;
}

function fakeServer(api: FakeApi): typeof fetch {
  const versions = new Map<string, number>();
  return (async (input: string | URL | Request, init?: RequestInit) => {
    if (init?.signal?.aborted) throw init.signal.reason;
    const url = new URL(String(input));
    const reply = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    if (api.status !== 200) return reply({ error: { code: "UNAUTHORIZED", message: "invalid or revoked API key" } }, api.status);
    if (init?.method === "POST" && url.pathname === "/v1/documents/batch") {
      const { documents } = JSON.parse(String(init.body)) as { documents: { id: string; content: string }[] };
      api.batches.push(documents.map((doc) => doc.id));
      api.onBatch?.();
      if (api.batches.length === 2) await api.holdSecondBatch;
      const bad = documents.findIndex((doc) => doc.content.includes(api.refuse));
      if (bad >= 0) return reply({ error: { code: "VALIDATION_FAILED", message: `documents.${bad}.content: refused` } }, 400);
      return reply(
        {
          results: documents.map((doc) => {
            const version = (versions.get(doc.id) ?? 0) + 1;
            versions.set(doc.id, version);
            return { id: doc.id, status: "queued", version };
          }),
        },
        202,
      );
    }
    const match = /^\/v1\/documents\/(.+)$/.exec(url.pathname);
    if (init?.method === "GET" && match) {
      if (api.getStatus) {
        api.onGetFailure?.();
        return reply({ error: { code: "INTERNAL", message: "internal error" } }, api.getStatus);
      }
      const id = decodeURIComponent(match[1]!);
      const version = versions.get(id);
      if (version === undefined) return reply({ error: { code: "NOT_FOUND", message: "no" } }, 404);
      const ready = !api.stuck.has(id);
      return reply({ id, status: ready ? "ready" : "queued", version, indexed_version: ready ? version : null, chunks: ready ? 2 : 0 });
    }
    return reply({ error: { code: "NOT_FOUND", message: `no route for ${init?.method} ${url.pathname}` } }, 404);
  }) as typeof fetch;
}

const silent: ProgressReporter = { update() {}, log() {}, finish() {} };
let folder: string;
let files: DiscoveredFile[];
let api: FakeApi;

beforeEach(async () => {
  folder = mkdtempSync(join(root, "docs-"));
  mkdirSync(join(folder, "sub"));
  for (const name of ["a.md", "b.md", "c.md", "d.md", "sub/e.md"]) writeFileSync(join(folder, name), `# ${name}\n\nText of ${name}.\n`);
  files = (await discoverFiles([folder], { cwd: root })).files;
  api = { batches: [], refuse: "\u0000never", stuck: new Set(), status: 200 };
});

async function run(options: Partial<IngestRunOptions> = {}) {
  const state = await IngestState.open(join(folder, ".edge-rag-state.json"), "test");
  const client = new ApiClient({ api: new URL("http://api.test"), key: "k" }, { fetch: fakeServer(api), maxRetryWaitSeconds: 0 });
  const summary = await runIngest({
    client,
    files,
    base: folder,
    state,
    progress: silent,
    limits: { maxDocuments: 2, maxContentBytes: 1 << 20, maxBodyBytes: 1 << 20 },
    concurrency: 1,
    pollIntervalMs: { min: 1, max: 1 },
    ...options,
  });
  return { summary, state };
}

describe("runIngest", () => {
  it("sends in batches, waits, records chunks, and sends nothing the second time", async () => {
    const { summary, state } = await run({ wait: true });
    expect(api.batches).toEqual([["a.md", "b.md"], ["c.md", "d.md"], ["sub:e.md"]]);
    expect(summary).toMatchObject({ files: 5, sent: 5, ready: 5, chunks: 10, skipped: 0, failed: [], pending: [] });
    expect(state.get("sub:e.md")).toMatchObject({ path: "sub/e.md", status: "ready", chunks: 2, version: 1 });

    api.batches = [];
    const again = await run({ wait: true });
    expect(api.batches).toEqual([]);
    expect(again.summary).toMatchObject({ sent: 0, skipped: 5, ready: 0 });
  });

  it("re-sends a refused batch one document at a time, so only the bad one fails", async () => {
    writeFileSync(join(folder, "c.md"), "# c\n\nREFUSE ME\n");
    api.refuse = "REFUSE ME";
    const { summary, state } = await run({ wait: true });
    expect(api.batches).toEqual([["a.md", "b.md"], ["c.md", "d.md"], ["c.md"], ["d.md"], ["sub:e.md"]]);
    expect(summary.failed).toEqual([{ path: "c.md", id: "c.md", outcome: "failed", error: "VALIDATION_FAILED (400): documents.0.content: refused" }]);
    expect(summary.ready).toBe(4);
    expect(state.get("c.md")).toBeUndefined(); // never accepted: the next run sends it again
  });

  it("stops on a refused key, keeping what was accepted before", async () => {
    // The key is revoked while the second batch is being stored: the third is refused.
    api.onBatch = () => {
      if (api.batches.length === 2) api.status = 401;
    };
    await expect(run()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(api.batches).toHaveLength(2);
    const state = await IngestState.open(join(folder, ".edge-rag-state.json"), "test");
    expect(state.entries().map(([id]) => id).sort()).toEqual(["a.md", "b.md", "c.md", "d.md"]);
  });

  it("stops when interrupted, after recording the batch in flight", async () => {
    const interrupt = new AbortController();
    api.onBatch = () => interrupt.abort(new Error("interrupted"));
    const { summary, state } = await run({ signal: interrupt.signal });
    expect(summary.interrupted).toBe(true);
    expect(api.batches).toEqual([["a.md", "b.md"]]);
    expect(state.entries().map(([id, entry]) => [id, entry.status])).toEqual([
      ["a.md", "queued"],
      ["b.md", "queued"],
    ]);
  });

  it("stops when interrupted while it is also waiting, reporting what is still indexing", async () => {
    const interrupt = new AbortController();
    api.onBatch = () => {
      if (api.batches.length === 2) interrupt.abort(new Error("interrupted"));
    };
    api.stuck.add("c.md");
    const { summary, state } = await run({ wait: true, signal: interrupt.signal });
    expect(summary.interrupted).toBe(true);
    expect(api.batches).toHaveLength(2);
    expect(summary.pending.map((entry) => entry.id)).toContain("c.md");
    expect(state.get("c.md")).toMatchObject({ status: "queued" });
  });

  it("reports a polling failure that happens while batches are still being sent (not an unhandled rejection)", async () => {
    // The second batch is answered only after the poller has failed, one macrotask later:
    // the failure must already be handled by then.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    api.holdSecondBatch = released.then(() => new Promise((resolve) => setTimeout(resolve, 0)));
    api.getStatus = 500;
    api.onGetFailure = () => release();
    await expect(run({ wait: true })).rejects.toMatchObject({ code: "INTERNAL", status: 500 });
    // Sending stopped: the last batch was never sent, and what was accepted is recorded.
    expect(api.batches.flat()).not.toContain("sub:e.md");
    const state = await IngestState.open(join(folder, ".edge-rag-state.json"), "test");
    expect(state.entries().map(([id]) => id)).toEqual(expect.arrayContaining(["a.md", "b.md"]));
  });

  it("reports documents still indexing when the wait times out", async () => {
    api.stuck.add("b.md");
    const { summary } = await run({ wait: true, waitTimeoutMs: 1 });
    expect(summary.timedOut).toBe(true);
    expect(summary.pending.map((entry) => entry.id)).toEqual(["b.md"]);
    expect(summary.ready).toBe(4);
  });

  it("skips blank files and counts files that are gone, deleting their documents with prune", async () => {
    writeFileSync(join(folder, "d.md"), "  \n\n");
    await run({ wait: true });
    rmSync(join(folder, "a.md"));
    files = files.filter((file) => file.relativePath !== "a.md");
    const counted = await run();
    expect(counted.summary).toMatchObject({ empty: 1, gone: 1, pruned: 0 });
    const pruned = await run({ prune: true });
    expect(pruned.summary).toMatchObject({ gone: 1, pruned: 1 });
    expect(pruned.state.get("a.md")).toBeUndefined();
  });
});
