/**
 * Chromium driven by playwright-core, for the widget's browser tests. Never a
 * browser download: `CHROMIUM_PATH`, else a Chromium or Chrome installed on
 * the machine, else the one inside the `@sparticuz/chromium` devDependency
 * (see chromium-resolver.ts for the order, bundled-chromium.ts for the
 * unpacking). A system browser that was found but will not start (e.g.
 * Ubuntu's chromium-browser stub without snap) gives way to the bundled one.
 */
import { accessSync, constants, statSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { bundledChromium } from "./bundled-chromium.js";
import { bundledChromiumArgs, bundledChromiumSupported, projectChromiumArgs, resolveChromium, type ChromiumSource } from "./chromium-resolver.js";

export interface LaunchedChromium {
  browser: Browser;
  source: ChromiumSource;
  executablePath: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Launches headless Chromium (see the module comment for which one). */
export async function launchChromium(): Promise<Browser> {
  return (await launchResolvedChromium()).browser;
}

/** Like launchChromium, and says which browser it started. `env` defaults to process.env. */
export async function launchResolvedChromium(env: Record<string, string | undefined> = process.env): Promise<LaunchedChromium> {
  const choice = resolveChromium({ env, platform: process.platform, arch: process.arch, isExecutable });
  if (choice.source === "bundled") return launchBundled();
  try {
    const browser = await chromium.launch({ executablePath: choice.executablePath, headless: true, args: projectChromiumArgs });
    return { browser, source: choice.source, executablePath: choice.executablePath };
  } catch (error) {
    if (choice.source !== "system" || env.EDGE_RAG_BROWSER === "system" || !bundledChromiumSupported(process.platform, process.arch)) throw error;
    console.warn(`${choice.executablePath} did not start (${String(error).split("\n")[0]}); using the bundled Chromium (@sparticuz/chromium) instead`);
    return launchBundled();
  }
}

async function launchBundled(): Promise<LaunchedChromium> {
  const bundled = await bundledChromium();
  try {
    const browser = await chromium.launch({
      executablePath: bundled.executablePath,
      headless: true,
      args: bundledChromiumArgs(bundled.recommendedArgs),
      env: { ...process.env, ...bundled.env },
    });
    return { browser, source: "bundled", executablePath: bundled.executablePath };
  } catch (error) {
    const hint = /error while loading shared libraries/.test(String(error))
      ? " It needs shared libraries this system lacks (see the error); on Debian or Ubuntu, `apt-get install chromium` (or libnss3) and/or set CHROMIUM_PATH."
      : "";
    throw new Error(`the bundled Chromium ${bundled.version} (${bundled.executablePath}) did not start.${hint}\n${String(error)}`, { cause: error });
  }
}
