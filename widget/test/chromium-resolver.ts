/**
 * Which Chromium the browser tests drive, decided without side effects (the
 * caller passes the environment and a file check), in this order:
 *
 *   1. `CHROMIUM_PATH`, when set: that executable and nothing else;
 *   2. a Chromium or Chrome installed on the machine: on `PATH` (chromium,
 *      chromium-browser, google-chrome, ...) or in the usual places
 *      (/usr/bin/chromium, /snap/bin/chromium, /opt/google/chrome/chrome, the
 *      macOS applications);
 *   3. the Chromium inside the `@sparticuz/chromium` devDependency (Linux x64),
 *      unpacked from the npm package: no download.
 *
 * `EDGE_RAG_BROWSER=system` stops after step 2, `EDGE_RAG_BROWSER=bundled`
 * skips it (how the fallback is tested on a machine that has a Chromium).
 */
import { delimiter, join } from "node:path";

export type ChromiumSource = "env" | "system" | "bundled";

export type ChromiumChoice =
  | { source: "env" | "system"; executablePath: string }
  /** The bundled Chromium; unpacking it and finding its path is the launcher's job. */
  | { source: "bundled" };

export interface ResolveOptions {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  arch: string;
  /** Whether a file exists and may be executed. */
  isExecutable(path: string): boolean;
}

/** Executable names looked up on PATH, best first. */
export const systemChromiumNames = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

/** Where browsers are installed when they are not on PATH. */
export const usualChromiumLocations: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/opt/google/chrome/chrome",
  ],
  darwin: ["/Applications/Chromium.app/Contents/MacOS/Chromium", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"],
  win32: ["C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe"],
};

/** `@sparticuz/chromium` ships one Linux x64 build. */
export function bundledChromiumSupported(platform: NodeJS.Platform, arch: string): boolean {
  return platform === "linux" && arch === "x64";
}

/** The system browsers that exist, in lookup order (PATH first, then the usual places), without duplicates. */
export function findSystemChromium(options: ResolveOptions): string[] {
  const dirs = (options.env.PATH ?? "").split(options.platform === "win32" ? ";" : delimiter).filter(Boolean);
  const names = options.platform === "win32" ? systemChromiumNames.map((name) => `${name}.exe`) : systemChromiumNames;
  const candidates = [...names.flatMap((name) => dirs.map((dir) => join(dir, name))), ...(usualChromiumLocations[options.platform] ?? [])];
  return [...new Set(candidates)].filter((path) => options.isExecutable(path));
}

/** The browser to launch, or an error saying what was tried and how to fix it. */
export function resolveChromium(options: ResolveOptions): ChromiumChoice {
  const explicit = options.env.CHROMIUM_PATH?.trim();
  if (explicit) {
    if (!options.isExecutable(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} is not an executable file`);
    return { source: "env", executablePath: explicit };
  }
  const mode = options.env.EDGE_RAG_BROWSER?.trim() || "auto";
  if (mode !== "auto" && mode !== "system" && mode !== "bundled") {
    throw new Error(`EDGE_RAG_BROWSER must be "auto", "system" or "bundled" (got "${mode}")`);
  }
  if (mode !== "bundled") {
    const [found] = findSystemChromium(options);
    if (found) return { source: "system", executablePath: found };
    if (mode === "system") throw new Error("EDGE_RAG_BROWSER=system but no Chromium or Chrome is installed (looked on PATH and in the usual places)");
  }
  if (!bundledChromiumSupported(options.platform, options.arch)) {
    throw new Error(
      `no Chromium or Chrome found, and the bundled one (@sparticuz/chromium) runs on Linux x64 only (this is ${options.platform} ${options.arch}): ` +
        "install Chromium or Chrome, or set CHROMIUM_PATH",
    );
  }
  return { source: "bundled" };
}

/**
 * The project's flags: headless in a container (root needs --no-sandbox) and
 * off the network (no updates, sync, pings or QUIC).
 */
export const projectChromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * `@sparticuz/chromium`'s recommended flags that the tests must not inherit:
 * they switch off the web security the tests check (CORS, mixed content,
 * site isolation), force one process (a Lambda constraint), pick its own
 * headless mode (Playwright passes its own) or its GPU stack (we run without
 * one).
 */
const unwantedBundledFlags = new Set([
  "--disable-web-security",
  "--allow-running-insecure-content",
  "--disable-site-isolation-trials",
  "--disable-features",
  "--enable-features",
  "--single-process",
  "--headless",
  "--use-gl",
  "--use-angle",
  "--enable-unsafe-swiftshader",
  "--ignore-gpu-blocklist",
  "--in-process-gpu",
]);

/** The project's flags plus the bundled build's recommended ones that keep the browser's behaviour (no duplicates). */
export function bundledChromiumArgs(recommended: readonly string[]): string[] {
  const kept = recommended.filter((flag) => !unwantedBundledFlags.has(flag.split("=")[0]!));
  return [...new Set([...projectChromiumArgs, ...kept])];
}
