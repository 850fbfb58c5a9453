/**
 * Matching concrete requests and the app's routes against the OpenAPI
 * document's paths, for the tests in this directory.
 */
import type { Hono } from "hono";
import { inspectRoutes } from "hono/dev";
import type { ApiOperation } from "../../functions/openapi/api-operation.js";
import type { OpenApiDocument } from "../../functions/openapi/build-document.js";

/** Hono's `/v1/documents/:id` (or `:id{[0-9]+}`, `:id?`) as OpenAPI writes it: `/v1/documents/{id}`. */
export function toOpenApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, "{$1}");
}

/** Method (upper case, or ALL) and OpenAPI path of every handler the app registered; middleware left out. */
export function appRoutes(app: Hono<any>): { method: string; path: string }[] {
  const seen = new Map<string, { method: string; path: string }>();
  for (const route of inspectRoutes(app)) {
    if (route.isMiddleware) continue;
    const entry = { method: route.method.toUpperCase(), path: toOpenApiPath(route.path) };
    seen.set(`${entry.method} ${entry.path}`, entry);
  }
  return [...seen.values()];
}

/** Every `METHOD /path` the document lists. */
export function documentRoutes(document: OpenApiDocument): { method: string; path: string }[] {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })));
}

export interface MatchedOperation {
  /** The document's path template, e.g. `/v1/documents/{id}`. */
  template: string;
  params: Record<string, string>;
  operation: ApiOperation;
}

/**
 * The declared operation a concrete request goes to: literal paths win over
 * templates (`/v1/documents/batch` over `/v1/documents/{id}`), as in the router.
 */
export function matchOperation(operations: readonly ApiOperation[], method: string, path: string): MatchedOperation | undefined {
  const candidates = operations
    .filter((operation) => operation.method === method.toLowerCase())
    .map((operation) => ({ operation, params: matchTemplate(operation.path, path) }))
    .filter((candidate): candidate is { operation: ApiOperation; params: Record<string, string> } => candidate.params !== undefined)
    .sort((a, b) => Object.keys(a.params).length - Object.keys(b.params).length);
  const best = candidates[0];
  return best ? { template: best.operation.path, params: best.params, operation: best.operation } : undefined;
}

/** A README-style path with `:id` placeholders matches the template with `{id}`. */
export function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1]!)]));
}
