/**
 * POST /v1/chat: answers from the tenant's documents. Streams SSE by default
 * (`sources`, then `delta`s, then `done`, or `error`); `stream: false` returns
 * one JSON object.
 */
import { Hono } from "hono";
import { AppError } from "../../src/core/errors.js";
import { parseMetadataFilter } from "../../src/core/search/metadata-filter.js";
import { createSseStream } from "../../src/core/sse/sse-encoder.js";
import type { GenerationUsage } from "../../src/ports/generator.js";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { rateLimit } from "../middleware/rate-limit.js";
import { readJson } from "../middleware/json-body.js";
import { chatSchema, reservedFilterKeys } from "../schemas.js";

export const chatRoutes = new Hono<AppEnv>().post("/", requireScope("query", "publishable"), rateLimit({ action: "chat" }), async (c) => {
  const body = await readJson(c, chatSchema, { maxBytes: 512 * 1024 });
  const { services, tenantId, access } = c.var;
  // Aborted when the client goes away, so generation stops mid-token.
  const abort = new AbortController();
  const request = {
    tenantId,
    messages: body.messages,
    topK: body.top_k,
    mode: body.mode,
    rerank: body.rerank,
    filter: body.filter === undefined ? undefined : parseMetadataFilter(body.filter, { reservedKeys: reservedFilterKeys }),
    signal: abort.signal,
    // Charges the generated tokens to the key's daily budget before `done`.
    onGenerated: (output: { usage?: GenerationUsage; characters: number }) => services.limits.recordGeneration(access, output),
  };
  if (!body.stream) return c.json(await services.chat.answer(request));

  const stream = createSseStream(services.chat.chat(request), {
    pingIntervalMs: 15_000,
    maxDurationMs: 5 * 60_000,
    onStop: () => abort.abort(),
    onError(error) {
      if (error instanceof AppError) return { code: error.code, message: error.message };
      services.log.error("chat.stream_failed", { error: String(error) });
      return { code: "INTERNAL", message: "the answer could not be completed" };
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
});
