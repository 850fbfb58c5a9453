/**
 * How the browser tests find Chromium (CHROMIUM_PATH, a system browser, the
 * bundled @sparticuz/chromium), and one real launch of the bundled browser:
 * it starts without a system Chromium, renders text with a real font, and
 * still enforces the web security the widget's tests rely on.
 */
import type { Browser } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { launchResolvedChromium } from "./chromium.js";
import { bundledChromiumArgs, bundledChromiumSupported, projectChromiumArgs, resolveChromium, type ResolveOptions } from "./chromium-resolver.js";
import { serveStatic } from "./static-server.js";

function options(env: ResolveOptions["env"], executables: string[], platform: NodeJS.Platform = "linux", arch = "x64"): ResolveOptions {
  return { env, platform, arch, isExecutable: (path) => executables.includes(path) };
}

describe("resolving Chromium", () => {
  it("takes CHROMIUM_PATH over any installed browser, and refuses one that is not there", () => {
    expect(resolveChromium(options({ CHROMIUM_PATH: "/opt/my/chrome", PATH: "/usr/bin" }, ["/opt/my/chrome", "/usr/bin/chromium"]))).toEqual({ source: "env", executablePath: "/opt/my/chrome" });
    expect(() => resolveChromium(options({ CHROMIUM_PATH: "/opt/missing", PATH: "/usr/bin" }, ["/usr/bin/chromium"]))).toThrow(/CHROMIUM_PATH=\/opt\/missing/);
  });

  it("finds a system browser on PATH first, then in the usual places", () => {
    expect(resolveChromium(options({ PATH: "/home/me/bin:/usr/bin" }, ["/home/me/bin/google-chrome", "/usr/bin/chromium"]))).toEqual({ source: "system", executablePath: "/usr/bin/chromium" });
    expect(resolveChromium(options({ PATH: "/home/me/bin" }, ["/home/me/bin/google-chrome", "/usr/bin/chromium"]))).toEqual({ source: "system", executablePath: "/home/me/bin/google-chrome" });
    expect(resolveChromium(options({ PATH: "/home/me/bin" }, ["/opt/google/chrome/chrome"]))).toEqual({ source: "system", executablePath: "/opt/google/chrome/chrome" });
    expect(resolveChromium(options({}, ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"], "darwin", "arm64"))).toEqual({
      source: "system",
      executablePath: "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    });
  });

  it("falls back to the bundled Chromium when none is installed, or when EDGE_RAG_BROWSER=bundled", () => {
    expect(resolveChromium(options({ PATH: "/usr/bin" }, []))).toEqual({ source: "bundled" });
    expect(resolveChromium(options({ PATH: "/usr/bin", EDGE_RAG_BROWSER: "bundled" }, ["/usr/bin/chromium"]))).toEqual({ source: "bundled" });
    expect(() => resolveChromium(options({ PATH: "/usr/bin", EDGE_RAG_BROWSER: "system" }, []))).toThrow(/EDGE_RAG_BROWSER=system/);
    expect(() => resolveChromium(options({ EDGE_RAG_BROWSER: "firefox" }, []))).toThrow(/EDGE_RAG_BROWSER must be/);
  });

  it("says what to do where the bundled build cannot run", () => {
    expect(bundledChromiumSupported("linux", "arm64")).toBe(false);
    expect(() => resolveChromium(options({ PATH: "/usr/bin" }, [], "linux", "arm64"))).toThrow(/Linux x64 only.*CHROMIUM_PATH/);
    expect(() => resolveChromium(options({}, [], "darwin", "arm64"))).toThrow(/install Chromium or Chrome/);
  });

  it("keeps the project's flags and drops the bundled build's flags that weaken web security", async () => {
    const { default: sparticuz } = await import("@sparticuz/chromium");
    expect(sparticuz.args).toContain("--disable-web-security"); // what is being filtered out is really there
    const args = bundledChromiumArgs(sparticuz.args);
    expect(args).toEqual(expect.arrayContaining([...projectChromiumArgs, "--no-zygote"]));
    for (const unwanted of ["--disable-web-security", "--allow-running-insecure-content", "--disable-site-isolation-trials", "--single-process"]) {
      expect(args).not.toContain(unwanted);
    }
    expect(args.some((flag) => flag.startsWith("--disable-features=") || flag.startsWith("--headless"))).toBe(false);
    expect(new Set(args).size).toBe(args.length);
  });
});

// Runs wherever the bundled build can (EDGE_RAG_BROWSER=system opts out), also on machines with a system Chromium.
describe.skipIf(!bundledChromiumSupported(process.platform, process.arch) || process.env.EDGE_RAG_BROWSER === "system")("the bundled Chromium", () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it("launches with no CHROMIUM_PATH and no system browser, renders text in a real font and keeps CORS", async () => {
    const launched = await launchResolvedChromium({ ...process.env, CHROMIUM_PATH: undefined, EDGE_RAG_BROWSER: "bundled" });
    browser = launched.browser;
    expect(launched.source).toBe("bundled");
    expect(launched.executablePath).toMatch(/edge-rag-chromium-[\d.]+-\w+\/chromium$/);

    const site = await serveStatic({ "/": { type: "text/html", body: '<!doctype html><html lang="en"><title>t</title><p id="text" style="font-family: sans-serif">Hello, world</p>' } });
    const other = await serveStatic({ "/data": { type: "text/plain", body: "secret" } });
    try {
      const page = await browser.newPage();
      await page.goto(site.url);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("DOM.enable");
      await cdp.send("CSS.enable");
      const { root } = await cdp.send("DOM.getDocument");
      const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector: "#text" });
      const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
      expect(fonts.reduce((glyphs, font) => glyphs + font.glyphCount, 0)).toBe("Hello, world".length);

      // Another origin without CORS headers stays unreadable (no --disable-web-security).
      const crossOrigin = await page.evaluate((url) => fetch(url).then((response) => response.text()).catch((error: Error) => `refused: ${error.name}`), `${other.url}/data`);
      expect(crossOrigin).toBe("refused: TypeError");
    } finally {
      await site.close();
      await other.close();
    }
  });
});
