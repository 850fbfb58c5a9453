/**
 * How a route declares itself for the API reference: one `ApiOperation` per
 * method and path, written next to the route (functions/routes/*.ts) with the
 * same zod schemas the route validates with, and listed in
 * `api-operations.ts`. `build-document.ts` turns the list into the OpenAPI
 * document; test/openapi/ checks it against the app's real routes and the
 * README's examples.
 */
import type { z } from "zod";
import type { Scope } from "../../src/core/api-keys.js";

/** A zod schema and its name under `components.schemas` (one name per schema). */
export interface NamedSchema {
  name: string;
  schema: z.ZodType;
}

/** Names a schema for `components.schemas`; operations refer to it by `$ref`. */
export function named(name: string, schema: z.ZodType): NamedSchema {
  return { name, schema };
}

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/**
 * Who may call the operation, as the route's middleware enforces it:
 * - `public`: no key;
 * - `key`: a key with any one of `scopes` (`requireScope(...)`; `admin` always passes);
 * - `operator`: the operator's key only (`requireOperator()`).
 */
export type ApiAuth = { kind: "public" } | { kind: "key"; scopes: readonly Scope[] } | { kind: "operator" };

export const publicAccess: ApiAuth = { kind: "public" };
export const operatorOnly: ApiAuth = { kind: "operator" };
/** `requireScope(...scopes)`. */
export function keyWith(...scopes: Scope[]): ApiAuth {
  return { kind: "key", scopes };
}

/** A Server-Sent Events body: the events it sends, each with the schema of its `data`. */
export interface EventStreamSpec {
  description: string;
  events: Record<string, NamedSchema>;
}

/** One success answer. At most one body per media type; none for 204. */
export interface ApiResponseSpec {
  description: string;
  /** `application/json` body. */
  json?: NamedSchema;
  /** `text/event-stream` body. */
  eventStream?: EventStreamSpec;
  /** `text/html` page. */
  html?: boolean;
  /** Other text bodies by media type (exports such as `text/csv`), with what each holds. */
  text?: Record<string, string>;
}

/** Error statuses the API answers with (bodies are always the error shape). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

export interface ApiOperation {
  method: HttpMethod;
  /** The full OpenAPI path: `/v1/documents/{id}` (Hono's `:id` written `{id}`). */
  path: string;
  /** Unique across the API; client generators name methods after it. */
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: ApiAuth;
  /** Counted by `rateLimit(...)`: adds 429 (and 503 when the limiter is unreachable) and the RateLimit-* headers. */
  rateLimited?: boolean;
  /** One schema per `{param}` of `path`. */
  pathParams?: Record<string, z.ZodType>;
  /** The route's query schema (an object: one parameter per property). */
  query?: z.ZodObject;
  /** JSON request body (`readJson(c, schema, ...)`); adds 400, 413 and 415. */
  body?: NamedSchema & { maxBytes?: number; description?: string };
  /**
   * A `multipart/form-data` request body (a file upload), besides or instead
   * of `body`: its fields as an object schema (files as `z.file()`), and the
   * media types of fields that are not plain text. Adds 400, 413 and 415.
   */
  form?: NamedSchema & { description?: string; encoding?: Record<string, { contentType: string }> };
  /**
   * Answers by status: the successes, and any error status whose body is not
   * the error shape (e.g. /health's 503 report).
   */
  responses: Partial<Record<200 | 201 | 202 | 204 | ErrorStatus, ApiResponseSpec>>;
  /** Error statuses besides the ones implied by auth, body, parameters and rate limits (and 500, always). */
  errors?: ErrorStatus[];
  /** The body of this operation's errors, when it is not the house error shape (e.g. OpenAI's, with `type` and `param`). */
  errorBody?: NamedSchema;
}
