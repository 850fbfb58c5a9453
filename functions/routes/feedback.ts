/**
 * POST /v1/feedback: a thumbs up or down on an answer (sent by the chat
 * widget), stored with the question, the answer and its sources. 201 `{id}`.
 * GET /v1/feedback (admin): read it back, filtered by rating and date, a page
 * of JSON at a time or all of it as CSV or JSON Lines.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { rateLimit } from "../middleware/rate-limit.js";
import { readJson, validate } from "../middleware/json-body.js";
import { feedbackListQuerySchema, feedbackSchema, maxFeedbackBytes } from "../schemas.js";
import { feedbackCsvHeader, feedbackCsvRow, feedbackJsonLine, type FeedbackView } from "../../src/core/feedback/feedback-export.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import { feedbackCreatedSchema, feedbackPageSchema } from "../response-schemas.js";

export const feedbackRoutes = new Hono<AppEnv>()
  .post("/", requireScope("query", "publishable"), rateLimit({ action: "feedback" }), async (c) => {
    const body = await readJson(c, feedbackSchema, { maxBytes: maxFeedbackBytes });
    const { services, tenantId } = c.var;
    return c.json(await services.feedback.submit(tenantId, body), 201);
  })
  .get("/", requireScope("admin"), async (c) => {
    const { format, limit, cursor, ...filters } = validate(feedbackListQuerySchema, c.req.query());
    const { services, tenantId } = c.var;
    if (format === "json") return c.json(await services.feedback.list(tenantId, filters, { limit, ...(cursor !== undefined ? { cursor } : {}) }));
    // Exports stream every match, a store page at a time. The first page is read before the
    // answer starts, so a store that fails at once gets the usual JSON error, not an empty 200.
    const pages = services.feedback.all(tenantId, filters);
    const first = await pages.next();
    const encoder = new TextEncoder();
    const encodePage = (views: FeedbackView[]) => encoder.encode(views.map((view) => (format === "csv" ? feedbackCsvRow(view) : feedbackJsonLine(view))).join(""));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (format === "csv") controller.enqueue(encoder.encode(feedbackCsvHeader()));
        if (first.done) controller.close();
        else controller.enqueue(encodePage(first.value));
      },
      async pull(controller) {
        const next = await pages.next();
        if (next.done) return controller.close();
        controller.enqueue(encodePage(next.value));
      },
      async cancel() {
        await pages.return(undefined);
      },
    });
    const [type, extension] = format === "csv" ? ["text/csv; charset=utf-8", "csv"] : ["application/x-ndjson", "jsonl"];
    return new Response(body, { headers: { "content-type": type, "content-disposition": `attachment; filename="feedback.${extension}"`, "cache-control": "no-store" } });
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
  {
    method: "get",
    path: "/v1/feedback",
    operationId: "listFeedback",
    summary: "Read feedback back",
    description:
      "The tenant's feedback, oldest first, filtered by `rating` and creation time (`from` inclusive, `to` exclusive; a date means midnight UTC). `format=json` (default): a page of `limit` with `next_cursor`; `format=csv` or `jsonl`: every match as a download. In CSV, a cell that a spreadsheet would run as a formula (starting with = + - @) is prefixed with an apostrophe.",
    tags: ["Feedback"],
    auth: keyWith("admin"),
    query: feedbackListQuerySchema,
    responses: {
      200: {
        description: "A page, or the export",
        json: named("FeedbackPage", feedbackPageSchema),
        text: {
          "text/csv": "RFC 4180 CSV with a header row: id, created_at, updated_at, rating, message_id, question, answer, comment, sources (JSON)",
          "application/x-ndjson": "One JSON object per line, as in `feedback` of the JSON page",
        },
      },
    },
  },
];
