/**
 * `npm run build:widget`: bundles the chat widget into dist/assets/widget.js
 * (and its lazy modes, widget-search.js and widget-page.js) and prints their
 * sizes against the budgets; also copies the API reference's
 * Swagger UI files into dist/assets/docs/ (scripts/lib/api-docs-assets.ts).
 * Runs on postinstall and before dev, check (so `npm test`) and deploy.
 */
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWidget, widgetGzipBudgetBytes, widgetModeGzipBudgetBytes } from "./lib/widget-build.js";
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
for (const chunk of Object.values(build.modes)) {
  console.log(`[widget] ${relative(root, chunk.path)} (lazy): ${kb(chunk.bytes)} minified, ${kb(chunk.gzipBytes)} gzip (budget ${kb(widgetModeGzipBudgetBytes)} gzip)`);
  if (chunk.gzipBytes > widgetModeGzipBudgetBytes) process.exitCode = 1;
}
const docs = buildApiDocsAssets(root);
console.log(`[docs] ${relative(root, docs.dir)}: Swagger UI ${docs.version} (${docs.files.length} files) for /docs`);
