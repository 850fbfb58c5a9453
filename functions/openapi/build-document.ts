/**
 * Builds the OpenAPI 3.1 document from the routes' declarations
 * (`ApiOperation`s). Pure: no bindings, no Hono; the same list always gives
 * the same document.
 *
 * Schemas come from zod with `z.toJSONSchema` (JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1): named schemas become `components.schemas` and
 * are referenced by `$ref`; request schemas are rendered as the route
 * accepts them (`io: "input"`: fields with a default are optional).
 * Refinements zod cannot express (e.g. "not blank") are not in the document;
 * the route still enforces them.
 *
 * What the builder adds by itself, from the declaration: security (a bearer
 * key, with the scopes that pass as alternatives), the `X-Tenant-Id`
 * parameter of keyed routes, and the error answers every such route can
 * give (401/403 with a key, 400/413/415 with a body, 429/503 when rate
 * limited, 500 always), all with the one error shape.
 */
import { z } from "zod";
import { errorStatus } from "../../src/core/errors.js";
import { errorResponseSchema } from "../response-schemas.js";
import type { ApiOperation, ApiResponseSpec, ErrorStatus, NamedSchema } from "./api-operation.js";

export type JsonObject = { [key: string]: unknown };

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description?: string };
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, JsonObject>>;
  components: {
    schemas: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
    parameters: Record<string, JsonObject>;
    headers: Record<string, JsonObject>;
    securitySchemes: Record<string, JsonObject>;
  };
}

export interface BuildOptions {
  info: OpenApiDocument["info"];
  servers?: OpenApiDocument["servers"];
  /** Tags in display order, with descriptions. Tags used by operations but not listed here are appended. */
  tags?: { name: string; description?: string }[];
}

/** The name of the bearer security scheme. */
export const securitySchemeName = "bearerAuth";
const errorSchemaName = "Error";

const errorResponses: Record<ErrorStatus, { name: string; title: string }> = {
  400: { name: "BadRequest", title: "The request is malformed or invalid" },
  401: { name: "Unauthorized", title: "No key, or a key that is not valid" },
  403: { name: "Forbidden", title: "The key may not do this (scope, tenant or origin)" },
  404: { name: "NotFound", title: "No such resource (or it belongs to another tenant)" },
  405: { name: "MethodNotAllowed", title: "The path does not take this method" },
  409: { name: "Conflict", title: "The resource is not in a state that allows this" },
  413: { name: "PayloadTooLarge", title: "The body (or a document's content) is too large" },
  415: { name: "UnsupportedMediaType", title: "The body is not sent as `application/json` (or, where a route takes uploads, as `multipart/form-data`), or an uploaded file's type is not supported" },
  422: { name: "UnprocessableFile", title: "An uploaded file of a supported type cannot be read (e.g. a corrupt or encrypted PDF)" },
  429: { name: "TooManyRequests", title: "A rate limit, a daily budget or the ingestion backlog is full; retry after `Retry-After` seconds" },
  500: { name: "InternalError", title: "An internal error (logged; no details are sent)" },
  503: { name: "ServiceUnavailable", title: "A provider or the database is unavailable; retry after `Retry-After` seconds" },
};

