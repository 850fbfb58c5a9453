/**
 * The OpenAI-compatible API, so OpenAI clients and tools can talk to the
 * service unchanged:
 * - `POST /v1/chat/completions`: the Chat Completions wire format, answered by
 *   the same retrieval and generation as `/v1/chat` (the chat service): the
 *   last user message is the question, earlier turns the conversation. The
 *   answer carries the numbered sources in an extra `sources` field (on the
 *   first chunk when streamed). Mapping: src/core/openai-compat/.
 * - `GET /v1/models`: the model ids a request may name (services/chat-models.ts).
 *
 * Same keys, scopes, rate limits and answer cache as `/v1/chat`. As there, a streamed
 * answer's headers go out once retrieval is done, so a retrieval failure is a
 * plain JSON error with its status; a failure during generation ends the
 * stream with one `data: {"error": …}` frame. Errors carry OpenAI's `type`
 * and `param` besides the house `code` (middleware/openai-errors.ts).
 */
import { Hono } from "hono";
import { formatServerTiming, serverTimingMetrics } from "../../src/core/observability/server-timing.js";
import { chatCompletion, conversationTurns, type CompletionIdentity } from "../../src/core/openai-compat/chat-completion.js";
import { chatCompletionChunks } from "../../src/core/openai-compat/chat-completion-chunks.js";
import { openAiSseFraming } from "../../src/core/openai-compat/chat-completion-sse.js";
import { modelList } from "../../src/core/openai-compat/model-list.js";
import { parseMetadataFilter } from "../../src/core/search/metadata-filter.js";
import type { ChatRequest } from "../../src/services/chat-service.js";
import type { AppEnv } from "../context.js";
import { requireScope } from "../middleware/auth.js";
import { readJson } from "../middleware/json-body.js";
import { rateLimit } from "../middleware/rate-limit.js";
import { chatCompletionChunkSchema, chatCompletionResponseSchema, chatCompletionSchema, modelListSchema } from "../openai-compat-schemas.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";
import { openAiErrorResponseSchema } from "../response-schemas.js";
import { reservedFilterKeys } from "../schemas.js";
import { chargeGeneratedTokens, chatRetrievalTimings, chatSseResponse, startChatEvents } from "../chat-streaming.js";

