/**
 * The OpenAPI document against the app itself: every route the app
 * registers is documented and nothing else is; the document holds together
 * (references resolve, operations are complete); and each operation's
 * declared access (no key, scopes, operator) is what the worker enforces.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/app.js";
import type { ApiOperation } from "../../functions/openapi/api-operation.js";
import { apiDocumentOptions, apiOperations } from "../../functions/openapi/api-operations.js";
import { buildOpenApiDocument, type JsonObject } from "../../functions/openapi/build-document.js";
import { call, createKey, createTenant, operatorKey } from "../security/tenant-fixtures.js";
import { appRoutes, documentRoutes } from "./document-paths.js";

const app = createApp(async () => {
  throw new Error("only the route table is read");
});
const document = buildOpenApiDocument(apiOperations, apiDocumentOptions);
const fix = "declare it next to the route (functions/openapi/api-operation.ts) and list it in functions/openapi/api-operations.ts";

describe("the document and the app's routes", () => {
  it("documents every route the app registers", () => {
    const documented = documentRoutes(document);
    const missing = appRoutes(app).filter((route) =>
      route.method === "ALL" ? !documented.some((entry) => entry.path === route.path) : !documented.some((entry) => entry.path === route.path && entry.method === route.method),
    );
    expect(missing.map((route) => `${route.method} ${route.path}`), `undocumented routes: ${fix}`).toEqual([]);
  });

  it("lists no route the app does not have", () => {
    const routes = appRoutes(app);
    const phantom = documentRoutes(document).filter((entry) => !routes.some((route) => route.path === entry.path && (route.method === entry.method || route.method === "ALL")));
    expect(phantom.map((entry) => `${entry.method} ${entry.path}`)).toEqual([]);
  });

  it("finds a route the app gains without a declaration (the check above can fail)", () => {
    const grown = createApp(async () => {
      throw new Error("only the route table is read");
    });
    grown.get("/v1/undeclared/:id", (c) => c.text("x"));
    const before = new Set(appRoutes(app).map((route) => `${route.method} ${route.path}`));
    const documented = documentRoutes(document);
    const missing = appRoutes(grown).filter((route) => !documented.some((entry) => entry.path === route.path && entry.method === route.method));
    expect(missing.filter((route) => !before.has(`${route.method} ${route.path}`))).toEqual([{ method: "GET", path: "/v1/undeclared/{id}" }]);
  });
});

describe("the document's structure", () => {
  it("is OpenAPI 3.1 with info, paths and a bearer scheme", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.title).toBeTruthy();
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("resolves every $ref inside the document", () => {
    const refs = collectRefs(document);
    expect(refs.length).toBeGreaterThan(50);
    const broken = refs.filter((ref) => !ref.startsWith("#/") || resolvePointer(document, ref) === undefined);
    expect(broken).toEqual([]);
  });

  it("gives every operation a unique operationId, a summary, known tags and responses with a success", () => {
    const ids = new Set<string>();
    const tags = new Set(document.tags?.map((tag) => tag.name));
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item) as [string, JsonObject & { responses: Record<string, unknown> }][]) {
        const label = `${method.toUpperCase()} ${path}`;
        expect(typeof operation.operationId, label).toBe("string");
        expect(ids.has(operation.operationId as string), `${label}: operationId repeated`).toBe(false);
        ids.add(operation.operationId as string);
        expect(operation.summary, label).toBeTruthy();
        for (const tag of operation.tags as string[]) expect(tags.has(tag), `${label}: tag ${tag}`).toBe(true);
        const statuses = Object.keys(operation.responses);
        expect(statuses.length, label).toBeGreaterThan(0);
        expect(statuses.every((status) => /^[1-5]\d\d$/.test(status)), label).toBe(true);
        expect(statuses.some((status) => status.startsWith("2")), `${label}: no success response`).toBe(true);
        expect(statuses, `${label}: every answer can be a 500`).toContain("500");
      }
    }
    expect(ids.size).toBe(apiOperations.length);
  });

  it("declares every path parameter, as required", () => {
    for (const [path, item] of Object.entries(document.paths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(item)) {
        const parameters = ((operation.parameters ?? []) as JsonObject[]).filter((parameter) => parameter.in === "path");
        expect(parameters.map((parameter) => parameter.name).sort(), `${method} ${path}`).toEqual([...names].sort());
        for (const parameter of parameters) expect(parameter.required).toBe(true);
      }
    }
  });

  it("describes every error with the one error shape", () => {
    for (const [name, response] of Object.entries(document.components.responses)) {
      expect(response, name).toMatchObject({ content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
    }
    expect(document.components.schemas.Error).toMatchObject({ type: "object", required: ["error"] });
  });

  it("renders components as plain JSON Schema (no dialect or id markers left from zod)", () => {
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      expect(schema.$schema, name).toBeUndefined();
      expect(schema.$id, name).toBeUndefined();
    }
    expect(JSON.stringify(document)).not.toContain('"#/$defs');
  });
});

/**
 * Each operation's declared access against the worker: no key, a key of each
 * scope of another tenant, and the operator's key. "Let through" means the
 * answer is not 401 or 403 (bodies are empty objects and ids do not exist,
 * so nothing is changed: most answers are 400 or 404).
 */
describe("declared access is what the worker enforces", () => {
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    const tenant = await createTenant("OpenAPI access");
    for (const scope of ["ingest", "query", "admin"]) keys[scope] = (await createKey(tenant, [scope])).key;
  });

  it.each(apiOperations.map((operation) => [`${operation.method.toUpperCase()} ${operation.path}`, operation] as const))("%s", async (_label, operation) => {
    const path = concretePath(operation);
    const send = (key: string | null) => call(operation.method.toUpperCase(), path, { key, ...(operation.body ? { body: {} } : {}) });

    const anonymous = await send(null);
    if (operation.auth.kind === "public") {
      expect([401, 403], `${path} without a key`).not.toContain(anonymous.status);
      return;
    }
    expect(anonymous.status, `${path} without a key: ${anonymous.text}`).toBe(401);
    for (const [scope, key] of Object.entries(keys)) {
      const allowed = operation.auth.kind === "key" && (scope === "admin" || operation.auth.scopes.includes(scope as never));
      const response = await send(key);
      if (allowed) expect([401, 403], `${scope} key: ${response.text}`).not.toContain(response.status);
      else expect(response.status, `${scope} key: ${response.text}`).toBe(403);
    }
    const operator = await send(operatorKey);
    expect([401, 403], `operator key: ${operator.text}`).not.toContain(operator.status);
  });
});

/** The operation's path with ids that pass its parameter schemas but name nothing that exists. */
function concretePath(operation: ApiOperation): string {
  const candidates = ["t_0000000000000000", "key_0000000000000000", "src_0000000000000000", "no-such-document"];
  return operation.path.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const schema = operation.pathParams![name]!;
    const value = candidates.find((candidate) => schema.safeParse(candidate).success);
    if (value === undefined) throw new Error(`${operation.path}: no sample value for {${name}}`);
    return encodeURIComponent(value);
  });
}

function collectRefs(value: unknown, refs: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => collectRefs(item, refs));
  else if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      if (key === "$ref" && typeof child === "string") refs.push(child);
      else collectRefs(child, refs);
    }
  }
  return refs;
}

function resolvePointer(root: unknown, ref: string): unknown {
  let current: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (!current || typeof current !== "object" || !(key in current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
