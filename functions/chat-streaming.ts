/**
 * What the chat routes (`/v1/chat`, `/v1/chat/completions`) and the MCP
 * `ask` tool share: charging generated tokens, running retrieval before a
 * stream's headers go out, and the SSE response itself. Each route keeps its
 * own wire format (event framing, JSON shapes).
 */
import type { Context } from "hono";
import { AppError } from "../src/core/errors.js";
import { generatedTokens } from "../src/core/limits/generated-tokens.js";
import { formatServerTiming } from "../src/core/observability/server-timing.js";
import { stageDurations } from "../src/core/observability/stage-durations.js";
import { createSseStream, type SseEvent, type SseFraming } from "../src/core/sse/sse-encoder.js";
import type { GenerationUsage } from "../src/ports/generator.js";
import type { AccessContext } from "../src/services/access-service.js";
import type { ChatEvent } from "../src/services/chat-service.js";
import type { Services } from "../src/services/services.js";
import type { AppEnv } from "./context.js";

/** The retrieval stages in a chat's Server-Timing header, in pipeline order. */
export const chatRetrievalTimings = ["rewrite", "embed", "vector", "keyword", "hydrate", "fuse", "rerank"] as const;

/** A chat request's `onGenerated`: counts the generated tokens and charges them to the key's daily budget, before `done`. */
export function chargeGeneratedTokens(services: Services, tenantId: string, access: AccessContext) {
  return async (output: { usage?: GenerationUsage; characters: number }): Promise<void> => {
    const tokens = generatedTokens(output);
    if (tokens > 0) services.metrics.record({ kind: "generation_tokens", tenant: tenantId, tokens });
    await services.limits.recordGeneration(access, output);
  };
}

/**
 * Awaits the chat's first event (`sources`: retrieval is done) before any
 * header goes out, so a retrieval failure is a plain JSON error; returns the
 * whole event sequence again and the retrieval stages as a Server-Timing value.
 */
export async function startChatEvents(c: Context<AppEnv>, events: AsyncGenerator<ChatEvent>): Promise<{ events: AsyncGenerator<ChatEvent>; serverTiming: string }> {
  const first = await events.next();
  if (!first.done && first.value.event === "sources") c.var.requestCounts.sources = first.value.data.sources.length;
  const stages = stageDurations(c.var.spans.stages());
  const serverTiming = formatServerTiming(chatRetrievalTimings.map((name) => ({ name, durationMs: stages[name] })));
  async function* resumed(): AsyncGenerator<ChatEvent> {
    try {
      if (first.done) return;
      yield first.value;
      yield* events;
    } finally {
      // Stops the answer when the stream ends before it did (client gone before the second event).
      await events.return(undefined);
    }
  }
  return { events: resumed(), serverTiming };
}

/** The streamed answer: pings, a five-minute ceiling, `abort` on a client that left, failures as the framing's error. */
export function chatSseResponse(
  c: Context<AppEnv>,
  events: AsyncIterable<SseEvent>,
  options: { abort: AbortController; serverTiming: string; failureLog: string; framing?: SseFraming },
): Response {
  const stream = createSseStream(events, {
    ...(options.framing ? { framing: options.framing } : {}),
    pingIntervalMs: 15_000,
    maxDurationMs: 5 * 60_000,
    onStop: () => options.abort.abort(),
    onError(error) {
      if (error instanceof AppError) return { code: error.code, message: error.message };
      c.var.services.log.error(options.failureLog, { request_id: c.var.requestId, error: String(error) });
      return { code: "INTERNAL", message: "the answer could not be completed" };
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      ...(options.serverTiming ? { "server-timing": options.serverTiming } : {}),
    },
  });
}
