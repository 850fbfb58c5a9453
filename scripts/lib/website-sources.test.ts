/**
 * Website sources end to end: a small site served by `node:http` on
 * loopback (sitemap.xml, robots.txt disallowing one path, pages with links,
 * a 404, a page that changes between syncs, ETags) and the real local server
 * (`startLocalServer`: workerd, D1, Queues, the local embedding model) with
 * SOURCES_ALLOW_PRIVATE_HOSTS=true. The site logs every request it gets.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startLocalServer, type LocalServer } from "./local-server.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const apiKey = "website-sources-test-key";

interface LoggedRequest {
  path: string;
  ifNoneMatch: string | undefined;
  userAgent: string | undefined;
}

/** The test site: pages by path, each with an ETag derived from its content. */
function startSite(): Promise<{ server: Server; base: string; log: LoggedRequest[]; pages: Map<string, string>; options: { sitemap: boolean } }> {
  const options = { sitemap: true };
  const log: LoggedRequest[] = [];
  const pages = new Map<string, string>();
  const page = (title: string, body: string) => `<!doctype html><html><head><title>${title}</title></head><body><nav><a href="/">Home</a></nav><main><h1>${title}</h1>${body}</main></body></html>`;
  pages.set("/", page("Kettle shop", `<p>Welcome to the Zephyr kettle shop.</p><a href="/warranty">Warranty</a> <a href="/private/secret">Secret</a>`));
  pages.set("/warranty", page("Warranty", "<p>Every Zephyr kettle carries a warranty of seven years against limescale damage.</p>"));
  pages.set("/shipping", page("Shipping", "<p>Parcels leave the warehouse in Tromsø every Tuesday by reindeer sled.</p>"));
  pages.set("/news", page("News", "<p>The spring catalogue features the amber teapot.</p>"));
  pages.set("/private/secret", page("Secret", "<p>The launch code is octarine.</p>"));
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    log.push({ path, ifNoneMatch: req.headers["if-none-match"], userAgent: req.headers["user-agent"] });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (path === "/robots.txt") {
      res.writeHead(200, { "content-type": "text/plain" }).end(`User-agent: *\nDisallow: /private/\n${options.sitemap ? `\nSitemap: ${base}/sitemap.xml\n` : ""}`);
      return;
    }
    if (path === "/sitemap.xml" && options.sitemap) {
      const urls = ["/", "/warranty", "/shipping", "/news", "/missing", "/private/secret"].map((p) => `<url><loc>${base}${p}</loc></url>`).join("");
      res.writeHead(200, { "content-type": "application/xml" }).end(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`);
      return;
    }
    const html = pages.get(path);
    if (html === undefined) {
      res.writeHead(404, { "content-type": "text/html" }).end("<h1>Not found</h1>");
      return;
    }
    const etag = `"${Buffer.from(html).toString("base64").length}-${hash(html)}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", etag }).end(html);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log, pages, options })));
}

function hash(text: string): string {
  let h = 0;
  for (const char of text) h = (h * 31 + char.charCodeAt(0)) | 0;
  return (h >>> 0).toString(16);
}

