/**
 * The chat widget end to end, in a real browser against the real local
 * server (the worker on Miniflare with D1, Queues, the local embedding model
 * and the extractive generator): /demo loads the sample documents, the widget
 * opens from the keyboard, streams a cited answer, restores the conversation
 * after a reload, passes axe-core, and works from another site's page
 * (CORS). Saves the README screenshots under docs/.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalServer, type LocalServer } from "../../scripts/lib/local-server.js";
import { buildWidget } from "../../scripts/lib/widget-build.js";
import { billingGuide } from "../../functions/demo/sample-docs.js";
import { launchChromium } from "./chromium.js";
import { startPacingProxy } from "./pacing-proxy.js";
import { serveStatic } from "./static-server.js";

const root = resolve(import.meta.dirname, "../..");
const question = "How long do I have to ask for a refund?";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let server: LocalServer;
/** The local server behind a proxy that delivers answers event by event, as over a real network. */
let paced: Awaited<ReturnType<typeof startPacingProxy>>;
let stateDir: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: unknown; failureSummary: string }[];
}

declare global {
  interface Window {
    __partials: { length: number; hidden: boolean; inert: boolean }[];
    /** widget/src/public-api.ts (not imported: its types need the widget's DOM-only tsconfig). */
    RagChat?: { open(): void; close(): void; ask(text: string): Promise<void>; reset(): void; readonly element: HTMLElement | null };
    axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> };
  }
}

/** What has focus, looking through the widget's shadow root. */
async function focused(target: Page = page): Promise<string | null> {
  return target.evaluate(() => {
    const active = document.activeElement;
    if (active?.tagName === "RAG-CHAT") {
      const inner = active.shadowRoot?.activeElement;
      return inner ? `rag-chat:${inner.getAttribute("data-testid") ?? inner.getAttribute("part") ?? inner.tagName.toLowerCase()}` : "rag-chat";
    }
    return active ? active.tagName.toLowerCase() : null;
  });
}

/** Tabs through the page until the widget's launcher has focus (keyboard only). */
async function tabToLauncher(target: Page = page): Promise<void> {
  for (let i = 0; i < 50 && (await focused(target)) !== "rag-chat:rag-chat-launcher"; i++) await target.keyboard.press("Tab");
  expect(await focused(target)).toBe("rag-chat:rag-chat-launcher");
}

async function waitForDemoReady(): Promise<void> {
  await page.waitForFunction(() => document.querySelector("[data-testid=demo-status]")?.getAttribute("data-state") !== "checking" && document.querySelector("[data-testid=demo-status]")?.getAttribute("data-state") !== "loading", undefined, {
    timeout: 120_000,
  });
  expect(await page.getByTestId("demo-status").getAttribute("data-state"), await page.getByTestId("demo-status").textContent() ?? "").toBe("ready");
}

async function runAxe(): Promise<AxeViolation[]> {
  await page.evaluate(axeSource); // through DevTools, so the page's CSP does not block it
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return violations;
}