/** Builds the document. Throws on a declaration that contradicts itself or another (see `checkOperations`). */
export function buildOpenApiDocument(operations: readonly ApiOperation[], options: BuildOptions): OpenApiDocument {
  checkOperations(operations);
  const schemas = new SchemaCollector();
  schemas.ref({ name: errorSchemaName, schema: errorResponseSchema });
  const usedErrors = new Set<ErrorStatus>();
  const usedHeaders = new Set<string>(["Retry-After"]);
  let usesTenantParameter = false;
  const paths: OpenApiDocument["paths"] = {};

  for (const operation of operations) {
    const parameters: JsonObject[] = [];
    for (const [name, schema] of Object.entries(operation.pathParams ?? {})) {
      parameters.push({ name, in: "path", required: true, schema: inlineSchema(schema) });
    }
    if (operation.query) parameters.push(...queryParameters(operation.query));
    if (operation.auth.kind !== "public") {
      parameters.push({ $ref: "#/components/parameters/TenantId" });
      usesTenantParameter = true;
    }

    const responses: JsonObject = {};
    for (const [status, spec] of Object.entries(operation.responses) as [string, ApiResponseSpec][]) {
      responses[status] = successResponse(spec, schemas, operation.rateLimited === true);
    }
    if (operation.rateLimited) ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"].forEach((name) => usedHeaders.add(name));
    for (const status of errorStatuses(operation).filter((status) => !(String(status) in responses))) {
      if (operation.errorBody) {
        responses[String(status)] = errorResponse(status, schemas.ref(operation.errorBody));
      } else {
        usedErrors.add(status);
        responses[String(status)] = { $ref: `#/components/responses/${errorResponses[status].name}` };
      }
    }

    const entry: JsonObject = {
      operationId: operation.operationId,
      summary: operation.summary,
      ...(describe(operation) ? { description: describe(operation) } : {}),
      tags: operation.tags,
      security: security(operation),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(operation.body || operation.form
        ? {
            requestBody: {
              required: true,
              ...(requestDescription(operation) ? { description: requestDescription(operation) } : {}),
              content: {
                ...(operation.body ? { "application/json": { schema: schemas.ref(operation.body) } } : {}),
                ...(operation.form
                  ? { "multipart/form-data": { schema: schemas.ref(operation.form), ...(operation.form.encoding ? { encoding: operation.form.encoding } : {}) } }
                  : {}),
              },
            },
          }
        : {}),
      responses: sortByStatus(responses),
    };
    (paths[operation.path] ??= {})[operation.method] = entry;
  }

  const tags = [...(options.tags ?? [])];
  for (const name of new Set(operations.flatMap((operation) => operation.tags))) {
    if (!tags.some((tag) => tag.name === name)) tags.push({ name });
  }

  return {
    openapi: "3.1.0",
    info: options.info,
    ...(options.servers ? { servers: options.servers } : {}),
    tags,
    paths,
    components: {
      schemas: schemas.render(),
      responses: Object.fromEntries(
        [...usedErrors].sort((a, b) => a - b).map((status) => [errorResponses[status].name, errorResponse(status, { $ref: `#/components/schemas/${errorSchemaName}` })]),
      ),
      parameters: usesTenantParameter
        ? {
            TenantId: {
              name: "X-Tenant-Id",
              in: "header",
              required: false,
              description: "The operator's key only: the tenant to act on (default: `default`). Other keys act on their own tenant.",
              schema: { type: "string", pattern: "^(default|t_[0-9a-f]{16})$" },
            },
          }
        : {},
      headers: Object.fromEntries([...usedHeaders].sort().map((name) => [name, headerSpecs[name]!])),
      securitySchemes: {
        [securitySchemeName]: {
          type: "http",
          scheme: "bearer",
          description:
            "An API key in `Authorization: Bearer <key>`: the operator's `API_KEY`, or a key created with `POST /v1/keys` (`sk_…`; publishable `pk_…` keys only from their allowed origins). The scopes listed on an operation are alternatives; `admin` passes everywhere; `operator` means the operator's key.",
        },
      },
    },
  };
}

/** Throws when operations repeat a method and path or an operationId, or when path parameters and the path disagree. */
export function checkOperations(operations: readonly ApiOperation[]): void {
  const routes = new Set<string>();
  const ids = new Set<string>();
  for (const operation of operations) {
    const label = `${operation.method.toUpperCase()} ${operation.path}`;
    if (routes.has(label)) throw new Error(`${label} is declared twice`);
    routes.add(label);
    if (ids.has(operation.operationId)) throw new Error(`operationId "${operation.operationId}" is used twice (${label})`);
    ids.add(operation.operationId);
    if (!operation.path.startsWith("/") || operation.path.includes(":")) throw new Error(`${label}: write the path as OpenAPI does, e.g. /v1/documents/{id}`);
    const inPath = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!).sort();
    const declared = Object.keys(operation.pathParams ?? {}).sort();
    if (inPath.join() !== declared.join()) throw new Error(`${label}: path parameters {${inPath.join(", ")}} but pathParams declares {${declared.join(", ")}}`);
    if ((operation.body || operation.form) && operation.method === "get") throw new Error(`${label}: a GET takes no body`);
    if (Object.keys(operation.responses).length === 0) throw new Error(`${label}: declares no response`);
  }
}

/** The request body's description: the JSON body's (with its limit), then the form's. */
function requestDescription(operation: ApiOperation): string {
  return [operation.body ? bodyDescription(operation.body) : "", operation.form?.description ?? ""].filter(Boolean).join("\n\n");
}

/** The body's description, and its size limit when declared (a larger body is a 413). */
function bodyDescription(body: NonNullable<ApiOperation["body"]>): string {
  const limit = body.maxBytes === undefined ? "" : `At most ${body.maxBytes >= 1024 * 1024 ? `${body.maxBytes / (1024 * 1024)} MiB` : `${body.maxBytes / 1024} KiB`}.`;
  return [body.description, limit].filter(Boolean).join(" ");
}

function errorStatuses(operation: ApiOperation): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(operation.errors ?? []);
  if (operation.auth.kind !== "public") [401, 403].forEach((status) => statuses.add(status as ErrorStatus));
  if (operation.body || operation.form) [400, 413, 415].forEach((status) => statuses.add(status as ErrorStatus));
  if (operation.query) statuses.add(400);
  if (operation.pathParams) statuses.add(404);
  if (operation.rateLimited) [429, 503].forEach((status) => statuses.add(status as ErrorStatus));
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

function security(operation: ApiOperation): Record<string, string[]>[] {
  const { auth } = operation;
  if (auth.kind === "public") return [];
  if (auth.kind === "operator") return [{ [securitySchemeName]: ["operator"] }];
  return acceptedScopes(auth.scopes).map((scope) => ({ [securitySchemeName]: [scope] }));
}

