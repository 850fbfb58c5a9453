/**
 * Builds the chat widget (widget/src) into `dist/assets/widget.js`, a
 * minified IIFE, plus its lazily loaded modes `widget-search.js` and
 * `widget-page.js` (ES modules that widget.js imports only for
 * `data-mode="search"` / `"page"`), and copies widget/public (the `_headers`
 * file) beside them. `dist/assets` is the Workers Static Assets directory of
 * wrangler.toml, so `wrangler deploy`, the local server and its tests all
 * serve this output.
 *
 * The mode chunks get the shared code (chat, DOM helpers, strings) from
 * widget.js at run time (widget/src/mode-kit.ts); the build fails if one
 * bundles a file from outside widget/src/modes/, which would be a second
 * copy. widget.js asks for them with `?v=<their content hash>`, so a page
 * never pairs a new widget.js with an old cached chunk.
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

/** The lazily loaded modes: chunk name → entry point under widget/src/modes/. */
export const widgetModes = { search: "search-mode.ts", page: "page-mode.ts" } as const;
export type WidgetModeName = keyof typeof widgetModes;

/** Budget of each mode chunk, gzipped (loaded only by pages that use the mode). */
export const widgetModeGzipBudgetBytes = 10_000;

/** widget.js and its mode chunks, as written. */
export interface WidgetBuildSet extends WidgetBuild {
  modes: Record<WidgetModeName, WidgetBuild>;
  /** The `?v=` widget.js loads the chunks with. */
  modesVersion: string;
}

/** Stands in for the chunks' content hash in widget.js until they are built. */
const modesVersionPlaceholder = "__rag_chat_modes_version__";

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
    define: { __WIDGET_MODES_VERSION__: JSON.stringify(modesVersionPlaceholder) },
    minify: true,
    legalComments: "eof",
    write: false,
    logLevel: "silent",
  };
}

function modeBuildOptions(root: string): esbuild.BuildOptions & { write: false; metafile: true } {
  return {
    ...widgetBundleOptions(),
    format: "esm",
    entryPoints: Object.fromEntries(Object.entries(widgetModes).map(([name, file]) => [`widget-${name}`, join(root, "widget", "src", "modes", file)])),
    outdir: widgetAssetsDir(root),
    minify: true,
    legalComments: "eof",
    metafile: true,
    write: false,
    logLevel: "silent",
  };
}

/** Files a mode chunk bundled from outside widget/src/modes/ (should be none: shared code comes through the kit). */
export function sharedCodeInModes(metafile: esbuild.Metafile): string[] {
  const copies = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const input of Object.keys(output.inputs)) if (!/(^|\/)widget\/src\/modes\//.test(input)) copies.add(input);
  }
  return [...copies];
}

/** Writes a file atomically, and only when it changed (keeps mtime, and so local ETags, stable). */
function writeIfChanged(path: string, contents: Buffer): boolean {
  const changed = !existsSync(path) || !readFileSync(path).equals(contents);
  if (changed) {
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, contents);
    renameSync(temporary, path);
  }
  return changed;
}

/** Builds widget.js and the mode chunks and writes what changed. */
async function buildAll(root: string): Promise<WidgetBuildSet & { changed: boolean }> {
  const [main, modes] = await Promise.all([esbuild.build(buildOptions(root)), esbuild.build(modeBuildOptions(root))]);
  const copies = sharedCodeInModes(modes.metafile);
  if (copies.length > 0) throw new Error(`a widget mode chunk bundles shared code (${copies.join(", ")}): pass it through ModeKit (widget/src/mode-kit.ts) instead`);
  const dir = widgetAssetsDir(root);
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, "widget", "public"), dir, { recursive: true });
  const chunks = Object.keys(widgetModes).map((name) => {
    const output = modes.outputFiles.find((file) => file.path.endsWith(`widget-${name}.js`))!;
    return { name: name as WidgetModeName, path: join(dir, `widget-${name}.js`), contents: Buffer.from(output.contents) };
  });
  const hash = createHash("sha256");
  for (const chunk of chunks) hash.update(chunk.contents);
  const modesVersion = hash.digest("hex").slice(0, 12);
  const mainText = Buffer.from(main.outputFiles[0]!.contents).toString("utf8");
  if (!mainText.includes(modesVersionPlaceholder)) throw new Error("widget.js lost the mode chunks' version placeholder");
  const mainContents = Buffer.from(mainText.replaceAll(modesVersionPlaceholder, modesVersion), "utf8");
  let changed = false;
  const built = {} as Record<WidgetModeName, WidgetBuild>;
  for (const chunk of chunks) {
    changed = writeIfChanged(chunk.path, chunk.contents) || changed;
    built[chunk.name] = measureWidget(chunk.contents, chunk.path);
  }
  // widget.js last: once it names the new version, the chunks are there.
  const path = join(dir, "widget.js");
  changed = writeIfChanged(path, mainContents) || changed;
  return { ...measureWidget(mainContents, path), modes: built, modesVersion, changed };
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

export async function buildWidget(root: string): Promise<WidgetBuildSet> {
  const { changed: _changed, ...build } = await buildAll(root);
  return build;
}

/**
 * Rebuilds on every change under widget/src (and once at once); `onRebuild`
 * runs whenever that changed widget.js or a mode chunk. Two esbuild contexts
 * (the IIFE and the ES-module chunks) only watch; each change runs one full
 * build, one at a time.
 */
export async function watchWidget(root: string, options: { onRebuild: () => void | Promise<void>; log?: (line: string) => void }): Promise<{ dispose(): Promise<void> }> {
  let queue = Promise.resolve();
  const rebuild = () => {
    queue = queue.then(async () => {
      try {
        if ((await buildAll(root)).changed) await options.onRebuild();
      } catch (error) {
        options.log?.(`widget build failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  };
  const watcher: esbuild.Plugin = {
    name: "rebuild-widget",
    setup(build) {
      build.onEnd((result) => {
        if (result.errors.length > 0) options.log?.(`widget build failed: ${result.errors.map((error) => error.text).join("; ")}`);
        else rebuild();
      });
    },
  };
  const contexts = await Promise.all([
    esbuild.context({ ...buildOptions(root), plugins: [cssTextPlugin, watcher] }),
    esbuild.context({ ...modeBuildOptions(root), plugins: [cssTextPlugin, watcher] }),
  ]);
  await Promise.all(contexts.map((context) => context.watch()));
  return {
    dispose: async () => {
      await Promise.all(contexts.map((context) => context.dispose()));
      await queue;
    },
  };
}
