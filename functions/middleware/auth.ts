/**
 * Bearer-key authentication. Today one admin key (the API_KEY secret; in
 * local mode "local-dev-key" unless API_KEY is set) acting on the default
 * tenant. Keys are compared in constant time.
 */
import type { MiddlewareHandler } from "hono";
import { AppError } from "../../src/core/errors.js";
import type { AppEnv } from "../context.js";

export const defaultTenantId = "default";

export function requireApiKey(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.var.services.config.apiKey;
    if (!expected) throw new AppError("MISCONFIGURED", "the API_KEY secret is not set; set it with `wrangler secret put API_KEY`");
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AppError("UNAUTHORIZED", "send the API key as `Authorization: Bearer <key>`");
    if (!(await constantTimeEqual(match[1]!, expected))) throw new AppError("UNAUTHORIZED", "invalid API key");
    c.set("tenantId", defaultTenantId);
    await next();
  };
}

/** Compares SHA-256 digests so the time taken reveals nothing about the key. */
async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [x, y] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(a)), crypto.subtle.digest("SHA-256", encoder.encode(b))]);
  const left = new Uint8Array(x);
  const right = new Uint8Array(y);
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= left[i]! ^ right[i]!;
  return difference === 0;
}
