/**
 * `npm run build:widget`: bundles the chat widget into dist/assets/widget.js
 * and prints its size against the budget; also copies the API reference's
 * Swagger UI files into dist/assets/docs/ (scripts/lib/api-docs-assets.ts).
 * Runs on postinstall and before dev, check (so `npm test`) and deploy.
 */
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWidget, widgetGzipBudgetBytes } from "./lib/widget-build.js";
import { buildApiDocsAssets } from "./lib/api-docs-assets.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const build = await buildWidget(root);
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
console.log(
  `[widget] ${relative(root, build.path)}: ${kb(build.bytes)} minified, ${kb(build.gzipBytes)} gzip, ${kb(build.brotliBytes)} brotli (budget ${kb(widgetGzipBudgetBytes)} gzip)`,
);
if (build.gzipBytes > widgetGzipBudgetBytes) {
  console.error(`[widget] over the size budget by ${kb(build.gzipBytes - widgetGzipBudgetBytes)}`);
  process.exitCode = 1;
}
const docs = buildApiDocsAssets(root);
console.log(`[docs] ${relative(root, docs.dir)}: Swagger UI ${docs.version} (${docs.files.length} files) for /docs`);
