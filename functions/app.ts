/**
 * The HTTP API: routes and middleware, thin. Everything it does goes through
 * the services that `resolveServices` (the composition root) builds.
 */
import { Hono } from "hono";
import type { Services } from "../src/services/services.js";
import type { AppEnv } from "./context.js";
import { authenticate } from "./middleware/auth.js";
import { cors } from "./middleware/cors.js";
import { handleError, handleNotFound } from "./middleware/error-handler.js";
import { requestContext } from "./middleware/request-context.js";
import { chatRoutes } from "./routes/chat.js";
import { answerCacheRoutes } from "./routes/answer-cache.js";
import { consistencyRoutes } from "./routes/consistency.js";
import { demoRoutes } from "./routes/demo.js";
import { documentRoutes } from "./routes/documents.js";
import { feedbackRoutes } from "./routes/feedback.js";
import { healthRoutes } from "./routes/health.js";
import { indexRoutes } from "./routes/index-info.js";
import { keyRoutes } from "./routes/keys.js";
import { tenantRoutes } from "./routes/tenants.js";
import { searchRoutes } from "./routes/search.js";
import { statsRoutes } from "./routes/stats.js";
import { sourceRoutes } from "./routes/sources.js";
import { apiReferenceRoutes } from "./routes/api-reference.js";
import { apiDocumentOptions, apiOperations } from "./openapi/api-operations.js";
import { openAiCompatRoutes } from "./routes/openai-compat.js";
import { openAiErrors } from "./middleware/openai-errors.js";
import { mcpRoutes } from "./routes/mcp.js";

export function createApp(resolveServices: (env: Env) => Promise<Services>) {
  const app = new Hono<AppEnv>();
  app.onError(handleError);
  app.notFound(handleNotFound);
  // First: the request id, spans and the one log line cover everything below, errors and preflights included.
  app.use(
    "*",
    requestContext({
      // One `http_request` metric per request, when its log line is written (after the stream for SSE).
      onEnd: (summary, c) =>
        c.var.services?.metrics.record({
          kind: "http_request",
          route: summary.route,
          status: summary.status,
          method: summary.method,
          tenant: summary.tenant,
          duration_ms: summary.durationMs,
        }),
    }),
  );
  app.use("*", async (c, next) => {
    c.set("services", await resolveServices(c.env));
    await next();
  });
  app.route("/health", healthRoutes);
  app.route("/demo", demoRoutes);
  // The API reference (no key): GET /openapi.json and GET /docs.
  app.route("/", apiReferenceRoutes(apiOperations, apiDocumentOptions));
  // The chat widget calls these from other sites: CORS, with preflights answered before auth.
  const widgetCors = cors();
  app.use("/v1/chat", widgetCors);
  app.use("/v1/feedback", widgetCors);
  app.use("/v1/search", widgetCors); // the widget's search mode (data-mode="search")
  // The OpenAI-compatible API: browser clients too (OpenAI's SDK adds x-stainless-* headers), and errors OpenAI clients read.
  app.use("/v1/chat/completions", cors({ allowHeaders: ["authorization", "content-type", "*"] }));
  app.use("/v1/models", cors({ allowMethods: ["GET"], allowHeaders: ["authorization", "*"] }));
  app.use("/v1/chat/completions", openAiErrors());
  app.use("/v1/models", openAiErrors());
  app.use("/v1/*", authenticate());
  app.route("/v1/documents", documentRoutes);
  app.route("/v1/sources", sourceRoutes);
  app.route("/v1/search", searchRoutes);
  app.route("/v1/chat", chatRoutes);
  app.route("/v1/cache", answerCacheRoutes);
  app.route("/v1", openAiCompatRoutes);
  app.route("/v1/feedback", feedbackRoutes);
  app.route("/v1/index", indexRoutes);
  app.route("/v1/tenants", tenantRoutes);
  app.route("/v1/keys", keyRoutes);
  app.route("/v1/consistency", consistencyRoutes);
  app.route("/v1/stats", statsRoutes);
  // MCP (Streamable HTTP) for AI clients: not under /v1, so authenticated here, with the same keys.
  app.use("/mcp", authenticate());
  app.route("/mcp", mcpRoutes);
  return app;
}
