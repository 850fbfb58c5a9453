/**
 * The Chromium that ships inside the `@sparticuz/chromium` devDependency
 * (brotli-compressed in the npm package: nothing is downloaded), unpacked
 * once per package version and user into `<tmpdir>/edge-rag-chromium-<version>-<uid>/`.
 *
 * - The package's own `executablePath()` does the unpacking, in a child
 *   process whose TMPDIR is a fresh staging directory; the staging directory
 *   is then renamed into place. A directory that exists is therefore
 *   complete, and test files that start at the same time cannot pick up a
 *   half-written binary (the package itself would hand one out from a shared
 *   /tmp/chromium).
 * - The child declares itself Amazon Linux 2023, so the package also unpacks
 *   the NSS, NSPR and expat libraries it ships for that system. They are used
 *   only when this machine lacks its own (`ldd` reports them missing, e.g. a
 *   slim container without Debian's libnss3).
 * - A fontconfig file adds the package's Open Sans to the system's fonts, so
 *   text renders on a machine without any font installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

export interface BundledChromium {
  executablePath: string;
  /** Environment additions for the browser process (fonts; libraries when the system lacks them). */
  env: Record<string, string>;
  /** The package's recommended flags (filter them: see chromium-resolver.ts). */
  recommendedArgs: string[];
  version: string;
}

const require = createRequire(import.meta.url);

function packageRoot(): string {
  // The package exports only ".", so find its root from the CommonJS entry (build/cjs/index.cjs).
  return join(dirname(require.resolve("@sparticuz/chromium")), "..", "..");
}

/** Unpacks the bundled Chromium (once per version and machine) and says how to run it. */
export async function bundledChromium(): Promise<BundledChromium> {
  const root = packageRoot();
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  const dir = join(tmpdir(), `edge-rag-chromium-${version}-${process.getuid?.() ?? "user"}`);
  if (!existsSync(dir)) unpack(root, dir);
  const executablePath = join(dir, "chromium");
  const env: Record<string, string> = { FONTCONFIG_FILE: join(dir, "fonts.conf") };
  const libraries = join(dir, "al2023", "lib");
  if (missingSharedLibraries(executablePath).length > 0 && existsSync(libraries)) {
    env.LD_LIBRARY_PATH = [libraries, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  }
  const { default: chromium } = (await import("@sparticuz/chromium")) as { default: { args: string[] } };
  return { executablePath, env, recommendedArgs: chromium.args, version };
}

function unpack(root: string, dir: string): void {
  const staging = mkdtempSync(`${dir}.staging-`);
  try {
    const entry = pathToFileURL(join(root, "build", "esm", "index.js")).href;
    const script = `const { default: chromium } = await import(${JSON.stringify(entry)}); process.stdout.write(await chromium.executablePath());`;
    const unpacked = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, TMPDIR: staging, AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (unpacked !== join(staging, "chromium")) throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, expected ${join(staging, "chromium")}`);
    writeFileSync(
      join(staging, "fonts.conf"),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        "<fontconfig>",
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        `  <dir>${join(dir, "fonts")}</dir>`,
        `  <cachedir>${join(dir, "fonts-cache")}</cachedir>`,
        "</fontconfig>",
        "",
      ].join("\n"),
    );
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another process finished first: its copy is complete.
    if (existsSync(dir) && isRenameConflict(error)) return;
    throw error;
  }
}

function isRenameConflict(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOTEMPTY" || code === "EEXIST";
}

/** Shared libraries the executable needs that the system cannot provide (["?"] when `ldd` cannot tell). */
export function missingSharedLibraries(executablePath: string): string[] {
  try {
    const output = execFileSync("ldd", [executablePath], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return [...output.matchAll(/^\s*(\S+) => not found/gm)].map((match) => match[1]!);
  } catch {
    return ["?"];
  }
}
