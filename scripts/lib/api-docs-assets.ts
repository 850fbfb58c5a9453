/**
 * Puts the API reference page's renderer into the static assets: copies
 * Swagger UI's files from the swagger-ui-dist package (a devDependency, so
 * nothing is fetched at run time or from a CDN) into `dist/assets/docs/`,
 * with their licence, and writes the small script that starts Swagger UI on
 * the page (no inline script: the page's CSP allows none). Which files, and
 * where the worker's /docs page expects them, is in
 * functions/openapi/docs-page.ts. The assets' headers are in
 * widget/public/_headers.
 *
 * Run by `npm run build:widget` (scripts/build-widget.ts), so on install,
 * dev, check and deploy.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { docsAssetsPath, swaggerInitializerFile, swaggerUiFiles } from "../../functions/openapi/docs-page.js";
import { widgetAssetsDir } from "./widget-build.js";

/** Licence files shipped beside the copies (Apache-2.0 asks for LICENSE and NOTICE; the bundle's header names its third-party licence file). */
export const swaggerUiLicenceFiles = ["LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"] as const;

/**
 * Starts Swagger UI on `#swagger-ui`, reading the document from its
 * `data-spec-url`. No validator badge (it would call validator.swagger.io).
 */
export const swaggerInitializerSource = `// Starts Swagger UI on the /docs page (written by scripts/lib/api-docs-assets.ts).
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
  });
})();
`;

export interface ApiDocsAssetsBuild {
  dir: string;
  files: string[];
  /** swagger-ui-dist's version. */
  version: string;
}

/** The directory of the installed swagger-ui-dist package. */
export function swaggerUiDistDir(): string {
  return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

/** Copies the files into `<outDir>/docs/` (default: the widget's assets directory); rewrites only what changed. */
export function buildApiDocsAssets(root: string, outDir = widgetAssetsDir(root)): ApiDocsAssetsBuild {
  const source = swaggerUiDistDir();
  const dir = join(outDir, ...docsAssetsPath.split("/").filter(Boolean));
  mkdirSync(dir, { recursive: true });
  for (const file of [...swaggerUiFiles, ...swaggerUiLicenceFiles]) {
    const from = join(source, file);
    const to = join(dir, file);
    if (!existsSync(to) || !readFileSync(to).equals(readFileSync(from))) copyFileSync(from, to);
  }
  writeIfChanged(join(dir, swaggerInitializerFile), swaggerInitializerSource);
  const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8")) as { version: string };
  return { dir, files: [...swaggerUiFiles, ...swaggerUiLicenceFiles, swaggerInitializerFile], version };
}

function writeIfChanged(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, "utf8") === text) return;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
