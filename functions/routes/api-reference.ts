/**
 * The API reference, no key needed:
 * - GET /openapi.json: the OpenAPI 3.1 document, built once per isolate from
 *   the routes' declarations (functions/openapi/), with this origin as its
 *   server;
 * - GET /docs: Swagger UI showing it, loaded from this origin only (see
 *   functions/openapi/docs-page.ts).
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.js";
import { named, publicAccess, type ApiOperation } from "../openapi/api-operation.js";
import { buildOpenApiDocument, type BuildOptions, type OpenApiDocument } from "../openapi/build-document.js";
import { docsContentSecurityPolicy, openApiDocumentPath, renderDocsPage } from "../openapi/docs-page.js";

/** Routes for the document built from `operations` (built on the first request). */
export function apiReferenceRoutes(operations: readonly ApiOperation[], options: BuildOptions) {
  let document: OpenApiDocument | undefined;
  const page = renderDocsPage({ title: `${options.info.title} reference` });
  return new Hono<AppEnv>()
    .get(openApiDocumentPath, (c) => {
      document ??= buildOpenApiDocument(operations, options);
      const { openapi, info, ...rest } = document;
      // Public and the same for everyone: readable by tools on other origins (editors, client generators).
      return c.json({ openapi, info, servers: [{ url: new URL(c.req.url).origin }], ...rest }, 200, {
        "cache-control": "public, max-age=300",
        "access-control-allow-origin": "*",
      });
    })
    .get("/docs", (c) =>
      c.html(page, 200, {
        "content-security-policy": docsContentSecurityPolicy,
        "cache-control": "public, max-age=300",
        "x-content-type-options": "nosniff",
      }),
    );
}

/** API reference (functions/openapi/). */
export const apiReferenceOperations: ApiOperation[] = [
  {
    method: "get",
    path: openApiDocumentPath,
    operationId: "getOpenApiDocument",
    summary: "This document (OpenAPI 3.1)",
    tags: ["Service"],
    auth: publicAccess,
    responses: {
      200: {
        description: "The OpenAPI document, with the origin it was fetched from as its server",
        json: named("OpenApiDocument", z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })),
      },
    },
  },
  {
    method: "get",
    path: "/docs",
    operationId: "getApiReferencePage",
    summary: "This reference, as a page (Swagger UI)",
    tags: ["Service"],
    auth: publicAccess,
    responses: { 200: { description: "The page", html: true } },
  },
];
