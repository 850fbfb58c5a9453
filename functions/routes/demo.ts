/**
 * GET /demo: the widget demo page, in local mode only (404 on Cloudflare:
 * it embeds the API key).
 */
import { Hono } from "hono";
import { demoContentSecurityPolicy, renderDemoPage } from "../demo/demo-page.js";
import type { AppEnv } from "../context.js";

export const demoRoutes = new Hono<AppEnv>().get("/", (c) => {
  const apiKey = c.var.services.demo.pageKey();
  if (apiKey === null) return c.notFound();
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const html = renderDemoPage({ origin: new URL(c.req.url).origin, apiKey, nonce });
  return c.html(html, 200, { "content-security-policy": demoContentSecurityPolicy(nonce), "cache-control": "no-store" });
});
