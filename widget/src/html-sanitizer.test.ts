/**
 * The answer renderer against an XSS payload corpus, in a real browser
 * (Chromium through playwright-core, see widget/test/chromium.ts): every
 * payload goes through the sanitiser alone and through the full Markdown →
 * sanitiser pipeline, the result is put into a live shadow root, and a
 * global hook counts executions.
 * Positive controls (unsanitised payloads that do run) prove the hook and
 * that the page had time to fire asynchronous handlers.
 */
import { join } from "node:path";
import * as esbuild from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { widgetBundleOptions } from "../../scripts/lib/widget-build.js";
import { launchChromium } from "../test/chromium.js";
import { serveStatic } from "../test/static-server.js";
import { xssPayloads } from "../test/xss-payloads.js";

const allowedTags = ["P", "BR", "STRONG", "EM", "CODE", "PRE", "UL", "OL", "LI", "BLOCKQUOTE", "HR", "A", "BUTTON", "SPAN"];
const allowedAttributes = ["href", "class", "type", "start", "data-cite", "data-testid", "aria-label", "target", "rel"];

interface Rendered {
  html: string;
  tags: string[];
  attributes: string[];
  links: { protocol: string; rel: string | null; target: string | null }[];
}

declare global {
  interface Window {
    __xss(label?: string): void;
    __xssHits: string[];
    __controls: Set<string>;
    __render(input: string, pipeline: "sanitizer" | "markdown"): Rendered;
  }
}

let browser: Browser;
let page: Page;
let server: Awaited<ReturnType<typeof serveStatic>>;

beforeAll(async () => {
  const bundle = await esbuild.build({
    ...widgetBundleOptions(),
    stdin: {
      contents: `
        import { renderMarkdown } from "./markdown-renderer.ts";
        import { sanitizeHtml } from "./html-sanitizer.ts";
        window.__render = (input, pipeline) => {
          const fragment = sanitizeHtml(pipeline === "markdown" ? renderMarkdown(input, { citations: new Set([1, 2]) }) : input);
          // Into a live shadow root, as in the widget, where anything that survived could run.
          const host = document.body.appendChild(document.createElement("div"));
          const root = host.attachShadow({ mode: "open" });
          const container = root.appendChild(document.createElement("div"));
          container.append(fragment);
          const elements = [...container.querySelectorAll("*")];
          return {
            html: container.innerHTML,
            tags: elements.map((element) => element.tagName),
            attributes: elements.flatMap((element) => element.getAttributeNames()),
            links: [...container.querySelectorAll("a")].map((a) => ({ protocol: a.href ? new URL(a.href).protocol : "", rel: a.getAttribute("rel"), target: a.getAttribute("target") })),
          };
        };
      `,
      resolveDir: join(import.meta.dirname),
      loader: "ts",
    },
    write: false,
  });
  server = await serveStatic({
    "/": {
      type: "text/html",
      body: `<!doctype html><html lang="en"><head><title>sanitiser test</title><script>
        window.__xssHits = [];
        window.__controls = new Set();
        window.__xss = (label) => window.__xssHits.push(String(label ?? "hit"));
        window.alert = window.confirm = window.prompt = () => window.__xss("dialog");
      </script></head><body></body></html>`,
    },
    "/renderer.js": { type: "text/javascript", body: bundle.outputFiles[0]!.text },
  });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("dialog", (dialog) => {
    void dialog.dismiss();
    void page.evaluate(() => window.__xss("native dialog")).catch(() => undefined);
  });
  await page.goto(server.url);
  await page.addScriptTag({ url: "/renderer.js" });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
}, 180_000);

/** Puts unsanitised handlers of the asynchronous kinds into the page and waits until they have all run. */
async function runControlsAndSettle(): Promise<void> {
  await page.evaluate(() => {
    const host = document.body.appendChild(document.createElement("div"));
    host.innerHTML = `
      <img src="x:" onerror="__controls.add('img')">
      <details open ontoggle="__controls.add('details')"></details>
      <video><source src="x:" onerror="__controls.add('video')"></video>
      <svg><animate onbegin="__controls.add('svg')" attributeName="x" dur="1s"></animate></svg>`;
  });
  await page.waitForFunction(() => ["img", "details", "video", "svg"].every((name) => window.__controls.has(name)), undefined, { timeout: 30_000 });
  // Two more frames for anything queued behind the controls.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

function expectInert(rendered: Rendered, payload: string): void {
  const context = `${payload}\n→ ${rendered.html}`;
  for (const tag of rendered.tags) expect(allowedTags, context).toContain(tag);
  for (const attribute of rendered.attributes) expect(allowedAttributes, context).toContain(attribute);
  for (const link of rendered.links) {
    expect(["http:", "https:", "mailto:", ""], context).toContain(link.protocol);
    expect(link.rel, context).toBe("noopener noreferrer");
    expect(link.target, context).toBe("_blank");
  }
}

describe("answer sanitising (Chromium)", () => {
  for (const [group, payloads] of Object.entries(xssPayloads)) {
    it(`runs none of the ${group} payloads (${payloads.length})`, async () => {
      const results: [string, Rendered][] = [];
      for (const payload of payloads) {
        for (const pipeline of ["sanitizer", "markdown"] as const) {
          results.push([`[${pipeline}] ${payload}`, await page.evaluate(([input, mode]) => window.__render(input, mode), [payload, pipeline] as const)]);
        }
      }
      await runControlsAndSettle();
      expect(await page.evaluate(() => window.__xssHits)).toEqual([]);
      for (const [context, rendered] of results) expectInert(rendered, context);
    });
  }

  it("counts executions (the hook works: an unsanitised payload is caught)", async () => {
    await page.evaluate(() => {
      document.body.appendChild(document.createElement("div")).innerHTML = '<img src="x:" onerror="__xss(\'control\')">';
    });
    await page.waitForFunction(() => window.__xssHits.includes("control"), undefined, { timeout: 30_000 });
    await page.evaluate(() => (window.__xssHits = []));
  });

  it("keeps what answers need: links open safely in a new tab, citations become buttons, code stays text", async () => {
    const rendered = await page.evaluate(() =>
      window.__render("See the [refund policy](https://docs.example.com/billing) [1], or `<b>` and **bold** _text_ [3].\n\n1. one\n2. two", "markdown"),
    );
    expect(rendered.html).toContain('<a href="https://docs.example.com/billing" target="_blank" rel="noopener noreferrer">refund policy</a>');
    expect(rendered.html).toContain('<button type="button" class="cite" data-cite="1" data-testid="rag-chat-citation" aria-label="Source 1">1</button>');
    expect(rendered.html).toContain("[3]"); // not one of the answer's sources: stays text
    expect(rendered.html).toContain("<code>&lt;b&gt;</code>");
    expect(rendered.html).toContain("<strong>bold</strong> <em>text</em>");
    expect(rendered.html).toContain("<ol><li>one</li><li>two</li></ol>");
  });
});
