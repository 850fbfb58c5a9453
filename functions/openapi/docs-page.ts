/**
 * The /docs page: Swagger UI reading /openapi.json, every file from our own
 * origin. The renderer's files are static assets under /docs/ (copied from
 * the swagger-ui-dist package at build time by scripts/lib/api-docs-assets.ts,
 * which reads the list below), so the page needs no CDN and runs under a
 * strict Content-Security-Policy: scripts and styles from this origin only,
 * nothing inline.
 */

/** Where the renderer's files are served (a directory of the static assets). */
export const docsAssetsPath = "/docs/";

/** Files of swagger-ui-dist the page loads, copied as they are. */
export const swaggerUiFiles = ["swagger-ui.css", "swagger-ui-bundle.js"] as const;

/** Our own script that starts Swagger UI (written by the asset build). */
export const swaggerInitializerFile = "swagger-initializer.js";

/** Where the page finds the document (the initializer reads it from `data-spec-url`). */
export const openApiDocumentPath = "/openapi.json";

export const docsContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // Swagger UI's stylesheet draws its icons as data: SVG images.
  "img-src 'self' data:",
  // The document, and "Try it out" requests to this API.
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The page's HTML: the same for every request. */
export function renderDocsPage(options: { title: string }): string {
  const title = options.title.replace(/[<>&"]/g, "");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${docsAssetsPath}swagger-ui.css">
</head>
<body>
<noscript><p>This reference needs JavaScript. The OpenAPI document itself is at <a href="${openApiDocumentPath}">${openApiDocumentPath}</a>.</p></noscript>
<div id="swagger-ui" data-spec-url="${openApiDocumentPath}"></div>
<script src="${docsAssetsPath}swagger-ui-bundle.js"></script>
<script src="${docsAssetsPath}${swaggerInitializerFile}"></script>
</body>
</html>
`;
}
