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
import { chatRoutes } from "./routes/chat.js";
import { demoRoutes } from "./routes/demo.js";
import { documentRoutes } from "./routes/documents.js";
import { feedbackRoutes } from "./routes/feedback.js";
import { healthRoutes } from "./routes/health.js";
import { indexRoutes } from "./routes/index-info.js";
import { keyRoutes } from "./routes/keys.js";
import { tenantRoutes } from "./routes/tenants.js";
import { searchRoutes } from "./routes/search.js";

export function createApp(resolveServices: (env: Env) => Promise<Services>) {
  const app = new Hono<AppEnv>();
  app.onError(handleError);
  app.notFound(handleNotFound);
  app.use("*", async (c, next) => {
    c.set("services", await resolveServices(c.env));
    await next();
  });
  app.route("/health", healthRoutes);
  app.route("/demo", demoRoutes);
  // The chat widget calls these from other sites: CORS, with preflights answered before auth.
  const widgetCors = cors();
  app.use("/v1/chat", widgetCors);
  app.use("/v1/feedback", widgetCors);
  app.use("/v1/*", authenticate());
  app.route("/v1/documents", documentRoutes);
  app.route("/v1/search", searchRoutes);
  app.route("/v1/chat", chatRoutes);
  app.route("/v1/feedback", feedbackRoutes);
  app.route("/v1/index", indexRoutes);
  app.route("/v1/tenants", tenantRoutes);
  app.route("/v1/keys", keyRoutes);
  return app;
}
