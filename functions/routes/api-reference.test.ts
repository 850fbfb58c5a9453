import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { apiDocumentOptions, apiOperations } from "../openapi/api-operations.js";
import { buildOpenApiDocument } from "../openapi/build-document.js";
import { docsAssetsPath, swaggerInitializerFile, swaggerUiFiles } from "../openapi/docs-page.js";

describe("GET /openapi.json", () => {
  it("serves the document built from the declarations, without a key, with this origin as its server", async () => {
    const response = await SELF.fetch("https://rag.example.com/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.openapi).toBe("3.1.0");
    expect(body.servers).toEqual([{ url: "https://rag.example.com" }]);
    const { servers: _servers, ...rest } = body;
    expect(rest).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(apiOperations, apiDocumentOptions))));
  });
});

describe("GET /docs", () => {
  it("serves the reference page under a strict CSP, loading only same-origin files", async () => {
    const response = await SELF.fetch("http://edge-rag.test/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).toMatch(/connect-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);

    const html = await response.text();
    // No inline script or style: every script has a src, and there is no <style> or style attribute.
    expect([...html.matchAll(/<script\b([^>]*)>/g)].every((match) => /\bsrc="/.test(match[1]!))).toBe(true);
    expect(html).not.toMatch(/<style|\sstyle=/);
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]!);
    for (const url of urls) expect(url, url).toMatch(/^(\/(?!\/)|data:)/);
    // It loads exactly the files the asset build copies (scripts/lib/api-docs-assets.ts), and points at the document.
    const assets = urls.filter((url) => url.startsWith(docsAssetsPath)).map((url) => url.slice(docsAssetsPath.length));
    expect(assets.sort()).toEqual([...swaggerUiFiles, swaggerInitializerFile].sort());
    expect(html).toContain('data-spec-url="/openapi.json"');
  });
});