/** "a", "a or b", "a, b or c". */
function alternatives(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** The scopes that pass `requireScope(...scopes)`: those, then `admin`. */
function acceptedScopes(scopes: readonly string[]): string[] {
  return [...new Set([...scopes, "admin"])];
}

/** The description, plus who may call (Swagger UI does not show a security requirement's roles). */
function describe(operation: ApiOperation): string {
  const { auth } = operation;
  const access =
    auth.kind === "public"
      ? "No key needed."
      : auth.kind === "operator"
        ? "Needs the operator's key (`API_KEY`)."
        : `Needs a key with the ${alternatives(acceptedScopes(auth.scopes).map((scope) => `\`${scope}\``))} scope.`;
  return [operation.description, access].filter(Boolean).join("\n\n");
}

function successResponse(spec: ApiResponseSpec, schemas: SchemaCollector, rateLimited: boolean): JsonObject {
  const content: JsonObject = {};
  if (spec.json) content["application/json"] = { schema: schemas.ref(spec.json) };
  if (spec.eventStream) {
    const events = Object.entries(spec.eventStream.events);
    content["text/event-stream"] = {
      schema: {
        type: "string",
        description: `${spec.eventStream.description}\n\nEvents (\`event:\` name → schema of the JSON in \`data:\`): ${events.map(([name, event]) => `\`${name}\` → ${event.name}`).join(", ")}.`,
      },
      "x-events": Object.fromEntries(events.map(([name, event]) => [name, schemas.ref(event)])),
    };
  }
  if (spec.html) content["text/html"] = { schema: { type: "string" } };
  for (const [mediaType, description] of Object.entries(spec.text ?? {})) content[mediaType] = { schema: { type: "string", description } };
  return {
    description: spec.description,
    ...(rateLimited
      ? { headers: Object.fromEntries(["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"].map((name) => [name, { $ref: `#/components/headers/${name}` }])) }
      : {}),
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
}

/** An error answer: its codes from the status table, with `schema` (the house error shape, or the operation's own). */
function errorResponse(status: ErrorStatus, schema: JsonObject): JsonObject {
  const codes = Object.entries(errorStatus)
    .filter(([, mapped]) => mapped === status)
    .map(([code]) => `\`${code}\``);
  return {
    description: `${errorResponses[status].title}.${codes.length > 0 ? ` Codes: ${codes.join(", ")}.` : ""}`,
    ...(status === 429 || status === 503 ? { headers: { "Retry-After": { $ref: "#/components/headers/Retry-After" } } } : {}),
    content: {
      "application/json": {
        schema,
        ...(codes.length > 0 ? { example: { error: { code: codes[0]!.replaceAll("`", ""), message: errorResponses[status].title.split(";")[0] } } } : {}),
      },
    },
  };
}

const headerSpecs: Record<string, JsonObject> = {
  "Retry-After": { description: "Whole seconds to wait before retrying", schema: { type: "integer", minimum: 0 } },
  "RateLimit-Limit": { description: "The tightest per-minute limit that applies to this request", schema: { type: "integer" } },
  "RateLimit-Remaining": { description: "Requests left in that limit's window", schema: { type: "integer" } },
  "RateLimit-Reset": { description: "Seconds until that window has room again", schema: { type: "integer" } },
};

function sortByStatus(responses: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));
}

const toJsonSchemaOptions = { target: "draft-2020-12", io: "input", unrepresentable: "any" } as const;

/** A schema used once, inline (parameters): JSON Schema without the `$schema` marker. */
function inlineSchema(schema: z.ZodType): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, toJsonSchemaOptions) as JsonObject;
  return rest;
}

/** One `in: query` parameter per property of the route's query schema. */
function queryParameters(query: z.ZodObject): JsonObject[] {
  const rendered = inlineSchema(query) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(rendered.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: "query",
      required: (rendered.required ?? []).includes(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

/**
 * Named schemas, rendered together so a named schema inside another becomes a
 * `$ref` to it. One name per schema and one schema per name.
 */
class SchemaCollector {
  private readonly registry = z.registry<{ id: string }>();
  private readonly byName = new Map<string, z.ZodType>();

  ref(named: NamedSchema): JsonObject {
    const existing = this.byName.get(named.name);
    if (existing === undefined) {
      const other = this.registry.get(named.schema);
      if (other) throw new Error(`one schema is named both "${other.id}" and "${named.name}"`);
      this.registry.add(named.schema, { id: named.name });
      this.byName.set(named.name, named.schema);
    } else if (existing !== named.schema) {
      throw new Error(`two different schemas are named "${named.name}"`);
    }
    return { $ref: `#/components/schemas/${named.name}` };
  }

  render(): Record<string, JsonObject> {
    const { schemas } = z.toJSONSchema(this.registry, { ...toJsonSchemaOptions, uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, JsonObject> };
    return Object.fromEntries(
      [...this.byName.keys()].map((name) => {
        const { $schema: _dialect, $id: _id, ...schema } = schemas[name]!;
        return [name, schema];
      }),
    );
  }
}
