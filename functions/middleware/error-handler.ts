/**
 * Turns every error into the API's JSON error shape. AppErrors carry a code
 * and a client-safe message; anything else is logged once and becomes a plain
 * 500 with no internals.
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError } from "../../src/core/errors.js";
import { createConsoleLogger } from "../../src/services/logger.js";
import type { AppEnv } from "../context.js";

/** Through the structured logger, so credentials in an error's message or stack are scrubbed. */
const unhandled = createConsoleLogger("error");

export function errorResponse(c: Context, error: AppError): Response {
  return c.json(error.toJSON(), error.status as 400);
}

export const handleError: ErrorHandler<AppEnv> = (error, c) => {
  if (error instanceof AppError) return errorResponse(c, error);
  if (error instanceof HTTPException && error.status < 500) {
    return c.json({ error: { code: "BAD_REQUEST", message: error.message || "bad request" } }, error.status);
  }
  unhandled.error("http.unhandled", { method: c.req.method, path: c.req.path, error: String(error), stack: error instanceof Error ? error.stack : undefined });
  return c.json({ error: { code: "INTERNAL", message: "internal error" } }, 500);
};

export const handleNotFound: NotFoundHandler<AppEnv> = (c) =>
  c.json({ error: { code: "NOT_FOUND", message: `no route for ${c.req.method} ${c.req.path}` } }, 404);
