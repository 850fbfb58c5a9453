/**
 * The local launcher end to end (real workerd, real TCP connections):
 * - no request is served before the database is migrated;
 * - `runScheduled()` runs the worker's scheduled handler (the sweep of
 *   stalled documents), and runs never overlap;
 * - a rejected oversized body is answered 413 (not a connection reset), on a
 *   connection that serves the next request.
 */
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { serialRunner, startLocalServer, type LocalServer } from "./local-server.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const apiKey = "local-server-test-key";
/** Over POST /v1/documents' 8 MiB body limit, under the 32 MiB the server reads to the end. */
const oversized = JSON.stringify({ id: "too-big", content: "x".repeat(9 * 1024 * 1024) });

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * A free port below Linux's ephemeral range (32768+), so the runtime's own
 * private port (picked by the system) cannot land on it.
 */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port found");
}

describe("startup", () => {
  it("accepts no request before the database is migrated", async () => {
    const port = await freePort();
    const stateDir = mkdtempSync(join(tmpdir(), "edge-rag-startup-"));
    // A client polls /health from before the start until it gets an answer.
    const statuses: number[] = [];
    let polling = true;
    let attemptsWaiters: { after: number; done: () => void }[] = [];
    let attempts = 0;
    const poller = (async () => {
      while (polling) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/health`);
          await response.arrayBuffer();
          statuses.push(response.status);
        } catch {
          // Connection refused: nothing listens yet, which is fine.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        attempts += 1;
        for (const waiter of attemptsWaiters.filter((waiting) => attempts >= waiting.after)) waiter.done();
        attemptsWaiters = attemptsWaiters.filter((waiting) => attempts < waiting.after);
      }
    })();
    const attemptsFromNow = (count: number) => {
      const reached = deferred();
      attemptsWaiters.push({ after: attempts + count, done: reached.resolve });
      return reached.promise;
    };

    let server: LocalServer | undefined;
    try {
      server = await startLocalServer({
        root,
        port,
        stateDir,
        cronIntervalSeconds: 0,
        vars: { LOG_LEVEL: "error" },
        // Startup holds here, runtime up and tables missing, until the client
        // has made two more attempts: any answer it gets now would come from
        // a database without its tables.
        beforeMigrations: () => attemptsFromNow(2),
      });
      await vi.waitUntil(() => statuses.length > 0, { timeout: 60_000, interval: 20 });
    } finally {
      polling = false;
      await poller;
      await server?.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(0);
  });
});

describe("serialRunner", () => {
  it("never overlaps runs; a call during a run gets a fresh run after it", async () => {
    const gates: ReturnType<typeof deferred<void>>[] = [];
    let active = 0;
    let overlapped = false;
    const runner = serialRunner(async () => {
      active += 1;
      if (active > 1) overlapped = true;
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      active -= 1;
    });

    const first = runner.run();
    expect(runner.running).toBe(true);
    const second = runner.run();
    const third = runner.run();
    expect(gates).toHaveLength(1); // the later calls wait for the first run
    gates[0]!.resolve();
    await first;
    await vi.waitUntil(() => gates.length === 2);
    expect(second).toBe(third); // callers that waited share one fresh run
    gates[1]!.resolve();
    await second;
    expect(gates).toHaveLength(2);
    expect(overlapped).toBe(false);
    expect(runner.running).toBe(false);
  });

  it("keeps running after a failed run", async () => {
    let calls = 0;
    const runner = serialRunner(async () => {
      calls += 1;
      if (calls === 1) throw new Error("boom");
    });
    await expect(runner.run()).rejects.toThrow("boom");
    await runner.run();
    expect(calls).toBe(2);
  });
});

describe("a running local server", () => {
  let server: LocalServer;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "edge-rag-local-server-"));
    server = await startLocalServer({ root, port: 0, stateDir, cronIntervalSeconds: 0, vars: { API_KEY: apiKey, LOG_LEVEL: "error" } });
  }, 120_000);

  afterAll(async () => {
    await server?.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("runScheduled() runs the worker's scheduled handler: a stalled queued document is picked up", async () => {
    const db = await server.miniflare.getD1Database("DB");
    const longAgo = "2000-01-01T00:00:00.000Z";
    // Stored, but its queue message was lost (the case the sweep exists for).
    await db
      .prepare(
        "INSERT INTO documents (tenant_id, id, format, content, content_hash, version, status, created_at, updated_at) VALUES ('default', 'stalled', 'text', ?, 'lost-message', 1, 'queued', ?, ?)",
      )
      .bind("Office hours are nine to five on weekdays.", longAgo, longAgo)
      .run();
    const row = () => db.prepare("SELECT status, updated_at FROM documents WHERE tenant_id = 'default' AND id = 'stalled'").first<{ status: string; updated_at: string }>();
    expect(await row()).toEqual({ status: "queued", updated_at: longAgo });

    await server.runScheduled();
    // The sweep re-queued it: it touched the row, and the queue consumer
    // takes it from there (whether indexing then succeeds is not this test's
    // business).
    await vi.waitUntil(
      async () => {
        const current = await row();
        return current?.status !== "queued" || current.updated_at !== longAgo;
      },
      { timeout: 30_000, interval: 100 },
    );
  });

  describe("an oversized body", () => {
    const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };

    /** Errors of connections after their request was answered (a reset while the client still sent the body). */
    const socketErrors: string[] = [];
    /** A number per TCP connection, to tell whether two requests shared one. */
    const connectionIds = new WeakMap<object, number>();
    let connections = 0;

    /**
     * One request on `agent`, answered with the id of the connection it used.
     * A `chunked` body is sent without Content-Length (rejected mid-stream,
     * not up front).
     */
    function request(agent: http.Agent, method: string, path: string, body?: string, requestHeaders: Record<string, string> = {}, chunked = false) {
      return new Promise<{ status: number; body: string; connection: number }>((resolve, reject) => {
        let connection = 0;
        const outgoing = http.request(new URL(path, server.url), { method, agent, headers: requestHeaders }, (response) => {
          const parts: Buffer[] = [];
          response.on("data", (part: Buffer) => parts.push(part));
          response.on("end", () => resolve({ status: response.statusCode!, body: Buffer.concat(parts).toString(), connection }));
          response.on("error", reject);
        });
        outgoing.on("error", reject);
        outgoing.on("socket", (socket) => {
          if (!connectionIds.has(socket)) {
            connectionIds.set(socket, ++connections);
            socket.on("error", (error: NodeJS.ErrnoException) => socketErrors.push(error.code ?? error.message));
          }
          connection = connectionIds.get(socket)!;
        });
        if (chunked && body) {
          outgoing.write(body.slice(0, 1024));
          outgoing.end(body.slice(1024));
        } else {
          outgoing.end(body);
        }
      });
    }

    afterEach(() => {
      expect(socketErrors.splice(0)).toEqual([]);
    });

    it("is answered 413 on a keep-alive connection that then serves the next request", async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const { connection } = await request(agent, "GET", "/health");
        for (let round = 0; round < 3; round++) {
          const rejected = await request(agent, "POST", "/v1/documents", oversized, headers);
          expect(rejected.status).toBe(413);
          expect(JSON.parse(rejected.body).error.code).toBe("PAYLOAD_TOO_LARGE");
          // The same connection, still open, serves the next request.
          const next = await request(agent, "GET", "/health");
          expect(next.status).toBe(200);
          expect([rejected.connection, next.connection]).toEqual([connection, connection]);
        }
        // Refused before the body is looked at (no key): the same holds.
        const unauthorized = await request(agent, "POST", "/v1/documents", oversized, { "content-type": "application/json" });
        expect(unauthorized.status).toBe(401);
        const next = await request(agent, "GET", "/health");
        expect(next.status).toBe(200);
        expect([unauthorized.connection, next.connection]).toEqual([connection, connection]);
      } finally {
        agent.destroy();
      }
    });

    it("is answered 413, never a connection reset, on keep-alive connections used concurrently", async () => {
      // Four clients at once (two sending bodies without Content-Length),
      // each on its own keep-alive connection, each sending the next request
      // as soon as the last answer arrived (an idle connection is closed by
      // workerd after 5 s: a separate matter).
      const lane = async (chunked: boolean) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const outcomes: string[] = [];
        let first: number | undefined;
        try {
          for (let round = 0; round < 4; round++) {
            for (const [method, path, body] of [
              ["POST", "/v1/documents", oversized],
              ["GET", "/health", undefined],
            ] as const) {
              try {
                const answer = await request(agent, method, path, body, body ? headers : {}, chunked);
                first ??= answer.connection;
                const code = answer.status === 200 ? "" : ` ${JSON.parse(answer.body).error.code}`;
                outcomes.push(`${method} ${answer.status}${code}${answer.connection === first ? "" : " (new connection)"}`);
              } catch (error) {
                outcomes.push(`${method} ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
              }
            }
          }
        } finally {
          agent.destroy();
        }
        return outcomes;
      };
      const outcomes = (await Promise.all([lane(false), lane(true), lane(false), lane(true)])).flat();
      const counts = Object.fromEntries([...new Set(outcomes)].map((outcome) => [outcome, outcomes.filter((seen) => seen === outcome).length]));
      expect(counts).toEqual({ "POST 413 PAYLOAD_TOO_LARGE": 16, "GET 200": 16 });
    });
  });
});
