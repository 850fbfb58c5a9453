/**
 * POST /v1/feedback: a thumbs up or down on an answer (sent by the chat
 * widget), stored with the question, the answer and its sources. 201 `{id}`.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { rateLimit } from "../middleware/rate-limit.js";
import { readJson } from "../middleware/json-body.js";
import { feedbackSchema, maxFeedbackBytes } from "../schemas.js";

export const feedbackRoutes = new Hono<AppEnv>().post("/", requireScope("query", "publishable"), rateLimit({ action: "feedback" }), async (c) => {
  const body = await readJson(c, feedbackSchema, { maxBytes: maxFeedbackBytes });
  const { services, tenantId } = c.var;
  return c.json(await services.feedback.submit(tenantId, body), 201);
});
