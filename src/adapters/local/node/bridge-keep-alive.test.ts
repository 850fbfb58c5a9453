/**
 * The bridge keep-alive fix on plain Node HTTP servers: a server that gets a
 * request with Miniflare's custom-service header stops closing idle
 * connections (keepAliveTimeout 0), other servers keep theirs, and nothing
 * changes once every holder has released the watch.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { holdBridgeConnectionsOpen } from "./bridge-keep-alive.js";

const servers: Server[] = [];
const releases: (() => void)[] = [];

afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listening(): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => response.end("ok"));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(url, { headers });
  await response.text();
  return response;
}

describe("holdBridgeConnectionsOpen", () => {
  it("turns off the idle timeout of a server that carries service-binding requests", async () => {
    releases.push(holdBridgeConnectionsOpen());
    const { server, url } = await listening();
    expect(server.keepAliveTimeout).toBe(5000); // Node's default
    await get(url, { "MF-Custom-Fetch-Service": "0/#LOCAL_SERVICES" });
    expect(server.keepAliveTimeout).toBe(0);
    const next = await get(url, { "MF-Custom-Fetch-Service": "0/#LOCAL_SERVICES" });
    expect(next.headers.get("keep-alive")).toBeNull(); // no idle deadline announced any more
  });

  it("leaves other servers alone", async () => {
    releases.push(holdBridgeConnectionsOpen());
    const { server, url } = await listening();
    await get(url);
    expect(server.keepAliveTimeout).toBe(5000);
  });

  it("stops watching once every holder has released it", async () => {
    const first = holdBridgeConnectionsOpen();
    const second = holdBridgeConnectionsOpen();
    first();
    first(); // releasing twice counts once
    const held = await listening();
    await get(held.url, { "MF-Custom-Node-Service": "0/#X" });
    expect(held.server.keepAliveTimeout).toBe(0);
    second();
    const free = await listening();
    await get(free.url, { "MF-Custom-Fetch-Service": "0/#LOCAL_SERVICES" });
    expect(free.server.keepAliveTimeout).toBe(5000);
  });
});