export const openAiCompatRoutes = new Hono<AppEnv>()
  .get("/models", requireScope("query", "publishable"), (c) => c.json(modelList(c.var.services.chatModels.list())))
  .post("/chat/completions", requireScope("query", "publishable"), rateLimit({ action: "chat" }), async (c) => {
    const body = await readJson(c, chatCompletionSchema, { maxBytes: 512 * 1024 });
    const { services, tenantId, access } = c.var;
    const identity: CompletionIdentity = {
      id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`,
      created: Math.floor(Date.now() / 1000),
      model: services.chatModels.resolve(body.model),
    };
    const limits = [body.max_tokens, body.max_completion_tokens].filter((n): n is number => typeof n === "number");
    const { retrieval } = body;
    // Aborted when the client goes away, so generation stops mid-token.
    const abort = new AbortController();
    const request: ChatRequest = {
      tenantId,
      messages: conversationTurns(body.messages),
      topK: retrieval.top_k,
      mode: retrieval.mode,
      rerank: retrieval.rerank,
      filter: retrieval.filter === undefined ? undefined : parseMetadataFilter(retrieval.filter, { reservedKeys: reservedFilterKeys }),
      ...(limits.length > 0 ? { maxTokens: Math.min(...limits) } : {}),
      ...(typeof body.temperature === "number" ? { temperature: body.temperature } : {}),
      signal: abort.signal,
      spans: c.var.spans,
      onGenerated: chargeGeneratedTokens(services, tenantId, access),
    };

    // The answer cache's scope: `/v1/chat`'s settings (the retrieval options), plus the
    // generation options when given, so a question answered through either API is a hit in both.
    // A temperature above 0 asks for sampling (a "regenerate" expects another answer): not cached.
    const cacheOptions = {
      cache: body.cache && !(request.temperature !== undefined && request.temperature > 0),
      settings: {
        ...retrieval,
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      },
    };

    if (body.stream !== true) {
      const answer = await services.answerCache.answer(request, cacheOptions);
      c.var.requestCounts.sources = answer.sources.length;
      c.header("Server-Timing", formatServerTiming(serverTimingMetrics({ ...answer.timings }, [...chatRetrievalTimings, "first_token", "total"])));
      c.header("X-Cache", answer.cache);
      c.var.spans?.setAttribute("cache", answer.cache);
      return c.json(chatCompletion(identity, answer));
    }

    // Retrieval runs before the headers go out: a failure here is a JSON error.
    const cached = await services.answerCache.chat(request, cacheOptions);
    const { events, serverTiming } = await startChatEvents(c, cached.events);
    const chunks = chatCompletionChunks(events, identity, { includeUsage: body.stream_options?.include_usage === true });
    const response = chatSseResponse(c, chunks, { abort, serverTiming, framing: openAiSseFraming, failureLog: "chat_completions.stream_failed" });
    response.headers.set("x-cache", cached.cache);
    c.var.spans?.setAttribute("cache", cached.cache);
    return response;
  });

/** API reference (functions/openapi/). */
export const openAiCompatOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/v1/chat/completions",
    operationId: "createChatCompletion",
    summary: "Ask a question in the OpenAI Chat Completions format",
    description:
      "OpenAI-compatible form of `/v1/chat`: the same retrieval and generation, for OpenAI clients and tools. The last user message is the question, earlier user and assistant turns the conversation; system and developer messages are ignored (the service's own answering rules apply). Content is a string or text parts. `model` is `edge-rag` or an id from `GET /v1/models` (any other is a 404). `temperature` and `max_tokens` / `max_completion_tokens` go to the language model (within `GENERATION_MAX_TOKENS`); `top_p`, `presence_penalty`, `frequency_penalty`, `user` and `n: 1` are accepted and ignored; tools, images and `n > 1` are refused. Extension: `retrieval` takes `/v1/chat`'s `top_k`, `mode`, `filter` and `rerank`, and answers carry the numbered `sources`. `stream: true` sends data-only `chat.completion.chunk` frames (the first with the role and `sources`, the last with `finish_reason`, a usage chunk with `stream_options.include_usage`), then `data: [DONE]`; a failure after the first chunk is a last `data: {\"error\": …}` frame instead. Errors also carry OpenAI's `type` and `param`. Callable cross-origin (CORS) and with publishable keys. Answers go through `/v1/chat`'s answer cache (a single question with the same retrieval options, and without `temperature` or a token limit, shares its entries; a `temperature` above 0 is not cached): the `X-Cache` header says `hit`, `miss` or `bypass`; extension `cache: false` bypasses it.",
    tags: ["Search and chat"],
    auth: keyWith("query", "publishable"),
    rateLimited: true,
    body: named("ChatCompletionRequest", chatCompletionSchema),
    responses: {
      200: {
        description: "The completion: JSON, or a stream with `stream: true`",
        json: named("ChatCompletion", chatCompletionResponseSchema),
        eventStream: {
          description: "Data-only frames (no `event:` line), each a chat.completion.chunk, then the literal `data: [DONE]`. Comment lines (`:`) are keep-alive pings.",
          events: { message: named("ChatCompletionChunk", chatCompletionChunkSchema) },
        },
      },
    },
    errors: [404],
    errorBody: named("OpenAiCompatibleError", openAiErrorResponseSchema),
  },
  {
    method: "get",
    path: "/v1/models",
    operationId: "listModels",
    summary: "The model ids /v1/chat/completions accepts",
    description: "OpenAI's model list: the alias `edge-rag` and the configured generator's model. Both name the same pipeline. Callable cross-origin (CORS).",
    tags: ["Search and chat"],
    auth: keyWith("query", "publishable"),
    responses: { 200: { description: "The models", json: named("ModelList", modelListSchema) } },
    errorBody: named("OpenAiCompatibleError", openAiErrorResponseSchema),
  },
];
