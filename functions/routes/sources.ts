/**
 * Website sources (ingest or admin scope): POST /v1/sources adds a site and
 * starts its first sync; GET lists them or shows one with its progress;
 * POST /v1/sources/:id/sync starts a sync now; DELETE removes the source and
 * its documents. The work happens in services/sources/website-sources.ts
 * and on the queue.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { readJson } from "../middleware/json-body.js";
import { newSourceSchema, sourceIdSchema } from "../schemas.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import { sourceDeletedSchema, sourceListSchema, sourceViewSchema } from "../response-schemas.js";
import { AppError } from "../../src/core/errors.js";

export const sourceRoutes = new Hono<AppEnv>()
  .use(requireScope("ingest"))
  .post("/", async (c) => {
    const { type: _type, ...input } = await readJson(c, newSourceSchema, { maxBytes: 64 * 1024 });
    return c.json(await c.var.services.sources.create(c.var.tenantId, input), 202);
  })
  .get("/", async (c) => c.json({ sources: await c.var.services.sources.list(c.var.tenantId) }))
  .get("/:id", async (c) => c.json(await c.var.services.sources.get(c.var.tenantId, sourceId(c.req.param("id")))))
  .post("/:id/sync", async (c) => c.json(await c.var.services.sources.sync(c.var.tenantId, sourceId(c.req.param("id"))), 202))
  .delete("/:id", async (c) => {
    const id = sourceId(c.req.param("id"));
    const { documents } = await c.var.services.sources.delete(c.var.tenantId, id);
    return c.json({ id, status: "deleted" as const, documents });
  });

function sourceId(raw: string): string {
  const parsed = sourceIdSchema.safeParse(raw);
  if (!parsed.success) throw new AppError("NOT_FOUND", `source "${raw.slice(0, 64)}" does not exist`);
  return parsed.data;
}

const sourcePath = { id: sourceIdSchema };
const Source = named("Source", sourceViewSchema);

/** API reference (functions/openapi/). */
export const sourceOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/v1/sources",
    operationId: "createSource",
    summary: "Add a website",
    description:
      "Finds the site's pages (its sitemap, else its links), fetches them through the queue at a polite rate, respecting robots.txt, and ingests each as a document (`source_url` = the page). URLs the SSRF guard refuses (private, loopback or link-local hosts, other ports than 80/443, credentials) are 400 `URL_NOT_ALLOWED`. Answers 202 with the source; follow its progress with GET /v1/sources/{id}.",
    tags: ["Documents"],
    auth: keyWith("ingest"),
    body: named("NewSource", newSourceSchema),
    responses: { 202: { description: "Stored; the first sync is queued", json: Source } },
  },
  {
    method: "get",
    path: "/v1/sources",
    operationId: "listSources",
    summary: "List website sources",
    tags: ["Documents"],
    auth: keyWith("ingest"),
    responses: { 200: { description: "The tenant's sources with their progress", json: named("SourceList", sourceListSchema) } },
  },
  {
    method: "get",
    path: "/v1/sources/{id}",
    operationId: "getSource",
    summary: "A website source and its progress",
    tags: ["Documents"],
    auth: keyWith("ingest"),
    pathParams: sourcePath,
    responses: { 200: { description: "The source", json: Source } },
  },
  {
    method: "post",
    path: "/v1/sources/{id}/sync",
    operationId: "syncSource",
    summary: "Sync a website source now",
    description: "Finds the pages again and fetches each with a conditional request: unchanged pages are not ingested again. 409 while the previous sync is still discovering pages.",
    tags: ["Documents"],
    auth: keyWith("ingest"),
    pathParams: sourcePath,
    errors: [409],
    responses: { 202: { description: "The sync is queued", json: Source } },
  },
  {
    method: "delete",
    path: "/v1/sources/{id}",
    operationId: "deleteSource",
    summary: "Delete a website source and its documents",
    tags: ["Documents"],
    auth: keyWith("ingest"),
    pathParams: sourcePath,
    responses: { 200: { description: "Deleted", json: named("SourceDeleted", sourceDeletedSchema) } },
  },
];
