/**
 * CORS for the browser-facing routes (the chat widget runs on other sites).
 * Answers preflights itself, so it must run before authentication (a
 * preflight never carries the Authorization header), and adds
 * `Access-Control-Allow-Origin` to every other response, errors included, so
 * the widget can read error bodies.
 *
 * Any origin is allowed: the widget authenticates with a bearer key in the
 * Authorization header, never with cookies, so no credentials are allowed
 * (`Access-Control-Allow-Credentials` is never sent) and a foreign page gains
 * nothing it could not do with the key itself. Per-key origin allowlists come
 * with publishable keys (the tenancy issue). Only the widget's routes use
 * this (/v1/chat, /v1/feedback, /v1/search) and the OpenAI-compatible ones;
 * /v1/documents and the other admin routes stay same-origin only.
 */
import type { MiddlewareHandler } from "hono";

export interface CorsOptions {
  /** Methods a preflight allows. Default: POST. */
  allowMethods?: string[];
  /** Request headers a preflight allows. Default: authorization, content-type. */
  allowHeaders?: string[];
  /** Response headers scripts may read besides the CORS-safelisted ones. Default: retry-after. */
  exposeHeaders?: string[];
  /** How long browsers may cache a preflight (Chromium caps it at 2 hours). Default 7200 s. */
  maxAgeSeconds?: number;
}

export function cors(options: CorsOptions = {}): MiddlewareHandler {
  const allowMethods = (options.allowMethods ?? ["POST"]).join(", ");
  const allowHeaders = (options.allowHeaders ?? ["authorization", "content-type"]).join(", ");
  const exposeHeaders = (options.exposeHeaders ?? ["retry-after"]).join(", ");
  const maxAge = String(options.maxAgeSeconds ?? 7200);

  return async (c, next) => {
    if (c.req.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": allowMethods,
          "access-control-allow-headers": allowHeaders,
          "access-control-max-age": maxAge,
          allow: `OPTIONS, ${allowMethods}`,
        },
      });
    }
    await next();
    let headers = c.res.headers;
    try {
      headers.set("access-control-allow-origin", "*");
    } catch {
      // Immutable headers (a response passed through from fetch): copy it.
      c.res = new Response(c.res.body, c.res);
      headers = c.res.headers;
      headers.set("access-control-allow-origin", "*");
    }
    if (exposeHeaders) headers.set("access-control-expose-headers", exposeHeaders);
  };
}
