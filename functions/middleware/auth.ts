/**
 * Authentication and authorisation for /v1 and /mcp:
 * - `authenticate()`: reads `Authorization: Bearer <key>`, resolves it to an
 *   access context (tenant, scopes) and the tenant to act on (the operator's
 *   API_KEY may name one with `X-Tenant-Id`; other keys act on their own);
 * - `requireScope(...)`: the route needs one of these scopes (`admin` passes
 *   everywhere); `hasScope` is the same rule for checks inside a handler
 *   (the MCP tools);
 * - publishable keys are only accepted from an allowed `Origin`.
 */
import type { MiddlewareHandler } from "hono";
import { originAllowed, type Scope } from "../../src/core/api-keys.js";
import { AppError } from "../../src/core/errors.js";
import type { AppEnv } from "../context.js";

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { services } = c.var;
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AppError("UNAUTHORIZED", "send the API key as `Authorization: Bearer <key>`");
    const access = await services.access.actOn(await services.access.authenticate(match[1]!), c.req.header("x-tenant-id") || undefined);
    if (access.origins !== null && !originAllowed(c.req.header("origin"), access.origins)) {
      throw new AppError("FORBIDDEN", "this key is not allowed from this origin");
    }
    c.set("access", access);
    c.set("tenantId", access.tenantId);
    c.var.spans?.setAttribute("tenant", access.tenantId);
    await next();
  };
}

export function requireScope(...allowed: Scope[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!hasScope(c.var.access.scopes, allowed)) {
      throw new AppError("FORBIDDEN", `this key lacks the scope for this route (needs ${["admin", ...allowed].join(" or ")})`);
    }
    await next();
  };
}

/** Whether a key with `scopes` may do what needs one of `allowed` (`admin` may do everything). */
export function hasScope(scopes: readonly Scope[], allowed: readonly Scope[]): boolean {
  return scopes.includes("admin") || allowed.some((scope) => scopes.includes(scope));
}

/** Only the operator's key (API_KEY) may create or delete tenants. */
export function requireOperator(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.var.access.operator) throw new AppError("FORBIDDEN", "only the operator's key (API_KEY) may do this");
    await next();
  };
}
