/**
 * The widget's lazily loaded modes end to end, in a real browser against the
 * real local server (the worker on Miniflare, the local embedding model and
 * the extractive generator), from another site's page with a publishable
 * key, as a site would install them:
 * - `data-mode="search"`: the search box, debounced searches through
 *   /v1/search (CORS), results with their snippet and marked terms, the
 *   Ctrl-K modal (dialog semantics, focus trap, ↑/↓ and Enter, Esc returning
 *   focus), stale responses dropped, and "Ask" turning the query into a
 *   streamed, cited chat;
 * - `data-mode="page"`: the same chat, full-page;
 * - the default launcher loads neither chunk.
 * axe-core finds no violations in either mode, light and dark. Saves
 * docs/widget-search.png and docs/widget-page.png for the README.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startLocalServer, type LocalServer } from "../../scripts/lib/local-server.js";
import { buildWidget, type WidgetBuildSet } from "../../scripts/lib/widget-build.js";
import { billingGuide, deployGuide, officeHours, sampleDocs } from "../../functions/demo/sample-docs.js";
import { launchChromium } from "./chromium.js";
import { serveStatic, type StaticFile } from "./static-server.js";

const root = resolve(import.meta.dirname, "../..");
const operatorKey = "widget-modes-e2e-key";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let build: WidgetBuildSet;
let server: LocalServer;
let stateDir: string;
let browser: Browser;
let context: BrowserContext;
/** Another site (another origin) whose pages install the widget. */
let site: { url: string; close(): Promise<void> };
const siteFiles: Record<string, StaticFile> = {};
let publishableKey: string;
const pageErrors: string[] = [];

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: unknown; failureSummary: string }[];
}

declare global {
  interface Window {
    axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> };
  }
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL(path, server.url), {
    method,
    headers: { authorization: `Bearer ${operatorKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A page of the other site loading widget.js with `attributes`. */
function sitePage(path: string, options: { attributes: string; body: string; style?: string }): string {
  const api = server.url.href.replace(/\/$/, "");
  siteFiles[path] = {
    type: "text/html",
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example Cloud docs</title>
      <style>body { margin: 0; font: 16px/1.5 system-ui, sans-serif; } header { display: flex; align-items: center; gap: 24px; padding: 12px 24px; border-bottom: 1px solid #d0d7de; } header #search-slot { width: 340px; } main { padding: 0 24px; } ${options.style ?? ""}</style></head>
      <body>${options.body}<script src="${api}/widget.js" data-key="${publishableKey}" ${options.attributes} defer></script></body></html>`,
  };
  return new URL(path, site.url).href;
}

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return page;
}

/** What has focus, looking into the widget's shadow roots: `host:data-testid` (or part / tag), or `#id` / tag for page elements. */
function focused(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const active = document.activeElement;
    if (active?.shadowRoot) {
      const inner = active.shadowRoot.activeElement;
      return `${active.tagName.toLowerCase()}:${inner ? (inner.getAttribute("data-testid") ?? inner.getAttribute("part") ?? inner.tagName.toLowerCase()) : ""}`;
    }
    if (!active) return null;
    return active.id ? `#${active.id}` : active.tagName.toLowerCase();
  });
}

async function tabTo(page: Page, target: string): Promise<void> {
  for (let i = 0; i < 30 && (await focused(page)) !== target; i++) await page.keyboard.press("Tab");
  expect(await focused(page)).toBe(target);
}

async function runAxe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return (await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }))).violations;
}

