/**
 * The API reference end to end: the asset build copies Swagger UI into the
 * static assets; the local server serves those files with their headers;
 * and /docs renders every operation of /openapi.json in Chromium under its
 * Content-Security-Policy, with no violation, no script error and no
 * request leaving the origin.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docsAssetsPath, swaggerInitializerFile, swaggerUiFiles } from "../../functions/openapi/docs-page.js";
import { launchChromium } from "../../widget/test/chromium.js";
import { buildApiDocsAssets, swaggerInitializerSource, swaggerUiDistDir, swaggerUiLicenceFiles } from "./api-docs-assets.js";
import { startLocalServer, type LocalServer } from "./local-server.js";
import { buildWidget } from "./widget-build.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("buildApiDocsAssets", () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), "edge-rag-docs-assets-"));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("copies Swagger UI's files and licence as they are, and writes the initializer", () => {
    const build = buildApiDocsAssets(root, out);
    expect(build.dir).toBe(join(out, "docs"));
    expect(build.version).toBe("5.35.0");
    for (const file of [...swaggerUiFiles, ...swaggerUiLicenceFiles]) {
      expect(readFileSync(join(build.dir, file)).equals(readFileSync(join(swaggerUiDistDir(), file))), file).toBe(true);
    }
    expect(readFileSync(join(build.dir, swaggerInitializerFile), "utf8")).toBe(swaggerInitializerSource);
  });

  it("leaves unchanged files alone on a second run (stable mtimes, stable local ETags)", () => {
    const first = buildApiDocsAssets(root, out);
    const before = first.files.map((file) => statSync(join(first.dir, file)).mtimeMs);
    const second = buildApiDocsAssets(root, out);
    expect(second.files.map((file) => statSync(join(second.dir, file)).mtimeMs)).toEqual(before);
  });
});

describe("/docs in Chromium against the local server", () => {
  let stateDir: string;
  let server: LocalServer;
  let browser: Browser;

  beforeAll(async () => {
    await buildWidget(root); // dist/assets as `npm run build:widget` leaves it (widget.js, _headers)
    buildApiDocsAssets(root);
    stateDir = mkdtempSync(join(tmpdir(), "edge-rag-docs-e2e-"));
    server = await startLocalServer({ root, port: 0, stateDir, reset: true, cronIntervalSeconds: 0 });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  it("serves the renderer's files as static assets with their headers", async () => {
    for (const [file, type] of [
      ["swagger-ui-bundle.js", /^text\/javascript/],
      ["swagger-ui.css", /^text\/css/],
      [swaggerInitializerFile, /^text\/javascript/],
    ] as const) {
      const response = await fetch(new URL(`${docsAssetsPath}${file}`, server.url));
      expect(response.status, file).toBe(200);
      expect(response.headers.get("content-type"), file).toMatch(type);
      expect(response.headers.get("x-content-type-options"), file).toBe("nosniff");
      expect(response.headers.get("cross-origin-resource-policy"), file).toBe("same-origin");
      expect(response.headers.get("cache-control"), file).toMatch(/max-age=\d+/);
      await response.arrayBuffer();
    }
  });

  it("renders every operation of /openapi.json under the page's CSP, from this origin only", async () => {
    const openApi = (await (await fetch(new URL("/openapi.json", server.url))).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(openApi.paths).reduce((sum, item) => sum + Object.keys(item).length, 0);
    expect(operations).toBeGreaterThan(25);

    const page = await browser.newPage();
    const problems: string[] = [];
    const origin = server.url.origin;
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" || message.text().startsWith("CSP")) problems.push(`console: ${message.text()}`);
    });
    page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(`${origin}/`) && !url.startsWith("data:")) problems.push(`request to another origin: ${url}`);
    });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => console.log(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));
    });
    const response = await page.goto(new URL("/docs", server.url).href);
    expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self'/);
    await page.waitForFunction((count) => document.querySelectorAll(".opblock").length === count, operations, { timeout: 30_000 });
    expect(await page.locator(".info .title").first().textContent()).toMatch(/edge-rag API/);
    // Swagger UI lists problems it found in the document (unresolved references, parse errors) here.
    expect(await page.locator(".errors-wrapper").count()).toBe(0);
    // A request body's schema renders (the $refs resolve in the browser too).
    await page.locator("#operations-Documents-createDocument .opblock-summary").click();
    await page.locator("#operations-Documents-createDocument .body-param__example, #operations-Documents-createDocument .highlight-code").first().waitFor({ timeout: 10_000 });
    expect(await page.locator("#operations-Documents-createDocument").textContent()).toContain("content");
    expect(problems).toEqual([]);
    await page.close();
  });
});
