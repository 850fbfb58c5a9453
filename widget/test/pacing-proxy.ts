/**
 * A reverse proxy for browser tests that paces Server-Sent Events: each event
 * of a `text/event-stream` response is forwarded on its own, `delayMs` after
 * the previous one, as an LLM on a real network would deliver them. (The
 * local extractive generator answers in a millisecond, so without pacing the
 * whole answer arrives in one read and nothing can be seen streaming.)
 * Everything else passes through unchanged.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length", "content-encoding"]);

function forwardable(headers: IncomingHttpHeaders | Headers): [string, string][] {
  const entries: [string, string][] = [];
  if (headers instanceof Headers) headers.forEach((value, name) => entries.push([name, value]));
  else for (const [name, value] of Object.entries(headers)) entries.push([name, Array.isArray(value) ? value.join(", ") : (value ?? "")]);
  return entries.filter(([name]) => !hopByHop.has(name.toLowerCase()));
}

export async function startPacingProxy(target: URL, options: { delayMs: number }): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (request, response) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const upstream = await fetch(new URL(request.url ?? "/", target), {
        method: request.method,
        headers: forwardable(request.headers),
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        redirect: "manual",
      });
      response.writeHead(upstream.status, forwardable(upstream.headers));
      if (!upstream.body) {
        response.end();
        return;
      }
      const paced = /^text\/event-stream/.test(upstream.headers.get("content-type") ?? "");
      const decoder = new TextDecoder();
      let pending = "";
      const reader = upstream.body.getReader();
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        if (!paced) {
          response.write(chunk);
          continue;
        }
        pending += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = pending.indexOf("\n\n")) !== -1) {
          response.write(pending.slice(0, end + 2));
          pending = pending.slice(end + 2);
          await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        }
      }
      response.end(pending);
    } catch (error) {
      if (!response.headersSent) response.writeHead(502);
      response.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
