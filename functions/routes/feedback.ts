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
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import { feedbackCreatedSchema } from "../response-schemas.js";

export const feedbackRoutes = new Hono<AppEnv>().post("/", requireScope("query", "publishable"), rateLimit({ action: "feedback" }), async (c) => {
  const body = await readJson(c, feedbackSchema, { maxBytes: maxFeedbackBytes });
  const { services, tenantId } = c.var;
  return c.json(await services.feedback.submit(tenantId, body), 201);
});

/** API reference (functions/openapi/). */
export const feedbackOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/v1/feedback",
    operationId: "createFeedback",
    summary: "Rate an answer",
    description: "A thumbs up or down with the question, the answer and its sources (≤ 256 KiB). A later rating with the same `message_id` replaces the earlier one (same `id`). Callable cross-origin (CORS) and with publishable keys.",
    tags: ["Feedback"],
    auth: keyWith("query", "publishable"),
    rateLimited: true,
    body: named("FeedbackInput", feedbackSchema),
    responses: { 201: { description: "Stored", json: named("FeedbackCreated", feedbackCreatedSchema) } },
  },
];
