/**
 * GET /demo: the widget demo page, in local mode only (404 on Cloudflare:
 * it embeds the API key).
 */
import { Hono } from "hono";
import { demoContentSecurityPolicy, renderDemoPage } from "../demo/demo-page.js";
import type { AppEnv } from "../context.js";
import { publicAccess, type ApiOperation } from "../openapi/api-operation.js";

export const demoRoutes = new Hono<AppEnv>().get("/", (c) => {
  const apiKey = c.var.services.demo.pageKey();
  if (apiKey === null) return c.notFound();
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const html = renderDemoPage({ origin: new URL(c.req.url).origin, apiKey, nonce });
  return c.html(html, 200, { "content-security-policy": demoContentSecurityPolicy(nonce), "cache-control": "no-store" });
});

/** API reference (functions/openapi/). */
export const demoOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/demo",
    operationId: "getDemoPage",
    summary: "Chat widget demo page (local mode only)",
    description: "A page with the chat widget, using the local operator key; it loads sample documents into an empty index. 404 on Cloudflare.",
    tags: ["Service"],
    auth: publicAccess,
    responses: { 200: { description: "The page", html: true } },
    errors: [404],
  },
];
