/**
 * Turns every error into the API's JSON error shape. AppErrors carry a code
 * and a client-safe message (and `Retry-After` when they say when to retry);
 * a database whose tables do not exist yet (migrations not applied: a deploy
 * ahead of `wrangler d1 migrations apply`, or a local database still being
 * set up) is a 503 NOT_READY with Retry-After, never a 500; anything else is
 * logged once and becomes a plain 500 with no internals. A request body
 * nobody read is discarded before answering (see `discardBody`), so the
 * error reaches the client on a connection that stays usable.
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError } from "../../src/core/errors.js";
import { createConsoleLogger } from "../../src/services/logger.js";
import type { AppEnv } from "../context.js";
import { discardBody } from "./json-body.js";

/** Through the structured logger, so credentials in an error's message or stack are scrubbed. */
const unhandled = createConsoleLogger("error");

/** Retry-After (seconds) of a NOT_READY answer. */
export const notReadyRetryAfterSeconds = 5;

/** Retry-After of a 503 or 429 whose error does not say: come back shortly. */
export const defaultRetryAfterSeconds = { 503: 5, 429: 1 } as const;

export function errorResponse(c: Context, error: AppError): Response {
  const fallback = error.status === 503 || error.status === 429 ? defaultRetryAfterSeconds[error.status] : undefined;
  const retryAfter = error.retryAfterSeconds ?? fallback;
  if (retryAfter !== undefined) c.header("Retry-After", String(Math.max(0, Math.ceil(retryAfter))));
  return c.json(error.toJSON(), error.status as 400);
}

export const handleError: ErrorHandler<AppEnv> = async (error, c) => {
  await discardBody(c.req.raw);
  if (error instanceof AppError) return errorResponse(c, error);
  if (error instanceof HTTPException && error.status < 500) {
    return c.json({ error: { code: "BAD_REQUEST", message: error.message || "bad request" } }, error.status);
  }
  if (isSchemaBehind(error)) {
    unhandled.error("http.not_ready", { method: c.req.method, path: c.req.path, error: String(error), hint: "apply the D1 migrations (migrations/)" });
    return errorResponse(
      c,
      new AppError("NOT_READY", "the database is not set up yet (migrations pending); retry shortly", { retryAfterSeconds: notReadyRetryAfterSeconds }),
    );
  }
  unhandled.error("http.unhandled", { request_id: c.var.requestId, method: c.req.method, path: c.req.path, error: String(error), stack: error instanceof Error ? error.stack : undefined });
  return c.json({ error: { code: "INTERNAL", message: "internal error" } }, 500);
};

export const handleNotFound: NotFoundHandler<AppEnv> = async (c) => {
  await discardBody(c.req.raw);
  return c.json({ error: { code: "NOT_FOUND", message: `no route for ${c.req.method} ${c.req.path}` } }, 404);
};

/**
 * A D1 (SQLite) error saying the schema is behind the code — a missing table
 * ("no such table") or column ("no such column", "table … has no column
 * named …") — here or anywhere down its `cause` chain: migrations pending.
 */
function isSchemaBehind(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    if (/\bno such (table|column)\b|\bhas no column named\b/i.test(current.message)) return true;
  }
  return false;
}