describe("website sources against a local site", () => {
  let site: Awaited<ReturnType<typeof startSite>>;
  let server: LocalServer;
  let stateDir: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(new URL(path, server.url), {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const waitIdle = async (id: string) => {
    let last: any;
    await vi.waitUntil(
      async () => {
        last = (await call("GET", `/v1/sources/${id}`)).body;
        return last.status === "idle" || last.status === "error";
      },
      { timeout: 120_000, interval: 500 },
    );
    return last;
  };

  beforeAll(async () => {
    site = await startSite();
    stateDir = mkdtempSync(join(tmpdir(), "edge-rag-sources-"));
    server = await startLocalServer({
      root,
      port: 0,
      stateDir,
      cronIntervalSeconds: 0,
      vars: { API_KEY: apiKey, LOG_LEVEL: "error", SOURCES_ALLOW_PRIVATE_HOSTS: "true", SOURCES_FETCHES_PER_SECOND: "10", INGEST_RETRY_BASE_SECONDS: "0" },
    });
  }, 180_000);

  afterAll(async () => {
    await server?.dispose();
    await new Promise((resolve) => site?.server.close(resolve));
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("ingests the sitemap's pages, respects robots.txt, re-syncs only what changed, and deletes its documents", async () => {
    const created = await call("POST", "/v1/sources", { type: "website", url: `${site.base}/` });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = created.body.id as string;
    expect(id).toMatch(/^src_[0-9a-f]{16}$/);

    const done = await waitIdle(id);
    expect(done).toMatchObject({ status: "idle", discovery: "sitemap", discovered: 5, fetched: 4, ready: 4, failed: 1, error: null });

    // The disallowed page was never requested; every request named our agent.
    expect(site.log.some((entry) => entry.path.startsWith("/private/"))).toBe(false);
    expect(site.log.every((entry) => entry.userAgent?.startsWith("edge-rag-bot/"))).toBe(true);
    expect(site.log.filter((entry) => entry.path === "/missing")).not.toHaveLength(0);

    // Searchable, with the page's URL as source_url.
    const search = await call("POST", "/v1/search", { query: "reindeer sled warehouse Tromsø", top_k: 3 });
    expect(search.status, JSON.stringify(search.body)).toBe(200);
    expect(search.body.results[0]).toMatchObject({ source_url: `${site.base}/shipping` });
    const documentId = search.body.results[0].document_id as string;
    expect(documentId).toMatch(/^web-127-0-0-1-shipping-[0-9a-f]{12}$/);

    const versionOf = async (path: string) => {
      const list = (await call("GET", "/v1/documents?limit=100")).body.documents as Array<{ id: string; version: number; source_url: string | null }>;
      return list.find((doc) => doc.source_url === `${site.base}${path}`)?.version;
    };
    expect(await versionOf("/news")).toBe(1);

    // Change one page, re-sync: conditional requests everywhere, only the changed page is ingested again.
    site.pages.set("/news", site.pages.get("/news")!.replace("amber teapot", "cobalt samovar"));
    const before = site.log.length;
    const synced = await call("POST", `/v1/sources/${id}/sync`);
    expect(synced.status, JSON.stringify(synced.body)).toBe(202);
    const resynced = await waitIdle(id);
    expect(resynced).toMatchObject({ status: "idle", fetched: 4, ready: 4 });
    const again = site.log.slice(before).filter((entry) => ["/", "/warranty", "/shipping", "/news"].includes(entry.path));
    expect(again).toHaveLength(4);
    expect(again.every((entry) => entry.ifNoneMatch !== undefined)).toBe(true);
    expect(await versionOf("/news")).toBe(2);
    expect(await versionOf("/warranty")).toBe(1);
    expect(await versionOf("/shipping")).toBe(1);
    const news = await call("POST", "/v1/search", { query: "cobalt samovar", top_k: 1 });
    expect(news.body.results[0]).toMatchObject({ source_url: `${site.base}/news` });

    // DELETE removes the source and its documents.
    const deleted = await call("DELETE", `/v1/sources/${id}`);
    expect(deleted).toMatchObject({ status: 200, body: { id, status: "deleted", documents: 4 } });
    expect((await call("GET", `/v1/sources/${id}`)).status).toBe(404);
    expect(await versionOf("/shipping")).toBeUndefined();
  }, 240_000);

  it("reports a named sitemap that cannot be read as an error", async () => {
    const created = await call("POST", "/v1/sources", { type: "website", url: `${site.base}/`, sitemap: `${site.base}/no-sitemap.xml` });
    expect(created.status).toBe(202);
    const failed = await waitIdle(created.body.id);
    expect(failed).toMatchObject({ status: "error", error: expect.stringContaining("no-sitemap.xml") });
    await call("DELETE", `/v1/sources/${created.body.id}`);
  }, 120_000);

  it("follows same-origin links from the start page when there is no sitemap, within max_depth and robots.txt", async () => {
    site.options.sitemap = false;
    try {
      const before = site.log.length;
      const created = await call("POST", "/v1/sources", { type: "website", url: `${site.base}/`, max_depth: 1 });
      expect(created.status).toBe(202);
      const done = await waitIdle(created.body.id);
      // The start page links to /warranty and /private/secret (disallowed); /shipping and /news are not linked.
      expect(done).toMatchObject({ status: "idle", discovery: "links", discovered: 2, fetched: 2, ready: 2 });
      const paths = site.log.slice(before).map((entry) => entry.path);
      expect(paths).toContain("/warranty");
      expect(paths).not.toContain("/shipping");
      expect(paths.some((path) => path.startsWith("/private/"))).toBe(false);
      await call("DELETE", `/v1/sources/${created.body.id}`);
    } finally {
      site.options.sitemap = true;
    }
  }, 120_000);
});

describe("website sources without SOURCES_ALLOW_PRIVATE_HOSTS", () => {
  let server: LocalServer;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "edge-rag-sources-guard-"));
    server = await startLocalServer({ root, port: 0, stateDir, cronIntervalSeconds: 0, vars: { API_KEY: apiKey, LOG_LEVEL: "error" } });
  }, 180_000);

  afterAll(async () => {
    await server?.dispose();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("refuses a loopback source with 400 URL_NOT_ALLOWED", async () => {
    const response = await fetch(new URL("/v1/sources", server.url), {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "website", url: "http://127.0.0.1:8080/" }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.code).toBe("URL_NOT_ALLOWED");
  });
});