function describeViolations(violations: AxeViolation[]): string {
  return violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.help}\n${violation.nodes.map((node) => `  ${JSON.stringify(node.target)}: ${node.failureSummary}`).join("\n")}`).join("\n");
}

beforeAll(async () => {
  await buildWidget(root); // idempotent: rewrites dist/assets/widget.js only if it changed
  stateDir = mkdtempSync(join(tmpdir(), "edge-rag-widget-e2e-"));
  server = await startLocalServer({ root, port: 0, stateDir, reset: true });
  paced = await startPacingProxy(server.url, { delayMs: 25 });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1100, height: 760 }, colorScheme: "light" });
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await paced?.close();
  await server?.dispose();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}, 180_000);

describe("chat widget in Chromium against the local server", () => {
  it("serves widget.js as a cacheable, cross-origin-readable static asset", async () => {
    const response = await fetch(new URL("/widget.js", server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const etag = response.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect(await response.text()).toBe(readFileSync(join(root, "dist", "assets", "widget.js"), "utf8"));
    const revalidated = await fetch(new URL("/widget.js", server.url), { headers: { "if-none-match": etag! } });
    expect(revalidated.status).toBe(304);
    // The headers file configures; it is not served.
    expect((await fetch(new URL("/_headers", server.url))).status).toBe(404);
  });

  it("loads the sample documents into the empty index on the first visit to /demo", async () => {
    await page.goto(new URL("/demo", paced.url).href);
    await waitForDemoReady();
    expect(await page.getByTestId("demo-status").textContent()).toMatch(/4 sample documents are indexed/);
  });

  it("opens from the keyboard as a modal dialog, with focus in the question box", async () => {
    await tabToLauncher();
    expect(await page.getByTestId("rag-chat-launcher").getAttribute("aria-expanded")).toBe("false");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Example Cloud help" });
    await dialog.waitFor({ state: "visible" });
    expect(await dialog.getAttribute("aria-modal")).toBe("true");
    expect(await page.getByTestId("rag-chat-launcher").getAttribute("aria-expanded")).toBe("true");
    expect(await focused()).toBe("rag-chat:rag-chat-input");
  });

  it("streams the answer token by token and cites the sample document it comes from", async () => {
    // Record what the streaming message shows at each render.
    await page.evaluate(() => {
      window.__partials = [];
      const log = document.querySelector("rag-chat")!.shadowRoot!.querySelector(".log")!;
      new MutationObserver(() => {
        const streaming = log.querySelector<HTMLElement>('[data-status="streaming"]');
        if (streaming) {
          window.__partials.push({
            length: (streaming.querySelector(".bubble p")?.textContent ?? "").length,
            hidden: streaming.getAttribute("aria-hidden") === "true",
            inert: streaming.hasAttribute("inert"),
          });
        }
      }).observe(log, { childList: true, subtree: true, characterData: true });
    });
    await page.keyboard.type(question);
    await page.keyboard.press("Enter");
    await page.getByTestId("rag-chat-stop").waitFor({ state: "visible" });
    await page.locator('[data-testid="rag-chat-message"][data-role="assistant"][data-status="done"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("rag-chat-stop").isHidden()).toBe(true);
    expect(await page.getByTestId("rag-chat-send").isVisible()).toBe(true);

    const answer = page.locator('[data-testid="rag-chat-message"][data-role="assistant"]').last();
    const answerText = (await answer.locator(".bubble").textContent()) ?? "";
    expect(answerText).toMatch(/30 days/);
    // Streamed: partial answers were on screen before the whole one, hidden from screen readers meanwhile.
    const partials = await page.evaluate(() => window.__partials);
    const partialLengths = new Set(partials.map((partial) => partial.length).filter((length) => length > 0 && length < answerText.length));
    expect(partialLengths.size, JSON.stringify(partials)).toBeGreaterThanOrEqual(2);
    expect(partials.every((partial) => partial.hidden && partial.inert)).toBe(true);
    // The finished answer is announced: it sits in the polite live log, not hidden.
    expect(await answer.getAttribute("aria-hidden")).toBeNull();
    expect(await page.getByRole("log").getAttribute("aria-live")).toBe("polite");

    // A citation leads to its source card: the billing guide, linked to its URL.
    const citations = answer.getByTestId("rag-chat-citation");
    expect(await citations.count()).toBeGreaterThan(0);
    const cited = await citations.evaluateAll((buttons) => buttons.map((button) => Number((button as HTMLElement).dataset.cite)));
    const billingCard = answer.locator(`li.source[data-document-id="${billingGuide.id}"]`).first();
    const billingNumber = Number(await billingCard.getAttribute("data-source"));
    expect(cited).toContain(billingNumber);
    const citation = answer.locator(`[data-testid="rag-chat-citation"][data-cite="${billingNumber}"]`).first();
    expect(await citation.getAttribute("aria-label")).toBe(`Source ${billingNumber}: ${billingGuide.title}`);
    await citation.focus();
    await page.keyboard.press("Enter");
    await billingCard.waitFor({ state: "visible" });
    expect(await focused()).toBe("rag-chat:source");
    const link = billingCard.locator("a.source-title");
    expect(await link.textContent()).toBe(billingGuide.title);
    expect(await link.getAttribute("href")).toBe(billingGuide.source_url);
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await link.getAttribute("target")).toBe("_blank");
  });

  it("sends thumbs up/down to /v1/feedback with the answer's sources", async () => {
    const answer = page.locator('[data-testid="rag-chat-message"][data-role="assistant"]').last();
    await answer.getByRole("button", { name: "Helpful", exact: true }).click();
    await answer.getByText("Thanks for your feedback.").waitFor();
    expect(await answer.getByRole("button", { name: "Helpful", exact: true }).getAttribute("aria-pressed")).toBe("true");
    const db = await server.miniflare.getD1Database("DB");
    const row = await db.prepare("SELECT rating, question, answer, sources FROM feedback").first<{ rating: string; question: string; answer: string; sources: string }>();
    expect(row).toMatchObject({ rating: "up", question });
    expect(row!.answer).toMatch(/30 days/);
    const sources = JSON.parse(row!.sources) as { n: number; document_id: string; chunk_id: string }[];
    expect(sources.some((source) => source.document_id === billingGuide.id)).toBe(true);
    expect(Object.keys(sources[0]!).sort()).toEqual(["chunk_id", "document_id", "n"]);
  });

  it("traps focus in the dialog; Esc closes it and returns focus to the launcher", async () => {
    await page.getByTestId("rag-chat-input").focus();
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press(i < 15 ? "Tab" : "Shift+Tab");
      expect(await focused()).toMatch(/^rag-chat:/);
      expect(await focused()).not.toBe("rag-chat:rag-chat-launcher");
    }
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    expect(await focused()).toBe("rag-chat:rag-chat-launcher");
    expect(await page.getByTestId("rag-chat-launcher").getAttribute("aria-expanded")).toBe("false");
  });

  it("restores the conversation after a reload", async () => {
    const messages = page.locator('[data-testid="rag-chat-message"] .bubble');
    const before = await messages.allTextContents();
    expect(before).toHaveLength(2);
    await page.reload();
    await waitForDemoReady();
    await tabToLauncher();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor({ state: "visible" });
    expect(await messages.allTextContents()).toEqual(before);
    const answer = page.locator('[data-testid="rag-chat-message"][data-role="assistant"]');
    expect(await answer.getAttribute("data-status")).toBe("done");
    expect(await answer.getByTestId("rag-chat-citation").count()).toBeGreaterThan(0);
    expect(await answer.getByRole("button", { name: "Helpful", exact: true }).getAttribute("aria-pressed")).toBe("true");
  });

  it("has no axe-core violations, closed and open, light and dark; saves the README screenshots", async () => {
    const answer = page.locator('[data-testid="rag-chat-message"][data-role="assistant"]').last();
    await answer.locator("summary").click(); // show the source cards
    await page.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      window.scrollTo(0, 0); // the same picture on every run (the snippet, with its port, is below the fold)
    });
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = await runAxe();
      expect(violations, describeViolations(violations)).toEqual([]);
      await page.screenshot({ path: join(root, "docs", `widget-${scheme}.png`), animations: "disabled", caret: "hide" });
    }
    await page.getByTestId("rag-chat-input").focus();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = await runAxe();
      expect(violations, describeViolations(violations)).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("respects prefers-reduced-motion", async () => {
    const animation = () => page.evaluate(() => getComputedStyle(document.querySelector("rag-chat")!.shadowRoot!.querySelector(".panel")!).animationName);
    await page.emulateMedia({ reducedMotion: "no-preference" });
    expect(await animation()).toBe("rag-chat-in");
    await page.emulateMedia({ reducedMotion: "reduce" });
    expect(await animation()).toBe("none");
  });

  it("works from another site's page with the one-script-tag snippet (CORS)", async () => {
    const api = server.url.href.replace(/\/$/, "");
    const site = await serveStatic({
      "/": {
        type: "text/html",
        body: `<!doctype html><html lang="en"><head><title>Another site</title></head><body><main><h1>Another site</h1></main>
          <script src="${api}/widget.js" data-key="local-dev-key" data-title="Help" data-theme="dark" data-accent="#ffd33d" data-lang="de" defer></script></body></html>`,
      },
    });
    const other = await context.newPage();
    try {
      await other.goto(site.url);
      expect(new URL(other.url()).origin).not.toBe(new URL(api).origin);
      await tabToLauncher(other);
      await other.keyboard.press("Enter");
      expect(await other.getByTestId("rag-chat-launcher").getAttribute("aria-label")).toBe("Chat schließen"); // data-lang="de"
      await other.keyboard.type("When is support open?");
      await other.keyboard.press("Enter");
      const answer = other.locator('[data-testid="rag-chat-message"][data-role="assistant"]').last();
      await answer.and(other.locator('[data-status="done"]')).waitFor({ timeout: 60_000 });
      expect(await answer.locator(".bubble").textContent()).toMatch(/Monday to Friday/);
      // A light accent gets dark text (contrast), whatever the page's theme.
      const accentText = await other.evaluate(() => getComputedStyle(document.querySelector("rag-chat")!.shadowRoot!.querySelector(".launcher")!).color);
      expect(accentText).toBe("rgb(17, 17, 17)");
      await answer.getByRole("button", { name: "Nicht hilfreich" }).click();
      await answer.getByText("Danke für Ihr Feedback.").waitFor();
      const violations = await (async () => {
        await other.evaluate(axeSource);
        return (await other.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }))).violations;
      })();
      expect(violations, describeViolations(violations)).toEqual([]);
    } finally {
      await other.close();
      await site.close();
    }
  });

  it("stops an answer for good: no reconnect, the partial answer kept", async () => {
    const slow = await startPacingProxy(server.url, { delayMs: 300 }); // long enough to press stop mid-answer
    const fresh = await context.newPage();
    const chatRequests: { method: string; roles: string[] }[] = [];
    fresh.on("request", (request) => {
      if (request.url().endsWith("/v1/chat")) chatRequests.push({ method: request.method(), roles: (JSON.parse(request.postData() ?? "{}").messages ?? []).map((turn: { role: string }) => turn.role) });
    });
    try {
      await fresh.goto(new URL("/demo", slow.url).href);
      await fresh.evaluate(() => window.RagChat!.open());
      await fresh.getByTestId("rag-chat-input").fill("What does error code E4 mean?");
      await fresh.getByTestId("rag-chat-send").click();
      // The answer is a list item since extractive answers keep lists (issue 11): any text block counts.
      const streaming = fresh.locator('[data-testid="rag-chat-message"][data-status="streaming"] .bubble :is(p, li)').first();
      await streaming.waitFor(); // some text is on screen
      await fresh.getByTestId("rag-chat-stop").click();
      const stopped = fresh.locator('[data-testid="rag-chat-message"][data-role="assistant"][data-status="stopped"]');
      await stopped.waitFor();
      expect(await stopped.textContent()).toContain("Answer stopped.");
      expect(await fresh.getByTestId("rag-chat-send").isVisible()).toBe(true);
      expect(await focused(fresh)).toBe("rag-chat:rag-chat-input"); // not lost with the hidden stop button
      // The next question goes out normally, with the conversation so far as context; the stopped one was never re-requested.
      await fresh.evaluate(() => window.RagChat!.ask("When is support open?"));
      await fresh.locator('[data-testid="rag-chat-message"][data-role="assistant"][data-status="done"]').waitFor({ timeout: 60_000 });
      expect(chatRequests).toEqual([
        { method: "POST", roles: ["user"] },
        { method: "POST", roles: ["user", "assistant", "user"] },
      ]);
    } finally {
      await fresh.close();
      await slow.close();
    }
  });

  it("shows rate limits and errors readably, and retries", async () => {
    const fresh = await context.newPage();
    try {
      await fresh.goto(new URL("/demo", paced.url).href);
      let refusals = 0;
      await fresh.route("**/v1/chat", async (route) => {
        if (refusals++ > 0) return route.fallback();
        await route.fulfill({
          status: 429,
          headers: { "content-type": "application/json", "retry-after": "1" },
          body: JSON.stringify({ error: { code: "RATE_LIMITED", message: "too many requests" } }),
        });
      });
      await fresh.evaluate(() => window.RagChat!.ask("When is support open?"));
      const failed = fresh.locator('[data-testid="rag-chat-message"][data-status="error"]');
      await failed.waitFor();
      expect(await failed.textContent()).toContain("Too many questions right now. Try again in 1 seconds.");
      const retry = failed.getByRole("button", { name: "Retry" });
      expect(await retry.isDisabled()).toBe(true);
      await retry.click({ timeout: 30_000 }); // waits until Retry-After has passed and the button is enabled
      const answer = fresh.locator('[data-testid="rag-chat-message"][data-role="assistant"][data-status="done"]');
      await answer.waitFor({ timeout: 60_000 });
      expect(await answer.textContent()).toMatch(/Monday to Friday/);
      expect(await fresh.locator('[data-testid="rag-chat-message"][data-status="error"]').count()).toBe(0);
      expect(await fresh.locator('[data-testid="rag-chat-message"][data-role="user"]').count()).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it("shows its own localised sentence, and no sources, when the API declines (grounded: false)", async () => {
    const fresh = await context.newPage();
    try {
      await fresh.goto(new URL("/demo", server.url).href);
      await fresh.waitForFunction(() => window.RagChat?.element !== null);
      await fresh.evaluate(() => window.RagChat!.element!.setAttribute("data-lang", "de"));
      await fresh.evaluate(() => window.RagChat!.ask("Who won the football world cup in 2014?"));
      const done = fresh.locator('[data-testid="rag-chat-message"][data-role="assistant"][data-status="done"]');
      await done.waitFor({ timeout: 60_000 });
      expect(await done.textContent()).toContain("Das konnte ich in den Dokumenten nicht finden.");
      expect(await done.textContent()).not.toContain("couldn't find");
      expect(await done.locator('[part="sources"]').count()).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it("has a JS API and events: open, ask, message, close, reset", async () => {
    const fresh = await context.newPage();
    try {
      await fresh.goto(new URL("/demo", paced.url).href);
      await fresh.waitForFunction(() => window.RagChat?.element !== null);
      await fresh.evaluate(() => {
        (window as unknown as { __events: unknown[] }).__events = [];
        for (const type of ["rag-chat:open", "rag-chat:close", "rag-chat:message"]) {
          window.addEventListener(type, (event) => {
            const detail = (event as CustomEvent).detail;
            (window as unknown as { __events: unknown[] }).__events.push(detail ? { type, role: detail.role, content: detail.content, sources: detail.sources?.length } : { type });
          });
        }
      });
      await fresh.evaluate(() => window.RagChat!.ask("When is support open?"));
      await fresh.locator('[data-testid="rag-chat-message"][data-role="assistant"][data-status="done"]').waitFor({ timeout: 60_000 });
      await fresh.evaluate(() => window.RagChat!.close());
      const events = (await fresh.evaluate(() => (window as unknown as { __events: { type: string; role?: string; content?: string; sources?: number }[] }).__events)) ?? [];
      expect(events.map((event) => `${event.type}${event.role ? `:${event.role}` : ""}`)).toEqual(["rag-chat:open", "rag-chat:message:user", "rag-chat:message:assistant", "rag-chat:close"]);
      expect(events[2]!.content).toMatch(/Monday to Friday/);
      expect(events[2]!.sources).toBeGreaterThan(0);
      const stored = () => fresh.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith("rag-chat:")).length);
      expect(await stored()).toBe(1);
      await fresh.evaluate(() => window.RagChat!.reset());
      expect(await fresh.getByTestId("rag-chat-message").count()).toBe(0);
      expect(await stored()).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it("raised no errors in the pages", () => {
    expect(pageErrors).toEqual([]);
  });
});
