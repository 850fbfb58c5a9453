/**
 * Guards the body-size policy of readJson: a rejected body is read to its end
 * (up to maxDiscardBytes) before the 413, because the local runtime resets a
 * keep-alive connection whose request body was left unread. The HTTP-level
 * half (a real connection, Node's fetch) is in scripts/lib/local-server.test.ts.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { AppEnv } from "../context.js";
import { handleError } from "./error-handler.js";
import { maxDiscardBytes, readJson } from "./json-body.js";

const limit = 16 * 1024;
const app = new Hono<AppEnv>()
  .post("/", async (c) => c.json(await readJson(c, z.object({ text: z.string() }), { maxBytes: limit })))
  .onError(handleError);

/** A request body that counts what was pulled from it and whether it was cancelled. */
function countedBody(totalBytes: number, chunkBytes: number) {
  const chunk = new Uint8Array(chunkBytes).fill(0x20); // spaces: valid JSON whitespace
  const state = { pulled: 0, finished: false, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const size = Math.min(chunkBytes, totalBytes - state.pulled);
        if (size <= 0) {
          state.finished = true;
          controller.close();
          return;
        }
        state.pulled += size;
        controller.enqueue(size === chunkBytes ? chunk.slice() : chunk.slice(0, size));
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

async function post(body: ReadableStream<Uint8Array>, declaredLength?: number): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (declaredLength !== undefined) headers["content-length"] = String(declaredLength);
  return app.request("http://edge-rag.test/", { method: "POST", headers, body, duplex: "half" } as RequestInit);
}

async function expectTooLarge(response: Response): Promise<void> {
  expect(response.status).toBe(413);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
}

describe("readJson with an oversized body", () => {
  it("reads a body declared too large to its end before answering 413", async () => {
    const size = 20 * limit;
    const { stream, state } = countedBody(size, 4096);
    await expectTooLarge(await post(stream, size));
    expect(state).toEqual({ pulled: size, finished: true, cancelled: false });
  });

  it("reads a chunked body that turns out too large to its end before answering 413", async () => {
    const size = 20 * limit;
    const { stream, state } = countedBody(size, 4096);
    await expectTooLarge(await post(stream));
    expect(state).toEqual({ pulled: size, finished: true, cancelled: false });
  });

  it("does not read a body declared larger than maxDiscardBytes", async () => {
    const { stream, state } = countedBody(maxDiscardBytes + 1024 * 1024, 1024 * 1024);
    await expectTooLarge(await post(stream, maxDiscardBytes + 1024 * 1024));
    expect(state.pulled).toBe(0);
    expect(state.finished).toBe(false);
  });

  it("stops reading a chunked body past maxDiscardBytes and cancels it", async () => {
    const chunk = 1024 * 1024;
    const { stream, state } = countedBody(maxDiscardBytes + 8 * chunk, chunk);
    await expectTooLarge(await post(stream));
    expect(state.cancelled).toBe(true);
    expect(state.finished).toBe(false);
    expect(state.pulled).toBeGreaterThan(maxDiscardBytes);
    expect(state.pulled).toBeLessThanOrEqual(maxDiscardBytes + 2 * chunk);
  });

  it("still reads a body within the limit", async () => {
    const response = await app.request("http://edge-rag.test/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "hello" }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ text: "hello" });
  });
});
