import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sendChat, sendSearch, type LoadTarget, type RequestLimits } from "./load-client.js";
import { classify } from "./load-outcome.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      return closed;
    }),
  );
});

/** A loopback HTTP server answering with `handler`; resolves to its target. */
async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<LoadTarget> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { base: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), key: "k" };
}

const limits = (signal = new AbortController().signal): RequestLimits => ({ timeoutMs: 60_000, signal, origin: performance.now() });
const sse = (response: ServerResponse) => response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

describe("load client", () => {
  it("sends the chat with the bearer key and records a complete stream", async () => {
    let seen: { auth?: string; body?: string } = {};
    const target = await serve((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        seen = { auth: request.headers.authorization, body };
        sse(response);
        response.write(frame("sources", { sources: [{ n: 1 }] }));
        response.write(frame("delta", { text: "Yes." }));
        response.end(frame("done", { timings: {} }));
      });
    });
    const record = await sendChat(target, [{ role: "user", content: "Refunds?" }], limits());
    expect(seen.auth).toBe("Bearer k");
    expect(JSON.parse(seen.body!)).toEqual({ messages: [{ role: "user", content: "Refunds?" }] });
    expect(record).toMatchObject({ kind: "chat", status: 200, sse: { end: "done", sources: 1, deltas: 1 } });
    expect(record.sse!.sourcesMs).toBeLessThanOrEqual(record.sse!.doneMs!);
    expect(classify(record)).toEqual({ category: "ok" });
  });

  it("a stream the server closes without done is an error", async () => {
    const target = await serve((_request, response) => {
      sse(response);
      response.end(frame("sources", { sources: [] }));
    });
    const record = await sendChat(target, [{ role: "user", content: "q" }], limits());
    expect(classify(record)).toEqual({ category: "error", reason: "chat: stream ended without done after sources" });
  });

  it("leaving after sources closes the connection, and counts as a disconnect", async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => (closed = resolve));
    const target = await serve((_request, response) => {
      sse(response);
      response.write(frame("sources", { sources: [{ n: 1 }] }));
      // Never ends by itself: only the client leaving ends this stream.
      response.on("close", closed);
    });
    const record = await sendChat(target, [{ role: "user", content: "q" }], limits(), "sources");
    expect(record).toMatchObject({ disconnectAt: "sources", sse: { end: "stopped" } });
    expect(classify(record)).toEqual({ category: "disconnected" });
    await serverSawClose;
  });

  it("records the status and error code of a refused request", async () => {
    const target = await serve((_request, response) => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code: "INTERNAL", message: "x" } }));
    });
    const record = await sendSearch(target, "q", limits());
    expect(record).toMatchObject({ kind: "search", status: 500, errorCode: "INTERNAL" });
    expect(classify(record)).toEqual({ category: "error", reason: "search: HTTP 500 INTERNAL" });
  });

  it("reads a search's results and flags a body that is not a search answer", async () => {
    const good = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ results: [{}, {}, {}], timings: {} }));
    });
    expect(await sendSearch(good, "q", limits())).toMatchObject({ status: 200, results: 3 });
    const bad = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/html" });
      response.end("<html>oops</html>");
    });
    expect(classify(await sendSearch(bad, "q", limits()))).toEqual({ category: "error", reason: "search: 2xx answer without a results array" });
  });

  it("a refused connection is an error without a status", async () => {
    const target = await serve(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const record = await sendSearch(target, "q", limits());
    expect(record.status).toBeUndefined();
    expect(record.failure).toMatch(/ECONNREFUSED/);
    expect(classify(record).category).toBe("error");
  });

  it("without an agent every request has a connection of its own", async () => {
    const sockets = new Set<unknown>();
    const headers: (string | undefined)[] = [];
    const target = await serve((request, response) => {
      sockets.add(request.socket);
      headers.push(request.headers.connection);
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ results: [] }));
    });
    await sendSearch(target, "q", limits());
    await sendSearch(target, "q", limits());
    expect(sockets.size).toBe(2);
    expect(headers).toEqual(["close", "close"]);
  });

  it("tells a failure on a reused keep-alive connection apart", async () => {
    let requests = 0;
    const target = await serve((request, response) => {
      requests += 1;
      if (requests === 2) {
        // As a server closing an idle connection just as a request arrives on it.
        request.socket.destroy();
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ results: [] }));
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await sendSearch({ ...target, agent }, "q", limits());
      expect(first.reusedConnection).toBeUndefined();
      const second = await sendSearch({ ...target, agent }, "q", limits());
      expect(second).toMatchObject({ reusedConnection: true, failure: "socket hang up (ECONNRESET)" });
      expect(classify(second)).toEqual({ category: "error", reason: "search: connection failed on a reused keep-alive connection: socket hang up (ECONNRESET)" });
    } finally {
      agent.destroy();
    }
  });

  it("a request cut by the overall limit is marked timed out", async () => {
    const abort = new AbortController();
    const target = await serve((_request, response) => {
      sse(response);
      response.write(frame("sources", { sources: [] }));
      abort.abort(new Error("hard limit"));
    });
    const record = await sendChat(target, [{ role: "user", content: "q" }], limits(abort.signal));
    expect(record.timedOut).toBe(true);
    expect(classify(record).category).toBe("error");
  });
});
