/**
 * Builds the chat widget (widget/src) into `dist/assets/widget.js`, a
 * minified IIFE, and copies widget/public (the `_headers` file) beside it.
 * `dist/assets` is the Workers Static Assets directory of wrangler.toml, so
 * `wrangler deploy`, the local server and its tests all serve this output.
 *
 * Used by `npm run build:widget` (run by postinstall, dev, check and deploy)
 * and, in watch mode, by the local dev server.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

export interface WidgetBuild {
  path: string;
  bytes: number;
  /** gzip at level 9 (what `gzip -9` and CDNs' best gzip give). */
  gzipBytes: number;
  brotliBytes: number;
  /** SHA-256 of widget.js, hex. */
  sha256: string;
}

/** The size budget of widget.js, gzipped: 25 kB (decimal, the stricter reading of "25 KB"). */
export const widgetGzipBudgetBytes = 25_000;

export function widgetAssetsDir(root: string): string {
  return join(root, "dist", "assets");
}

/** `import css from "./x.css"` gives the stylesheet minified, as a string (the shadow root adopts it). */
export const cssTextPlugin: esbuild.Plugin = {
  name: "css-text",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const { code } = await esbuild.transform(readFileSync(args.path, "utf8"), { loader: "css", minify: true, target: ["chrome102", "firefox112", "safari15.5"] });
      return { contents: `export default ${JSON.stringify(code.trim())};`, loader: "js" };
    });
  },
};

/** esbuild options shared by the widget build and the tests that bundle parts of the widget. */
export function widgetBundleOptions(): Pick<esbuild.BuildOptions, "bundle" | "format" | "platform" | "target" | "charset" | "plugins"> {
  return {
    bundle: true,
    format: "iife",
    platform: "browser",
    // Browsers with custom elements, shadow DOM, private fields and `inert`.
    target: ["chrome102", "firefox112", "safari15.5", "edge102"],
    charset: "utf8",
    plugins: [cssTextPlugin],
  };
}

function buildOptions(root: string): esbuild.BuildOptions & { write: false } {
  return {
    ...widgetBundleOptions(),
    entryPoints: [join(root, "widget", "src", "index.ts")],
    outfile: join(widgetAssetsDir(root), "widget.js"),
    minify: true,
    legalComments: "eof",
    write: false,
    logLevel: "silent",
  };
}

/** Writes the bundle atomically, and only when it changed (keeps mtime, and so local ETags, stable). */
function writeOutput(root: string, output: esbuild.OutputFile): WidgetBuild & { changed: boolean } {
  const dir = widgetAssetsDir(root);
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, "widget", "public"), dir, { recursive: true });
  const path = join(dir, "widget.js");
  const contents = Buffer.from(output.contents);
  const changed = !existsSync(path) || !readFileSync(path).equals(contents);
  if (changed) {
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, contents);
    renameSync(temporary, path);
  }
  return { ...measureWidget(contents, path), changed };
}

export function measureWidget(contents: Buffer, path: string): WidgetBuild {
  return {
    path,
    bytes: contents.byteLength,
    gzipBytes: gzipSync(contents, { level: 9 }).byteLength,
    brotliBytes: brotliCompressSync(contents, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).byteLength,
    sha256: createHash("sha256").update(contents).digest("hex"),
  };
}

export async function buildWidget(root: string): Promise<WidgetBuild> {
  const result = await esbuild.build(buildOptions(root));
  const { changed: _changed, ...build } = writeOutput(root, result.outputFiles[0]!);
  return build;
}

/**
 * Rebuilds on every change under widget/src (and once at once); `onRebuild`
 * runs whenever that changed widget.js.
 */
export async function watchWidget(root: string, options: { onRebuild: () => void | Promise<void>; log?: (line: string) => void }): Promise<{ dispose(): Promise<void> }> {
  const context = await esbuild.context({
    ...buildOptions(root),
    plugins: [
      cssTextPlugin,
      {
        name: "write-widget",
        setup(build) {
          build.onEnd(async (result) => {
            if (result.errors.length > 0) {
              options.log?.(`widget build failed: ${result.errors.map((error) => error.text).join("; ")}`);
              return;
            }
            if (writeOutput(root, result.outputFiles![0]!).changed) await options.onRebuild();
          });
        },
      },
    ],
  });
  await context.watch();
  return { dispose: () => context.dispose() };
}