async function expectAxeClean(page: Page, what: string): Promise<void> {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const violations = await runAxe(page);
    expect(
      violations,
      `${what}, ${scheme}:\n${violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.help}\n${violation.nodes.map((node) => `  ${JSON.stringify(node.target)}: ${node.failureSummary}`).join("\n")}`).join("\n")}`,
    ).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/** The search requests a page sends, with their query. */
function recordSearches(page: Page): { query: string; request: Request }[] {
  const searches: { query: string; request: Request }[] = [];
  page.on("request", (request) => {
    if (request.url().endsWith("/v1/search") && request.method() === "POST") searches.push({ query: JSON.parse(request.postData() ?? "{}").query, request });
  });
  return searches;
}

/** Waits until the results shown are the answer to `query` (typing is debounced, so earlier results may be on screen meanwhile). */
async function resultsFor(page: Page, query: string): Promise<void> {
  await page.locator(`rag-search .results[data-query="${query}"]:not([aria-busy])`).waitFor({ state: "attached" });
}

const searchPageBody = `<header><strong>Example Cloud</strong><nav aria-label="Site"><a href="#guides">Guides</a></nav><div id="search-slot"></div></header>
  <main><h1>Example Cloud documentation</h1><p>Guides for billing, support and deployment.</p><p><button id="page-button" type="button">A button of the page</button></p></main>`;

beforeAll(async () => {
  build = await buildWidget(root);
  stateDir = mkdtempSync(join(tmpdir(), "edge-rag-widget-modes-"));
  server = await startLocalServer({ root, port: 0, stateDir, reset: true, cronIntervalSeconds: 0, vars: { API_KEY: operatorKey, LOG_LEVEL: "error" } });
  site = await serveStatic(siteFiles);
  expect((await api("POST", "/v1/documents/batch", { documents: sampleDocs })).status).toBe(202);
  await vi.waitUntil(
    async () => {
      const listed = await api("GET", "/v1/documents");
      return listed.body.documents.length === sampleDocs.length && listed.body.documents.every((doc: { status: string }) => doc.status === "ready");
    },
    { timeout: 120_000, interval: 200 },
  );
  const key = await api("POST", "/v1/keys", { scopes: ["publishable"], origins: [site.url] });
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  publishableKey = key.body.key;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1100, height: 760 }, colorScheme: "light" });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.dispose();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}, 180_000);

describe("the widget's search and page modes in Chromium against the local server", () => {
  it("serves the lazy chunks cross-origin, named by version from widget.js; the default launcher loads neither", async () => {
    const widget = readFileSync(join(root, "dist", "assets", "widget.js"), "utf8");
    expect(widget).toContain(`?v=${build.modesVersion}`);
    for (const mode of ["search", "page"]) {
      const response = await fetch(new URL(`/widget-${mode}.js?v=${build.modesVersion}`, server.url));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
      expect(await response.text()).toBe(readFileSync(join(root, "dist", "assets", `widget-${mode}.js`), "utf8"));
    }

    const page = await newPage();
    const scripts: string[] = [];
    page.on("request", (request) => {
      if (request.resourceType() === "script") scripts.push(new URL(request.url()).pathname);
    });
    try {
      await page.goto(sitePage("/default", { attributes: "", body: searchPageBody }));
      await page.getByTestId("rag-chat-launcher").waitFor();
      expect(await page.locator("rag-search").count()).toBe(0);
      expect(scripts).toEqual(["/widget.js"]);
    } finally {
      await page.close();
    }
  });

  describe("data-mode=search", () => {
    let page: Page;
    let searches: { query: string; request: Request }[];

    beforeAll(async () => {
      page = await newPage();
      searches = recordSearches(page);
      await page.goto(sitePage("/search", { attributes: 'data-mode="search" data-target="#search-slot" data-title="Example Cloud help"', body: searchPageBody }));
      await page.getByTestId("rag-chat-search-input").waitFor();
    }, 60_000);

    afterAll(async () => {
      await page?.close();
    });

    it("puts the search box where data-target says, beside the floating chat", async () => {
      expect(await page.locator("#search-slot > rag-search").count()).toBe(1);
      expect(await page.getByTestId("rag-chat-launcher").isVisible()).toBe(true);
      expect(await page.getByTestId("rag-chat-search-input").getAttribute("aria-keyshortcuts")).toBe("Control+K");
    });

    it("searches as you type (debounced, cross-origin with the publishable key) and shows results with their snippets", async () => {
      await tabTo(page, "rag-search:rag-chat-search-input");
      const typed = "refund policy";
      await page.keyboard.type(typed);
      const dialog = page.getByRole("dialog", { name: "Search the docs" });
      await dialog.waitFor({ state: "visible" });
      expect(await dialog.evaluate((element) => element.matches(":modal"))).toBe(true); // showModal(): aria-modal, the page inert
      expect(await page.getByTestId("rag-chat-search-field").inputValue()).toBe(typed);
      await resultsFor(page, typed);
      const first = page.getByTestId("rag-chat-result").first();
      expect(await first.locator(".result-title").textContent()).toBe(billingGuide.title);
      expect(await first.getAttribute("href")).toBe(billingGuide.source_url);
      // Snippets: plain text (no Markdown), the query's words marked, as text (no HTML from the API).
      for (const text of await page.locator("rag-search .result-snippet").allTextContents()) expect(text).not.toMatch(/(^|\s)#{1,6}\s|\*\*|\]\(/);
      const marked = page.getByTestId("rag-chat-result").filter({ has: page.locator("mark") }).first();
      expect(await marked.getAttribute("data-document-id")).toBe(billingGuide.id);
      expect(await marked.locator(".result-snippet").textContent()).toMatch(/refund/i);
      const marks = await marked.locator(".result-snippet mark").allTextContents();
      expect(marks.length).toBeGreaterThan(0);
      expect(marks.every((text) => /^(refund\w*|polic\w*)$/i.test(text)), JSON.stringify(marks)).toBe(true);
      // Debounced: far fewer requests than keystrokes, the last one for the whole query.
      expect(searches.length).toBeGreaterThanOrEqual(1);
      expect(searches.length).toBeLessThan(typed.length);
      expect(searches.at(-1)!.query).toBe(typed);
      const response = await searches.at(-1)!.request.response();
      expect(response?.status()).toBe(200);
      expect(await response?.headerValue("access-control-allow-origin")).toBe("*");
      expect(await page.locator("rag-search .status").textContent()).toMatch(/^\d+ results?$/);
    });

    it("shows a result without a URL as a button, and never renders a result's HTML", async () => {
      await page.getByTestId("rag-chat-search-field").fill("provisioning command database");
      await resultsFor(page, "provisioning command database");
      const deploy = page.locator(`[data-testid="rag-chat-result"][data-document-id="${deployGuide.id}"]`).first();
      await deploy.waitFor();
      expect(await deploy.evaluate((element) => element.tagName)).toBe("BUTTON");
      const html = await page.locator("rag-search").evaluate((element) => element.shadowRoot!.querySelector(".results")!.innerHTML);
      expect(html).not.toMatch(/<(script|img|iframe|h1|h2)\b/);
    });

    it("has no axe-core violations with the results open, light and dark; saves docs/widget-search.png", async () => {
      await page.getByTestId("rag-chat-search-field").fill("refund policy");
      await resultsFor(page, "refund policy");
      await expectAxeClean(page, "search dialog open");
      await page.screenshot({ path: join(root, "docs", "widget-search.png"), animations: "disabled", caret: "hide" });
    });

    it("Esc closes the dialog and returns focus to the search box", async () => {
      await page.keyboard.press("Escape");
      await page.getByRole("dialog", { name: "Search the docs" }).waitFor({ state: "hidden" });
      expect(await focused(page)).toBe("rag-search:rag-chat-search-input");
      expect(await page.getByTestId("rag-chat-search-input").inputValue()).toBe("refund policy");
      await expectAxeClean(page, "search dialog closed");
    });

    it("Ctrl-K opens it from anywhere; ↑/↓ move through the results, Tab stays inside, Esc returns focus where it was", async () => {
      await page.locator("#page-button").focus();
      await page.keyboard.press("Control+k");
      const dialog = page.getByRole("dialog", { name: "Search the docs" });
      await dialog.waitFor({ state: "visible" });
      expect(await focused(page)).toBe("rag-search:rag-chat-search-field");
      // Reopened with the same query: its results are shown at once, without another request.
      const requestsBefore = searches.length;
      await resultsFor(page, "refund policy");
      const count = await page.getByTestId("rag-chat-result").count();
      expect(count).toBeGreaterThanOrEqual(2);
      const activeResult = () => page.locator("rag-search").evaluate((element) => Array.from(element.shadowRoot!.querySelectorAll(".result")).indexOf(element.shadowRoot!.activeElement!));
      await page.keyboard.press("ArrowDown");
      expect(await activeResult()).toBe(0);
      await page.keyboard.press("ArrowDown");
      expect(await activeResult()).toBe(1);
      await page.keyboard.press("ArrowUp");
      await page.keyboard.press("ArrowUp");
      expect(await focused(page)).toBe("rag-search:rag-chat-search-field");
      // Past the last result: the "Ask" action.
      for (let i = 0; i < count + 3; i++) await page.keyboard.press("ArrowDown");
      expect(await focused(page)).toBe("rag-search:rag-chat-search-ask");
      // Focus trap: Tab and Shift+Tab never leave the dialog.
      for (let i = 0; i < 2 * count + 8; i++) {
        await page.keyboard.press(i < count + 4 ? "Tab" : "Shift+Tab");
        const where = await focused(page);
        expect(where).toMatch(/^rag-search:/);
        expect(where).not.toBe("rag-search:rag-chat-search-input");
      }
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      expect(await focused(page)).toBe("#page-button");
      expect(searches.length).toBe(requestsBefore);
    });

    it("drops stale responses: a newer query's results are never replaced by an older one's, and the older request is aborted", async () => {
      let releaseOld!: () => void;
      const oldMayAnswer = new Promise<void>((resolve) => (releaseOld = resolve));
      let oldArrived!: () => void;
      const oldRequested = new Promise<void>((resolve) => (oldArrived = resolve));
      const oldFulfilled: Promise<string>[] = [];
      await page.route("**/v1/search", async (route) => {
        if (JSON.parse(route.request().postData() ?? "{}").query !== "refund") return route.fallback();
        oldArrived();
        await oldMayAnswer;
        const stale = { chunk_id: "stale", document_id: "stale", title: "STALE RESULT", heading: "", text: "stale", source_url: null, score: 1, metadata: {} };
        oldFulfilled.push(
          route
            .fulfill({ status: 200, headers: { "content-type": "application/json", "access-control-allow-origin": "*" }, body: JSON.stringify({ results: [stale], timings: {} }) })
            .then(() => "delivered", () => "refused"),
        );
      });
      try {
        const aborted = page.waitForEvent("requestfailed", (request) => request.url().endsWith("/v1/search") && JSON.parse(request.postData() ?? "{}").query === "refund");
        await page.keyboard.press("Control+k");
        const field = page.getByTestId("rag-chat-search-field");
        await field.fill("refund");
        await oldRequested; // the old query is on the wire, its answer held back
        await field.fill("When is support open");
        await resultsFor(page, "When is support open");
        const support = page.locator(`[data-testid="rag-chat-result"][data-document-id="${officeHours.id}"]`).first();
        expect(await support.isVisible()).toBe(true);
        expect((await aborted).failure()?.errorText).toMatch(/ABORTED/i);
        releaseOld();
        await vi.waitUntil(() => oldFulfilled.length === 1);
        await oldFulfilled[0];
        expect(await page.getByText("STALE RESULT").count()).toBe(0);
        expect(await support.isVisible()).toBe(true);
      } finally {
        releaseOld();
        await page.unroute("**/v1/search");
      }
    });

    it("typing back to the query whose results are shown cancels the request in flight and clears “Searching…” and aria-busy", async () => {
      const shownQuery = "support hours";
      const heldQuery = "support hours today";
      let release!: () => void;
      const mayAnswer = new Promise<void>((resolve) => (release = resolve));
      let heldArrived!: () => void;
      const heldRequested = new Promise<void>((resolve) => (heldArrived = resolve));
      await page.route("**/v1/search", async (route) => {
        if (JSON.parse(route.request().postData() ?? "{}").query !== heldQuery) return route.fallback();
        heldArrived();
        await mayAnswer;
        await route.fulfill({ status: 200, headers: { "content-type": "application/json", "access-control-allow-origin": "*" }, body: JSON.stringify({ results: [], timings: {} }) }).catch(() => {});
      });
      try {
        await page.keyboard.press("Control+k"); // opens the dialog, or focuses its field if open
        const field = page.getByTestId("rag-chat-search-field");
        const list = page.locator("rag-search .results");
        const status = page.locator("rag-search .status");
        await field.fill(shownQuery);
        await resultsFor(page, shownQuery);
        const shownStatus = await status.textContent();
        expect(shownStatus).toMatch(/^\d+ results?$/);

        const aborted = page.waitForEvent("requestfailed", (request) => request.url().endsWith("/v1/search") && JSON.parse(request.postData() ?? "{}").query === heldQuery);
        await field.fill(heldQuery);
        await heldRequested; // on the wire, its answer held back: the dialog is busy
        expect(await list.getAttribute("aria-busy")).toBe("true");
        expect(await status.textContent()).toBe("Searching…");

        await field.fill(shownQuery); // back to what is shown: no new request, the held one is cancelled
        expect((await aborted).failure()?.errorText).toMatch(/ABORTED/i);
        expect(await list.getAttribute("aria-busy")).toBeNull();
        expect(await status.textContent()).toBe(shownStatus);
        expect(await list.getAttribute("data-query")).toBe(shownQuery);
      } finally {
        release();
        await page.unroute("**/v1/search");
      }
    });

    it("“Ask” turns the query into a streamed, cited chat", async () => {
      const chats: { accept: string | undefined; messages: { role: string; content: string }[] }[] = [];
      page.on("request", (request) => {
        if (request.url().endsWith("/v1/chat")) chats.push({ accept: request.headers().accept, messages: JSON.parse(request.postData() ?? "{}").messages });
      });
      const question = "How long do I have to ask for a refund?";
      await page.getByTestId("rag-chat-search-field").fill(question);
      const ask = page.getByTestId("rag-chat-search-ask");
      expect(await ask.textContent()).toBe(`Ask the assistant: “${question}”`);
      await ask.focus();
      await page.keyboard.press("Enter");
      await page.getByRole("dialog", { name: "Search the docs" }).waitFor({ state: "hidden" });
      await page.getByRole("dialog", { name: "Example Cloud help" }).waitFor({ state: "visible" });
      const answer = page.locator('[data-testid="rag-chat-message"][data-role="assistant"][data-status="done"]');
      await answer.waitFor({ timeout: 60_000 });
      expect(await answer.locator(".bubble").textContent()).toMatch(/30 days/);
      expect(await answer.getByTestId("rag-chat-citation").count()).toBeGreaterThan(0);
      expect(await answer.locator(`li.source[data-document-id="${billingGuide.id}"]`).count()).toBeGreaterThan(0);
      expect(chats).toEqual([{ accept: "text/event-stream", messages: [{ role: "user", content: question }] }]);
      expect(await focused(page)).toBe("rag-chat:rag-chat-input");
      // Closing the chat returns focus to where it was before the search (the page's button, from which Ctrl-K opened it).
      await page.keyboard.press("Escape");
      await page.getByRole("dialog", { name: "Example Cloud help" }).waitFor({ state: "hidden" });
      expect(await focused(page)).toBe("#page-button");
    });

    it("Enter on a result opens its document", async () => {
      await page.route("https://docs.example.com/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>Billing</title><h1>Billing</h1>" }));
      await page.keyboard.press("Control+k");
      await page.getByTestId("rag-chat-search-field").fill("refund policy");
      await resultsFor(page, "refund policy");
      await page.keyboard.press("ArrowDown");
      expect(await page.locator("rag-search").evaluate((element) => element.shadowRoot!.activeElement?.getAttribute("data-document-id"))).toBe(billingGuide.id);
      await Promise.all([page.waitForURL(billingGuide.source_url), page.keyboard.press("Enter")]);
      expect(page.url()).toBe(billingGuide.source_url);
    });
  });

  describe("data-mode=page", () => {
    let page: Page;
    let scripts: string[];

    beforeAll(async () => {
      page = await newPage();
      scripts = [];
      page.on("request", (request) => {
        if (request.resourceType() === "script") scripts.push(new URL(request.url()).pathname);
      });
      await page.goto(sitePage("/page", { attributes: 'data-mode="page" data-title="Example Cloud help" data-welcome="Ask anything about Example Cloud."', body: "<main><h1 class=\"sr-only\">Help</h1></main>", style: ".sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }" }));
      await page.getByTestId("rag-chat-input").waitFor();
    }, 60_000);

    afterAll(async () => {
      await page?.close();
    });

    it("fills the page with the chat panel: no launcher, no dialog, only the page chunk loaded", async () => {
      expect(await page.getByTestId("rag-chat-launcher").count()).toBe(0);
      const region = page.getByRole("region", { name: "Example Cloud help" });
      expect(await region.isVisible()).toBe(true);
      const box = await region.boundingBox();
      expect(box).toEqual({ x: 0, y: 0, width: 1100, height: 760 });
      expect(scripts.filter((path) => path.startsWith("/widget"))).toEqual(["/widget.js", "/widget-page.js"]);
    });

    it("answers from the keyboard with a cited answer; axe-clean light and dark; saves docs/widget-page.png", async () => {
      await tabTo(page, "rag-chat:rag-chat-input");
      await page.keyboard.type("When is support open?");
      await page.keyboard.press("Enter");
      const answer = page.locator('[data-testid="rag-chat-message"][data-role="assistant"][data-status="done"]');
      await answer.waitFor({ timeout: 60_000 });
      expect(await answer.locator(".bubble").textContent()).toMatch(/Monday to Friday/);
      expect(await answer.getByTestId("rag-chat-citation").count()).toBeGreaterThan(0);
      await answer.locator("summary").click(); // the source cards, with the snippet
      // The source card shows the API's plain-text snippet with the question's words marked (text nodes + <mark>).
      const card = answer.locator(`li.source[data-document-id="${officeHours.id}"]`).first();
      expect(await card.locator("p").textContent()).toMatch(/^Our support desk is open Monday to Friday/);
      expect((await card.locator("p mark").allTextContents()).map((text) => text.toLowerCase())).toEqual(expect.arrayContaining(["support", "open"]));
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await expectAxeClean(page, "page mode");
      await page.screenshot({ path: join(root, "docs", "widget-page.png"), animations: "disabled", caret: "hide" });
    });
  });

  it("raised no errors in the pages", () => {
    expect(pageErrors).toEqual([]);
  });
});
