/**
 * For the OpenAI-compatible routes: adds OpenAI's `type` and `param` to every
 * JSON error they answer (src/core/openai-compat/openai-error.ts), whoever
 * produced it — authentication, the rate limiter, validation, the route.
 * Registered before authentication so its errors are covered too. Other
 * responses pass through untouched.
 */
import type { MiddlewareHandler } from "hono";
import { toOpenAiErrorBody } from "../../src/core/openai-compat/openai-error.js";

/** Error bodies larger than this are left as they are (ours are far smaller). */
const maxErrorBytes = 64 * 1024;

export function openAiErrors(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const response = c.res;
    if (response.status < 400 || !/^application\/json\b/i.test(response.headers.get("content-type") ?? "")) return;
    if (Number(response.headers.get("content-length") ?? 0) > maxErrorBytes) return;
    let body: unknown;
    try {
      body = await response.clone().json();
    } catch {
      return;
    }
    const shaped = toOpenAiErrorBody(body, response.status);
    if (!shaped) return;
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    c.res = undefined;
    c.res = new Response(JSON.stringify(shaped), { status: response.status, statusText: response.statusText, headers });
  };
}
