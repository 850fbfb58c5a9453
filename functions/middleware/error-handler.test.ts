/**
 * Guards the error handler's promises beyond the JSON shape: a database
 * whose tables do not exist yet (migrations not applied) answers 503
 * NOT_READY with Retry-After, never 500; an AppError's retryAfterSeconds
 * becomes Retry-After; and a request body no handler read is read to its end
 * before the error is answered (see json-body.ts).
 */
import { env } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/core/errors.js";
import type { AppEnv } from "../context.js";
import { handleError, handleNotFound, notReadyRetryAfterSeconds } from "./error-handler.js";

const app = new Hono<AppEnv>()
  // The real D1 error for a table a pending migration would create.
  .get("/pending-migration", async (c) => c.json(await env.DB.prepare("SELECT * FROM table_of_a_pending_migration").all()))
  .get("/pending-migration-wrapped", async (c) => {
    try {
      return c.json(await env.DB.prepare("SELECT value FROM table_of_a_pending_migration WHERE key = ?").bind("x").first());
    } catch (error) {
      throw new Error("reading a setting failed", { cause: error });
    }
  })
  // The real D1 error for a column a pending migration would add (code deployed before `ALTER TABLE`).
  .get("/pending-column", async (c) => c.json(await env.DB.prepare("SELECT column_of_a_pending_migration FROM documents").all()))
  .get("/pending-column-insert", async (c) => c.json(await env.DB.prepare("INSERT INTO index_settings (key, value, column_of_a_pending_migration) VALUES ('k', 'v', 1)").run()))
  .get("/bad-sql", async (c) => c.json(await env.DB.prepare("SELECT FROM WHERE").all()))
  .get("/unavailable", () => {
    throw new AppError("UPSTREAM_UNAVAILABLE", "the embedding model is unavailable; try again later");
  })
  .post("/unauthorized", () => {
    throw new AppError("UNAUTHORIZED", "send the API key");
  })
  .get("/busy", () => {
    throw new AppError("UPSTREAM_UNAVAILABLE", "try later", { retryAfterSeconds: 2.5 });
  })
  .onError(handleError)
  .notFound(handleNotFound);

describe("a database without its tables", () => {
  it.each(["/pending-migration", "/pending-migration-wrapped", "/pending-column", "/pending-column-insert"])("answers 503 NOT_READY with Retry-After, not 500 (%s)", async (path) => {
    const response = await app.request(`http://edge-rag.test${path}`);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe(String(notReadyRetryAfterSeconds));
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("NOT_READY");
    // Nothing of the SQL error reaches the client.
    expect(JSON.stringify(body)).not.toMatch(/of_a_pending_migration|SQLITE|D1_ERROR/);
  });

  it("leaves other database errors a plain 500", async () => {
    const response = await app.request("http://edge-rag.test/bad-sql");
    expect(response.status).toBe(500);
    expect(response.headers.has("retry-after")).toBe(false);
    expect(await response.json()).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
  });
});

describe("an AppError that says when to retry", () => {
  it("sends Retry-After in whole seconds", async () => {
    const response = await app.request("http://edge-rag.test/busy");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("UPSTREAM_UNAVAILABLE");
  });

  it("sends a default for a 503 that does not say", async () => {
    const response = await app.request("http://edge-rag.test/unavailable");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
  });

  it("sends none for other errors", async () => {
    const response = await app.request("http://edge-rag.test/unauthorized", { method: "POST" });
    expect(response.status).toBe(401);
    expect(response.headers.has("retry-after")).toBe(false);
  });
});

describe("a request body nobody read", () => {
  function countedBody(totalBytes: number) {
    const state = { pulled: 0, finished: false };
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (state.pulled >= totalBytes) {
            state.finished = true;
            controller.close();
            return;
          }
          state.pulled += 4096;
          controller.enqueue(new Uint8Array(4096));
        },
      },
      { highWaterMark: 0 },
    );
    return { stream, state };
  }

  it.each([
    ["an error", "/unauthorized", 401],
    ["an unknown route", "/no-such-route", 404],
  ])("is read to its end before answering %s", async (_what, path, status) => {
    const { stream, state } = countedBody(256 * 1024);
    const response = await app.request(`http://edge-rag.test${path}`, { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect(response.status).toBe(status);
    expect(state).toEqual({ pulled: 256 * 1024, finished: true });
  });
});
