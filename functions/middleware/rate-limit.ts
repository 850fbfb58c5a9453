/**
 * Rate limits and daily budgets for a route (after authentication and the
 * scope check, before the body is read): `rateLimit({ action: "chat" })`.
 * Counts the request against the caller's limits (services/usage-limits.ts)
 * and answers 429 when one is reached — `RATE_LIMITED` for a per-minute
 * limit, `BUDGET_EXHAUSTED` for a daily budget — with `Retry-After` (whole
 * seconds, at least 1) and the API's JSON error. Allowed responses carry
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` for the
 * tightest per-minute limit (draft-ietf-httpapi-ratelimit-headers).
 */
import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../../src/core/errors.js";
import { clientAddressKey } from "../../src/core/limits/client-address.js";
import type { WindowStatus } from "../../src/ports/rate-limiter.js";
import type { LimitedAction } from "../../src/services/usage-limits.js";
import type { AppEnv } from "../context.js";
import { errorResponse } from "./error-handler.js";

export interface RateLimitOptions {
  /** Which limits apply (see services/usage-limits.ts). */
  action: LimitedAction;
  /**
   * The client's address, for per-address limits. Default: `CF-Connecting-IP`
   * (set by Cloudflare; absent locally, where every client is "unknown").
   */
  clientAddress?: (c: Context<AppEnv>) => string | undefined;
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const address = options.clientAddress ?? ((c: Context<AppEnv>) => c.req.header("cf-connecting-ip"));
  return async (c, next) => {
    const decision = await c.var.services.limits.check(c.var.access, options.action, clientAddressKey(address(c)));
    if (!decision.allowed) {
      const response = errorResponse(c, new AppError(decision.code, decision.message));
      response.headers.set("retry-after", String(decision.retryAfterSeconds));
      if (decision.window) setRateLimitHeaders(response.headers, decision.window);
      return response;
    }
    await next();
    if (decision.window) {
      try {
        setRateLimitHeaders(c.res.headers, decision.window);
      } catch {
        // Immutable headers (a response passed through): leave them out.
      }
    }
  };
}

function setRateLimitHeaders(headers: Headers, window: WindowStatus): void {
  headers.set("ratelimit-limit", String(window.limit));
  headers.set("ratelimit-remaining", String(window.remaining));
  headers.set("ratelimit-reset", String(window.resetSeconds));
}
