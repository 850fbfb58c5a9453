/**
 * POST /v1/chat: answers from the tenant's documents. Streams SSE by default
 * (`sources`, then `delta`s, then `done`, or `error`); `stream: false` returns
 * one JSON object.
 *
 * Both answer with a `Server-Timing` header. The JSON answer's carries the
 * retrieval stages (rewrite, embed, vector, keyword, fuse, rerank), the time
 * to the first token and the total. A stream's headers go out once retrieval
 * is done (the first event, `sources`, is awaited before the response is
 * returned), so its header carries the retrieval stages as the request's
 * spans measured them; the time to the first token is in the `done` event's
 * `timings`. A consequence: a retrieval failure (e.g. `mode: "vector"` with
 * the embedding model down) is answered as a plain JSON error with its
 * status, not as a 200 stream holding an `error` event; failures after the
 * sources (generation) still end the stream with an `error` event.
 *
 * Answers go through the answer cache (services/answer-cache/): `X-Cache`
 * and `cache` in `done` (or the JSON) say `hit`, `miss` or `bypass`; a hit
 * replays the stored events and charges no generated tokens, but counts
 * against the rate limit like any chat request.
 */
import { Hono } from "hono";
import { formatServerTiming, serverTimingMetrics } from "../../src/core/observability/server-timing.js";
import { parseMetadataFilter } from "../../src/core/search/metadata-filter.js";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { rateLimit } from "../middleware/rate-limit.js";
import { readJson } from "../middleware/json-body.js";
import { chatSchema, reservedFilterKeys } from "../schemas.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import { chatAnswerSchema, chatDeltaEventSchema, chatDoneEventSchema, chatNoticeEventSchema, chatSourcesEventSchema, streamErrorEventSchema } from "../response-schemas.js";
import { chargeGeneratedTokens, chatRetrievalTimings, chatSseResponse, startChatEvents } from "../chat-streaming.js";

export const chatRoutes = new Hono<AppEnv>().post("/", requireScope("query", "publishable"), rateLimit({ action: "chat" }), async (c) => {
  const body = await readJson(c, chatSchema, { maxBytes: 512 * 1024 });
  const { services, tenantId, access } = c.var;
  // Aborted when the client goes away, so generation stops mid-token.
  const abort = new AbortController();
  // Everything of the body but the question, the framing and the switch changes the answer: it keys the cache.
  const { messages: _messages, stream: _stream, cache, ...settings } = body;
  const request = {
    tenantId,
    messages: body.messages,
    topK: body.top_k,
    mode: body.mode,
    rerank: body.rerank,
    filter: body.filter === undefined ? undefined : parseMetadataFilter(body.filter, { reservedKeys: reservedFilterKeys }),
    signal: abort.signal,
    spans: c.var.spans,
    onGenerated: chargeGeneratedTokens(services, tenantId, access),
  };
  if (!body.stream) {
    const answer = await services.answerCache.answer(request, { cache, settings });
    c.var.requestCounts.sources = answer.sources.length;
    c.header("Server-Timing", formatServerTiming(serverTimingMetrics({ ...answer.timings }, [...chatRetrievalTimings, "first_token", "total"])));
    c.header("X-Cache", answer.cache);
    c.var.spans?.setAttribute("cache", answer.cache);
    return c.json(answer);
  }

  // Retrieval runs before the headers go out (see the file comment): a failure here is a JSON error.
  const cached = await services.answerCache.chat(request, { cache, settings });
  const { events, serverTiming } = await startChatEvents(c, cached.events);
  const response = chatSseResponse(c, events, { abort, serverTiming, failureLog: "chat.stream_failed" });
  response.headers.set("x-cache", cached.cache);
  c.var.spans?.setAttribute("cache", cached.cache);
  return response;
});

/** API reference (functions/openapi/). */
export const chatOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/v1/chat",
    operationId: "chat",
    summary: "Ask a question, answered from the documents with citations",
    description:
      "Streams Server-Sent Events by default; `stream: false` answers with one JSON object. The retrieval query is the latest user message (a follow-up is rewritten into a standalone query first). Every `[n]` in the answer refers to a source that was sent. A failure before the `sources` event is an HTTP error; after it, an `error` event ends the stream. Callable cross-origin (CORS) and with publishable keys. Answers are cached per tenant (the same or a near-identical question, with the same settings, against the same documents): the `X-Cache` header and `cache` in `done` (or the JSON) say `hit`, `miss` or `bypass`; `cache: false` bypasses the cache.",
    tags: ["Search and chat"],
    auth: keyWith("query", "publishable"),
    rateLimited: true,
    body: named("ChatRequest", chatSchema),
    responses: {
      200: {
        description: "The answer: a stream (default), or JSON with `stream: false`",
        json: named("ChatAnswer", chatAnswerSchema),
        eventStream: {
          description: "`sources` first, then `notice` (if the language model is unavailable), `delta`s, and `done` — or `error` as the last event. Comment lines (`:`) are keep-alive pings.",
          events: {
            sources: named("ChatSourcesEvent", chatSourcesEventSchema),
            notice: named("ChatNoticeEvent", chatNoticeEventSchema),
            delta: named("ChatDeltaEvent", chatDeltaEventSchema),
            done: named("ChatDoneEvent", chatDoneEventSchema),
            error: named("StreamErrorEvent", streamErrorEventSchema),
          },
        },
      },
    },
  },
];
