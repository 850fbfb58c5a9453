/**
 * Request schema of `POST /v1/chat/completions` (the OpenAI Chat Completions
 * wire format). Strict like the rest of the API, with one difference: the
 * OpenAI fields clients commonly send as sampling hints (`top_p`,
 * `presence_penalty`, `frequency_penalty`, `user`, `n: 1`) are accepted and
 * ignored, so stock clients work; features this service cannot provide
 * (tools, images, `n > 1`, logprobs, response formats...) are refused with a
 * 400 naming the field. Retrieval options go in the documented extension
 * object `retrieval`, with `/v1/chat`'s fields and defaults. Below it, the
 * answer shapes, for the API reference.
 */
import { z } from "zod";
import { chatSchema } from "./schemas.js";
import { chatSourcesEventSchema } from "./response-schemas.js";

/** Characters of one message (as `/v1/chat`). */
const maxMessageCharacters = 32_000;

const notBlank = (text: string) => text.trim().length > 0;

/** A content part: only `{type: "text", text}`; other kinds (image_url, input_audio, file) are named in the error. */
const contentPart = z
  .looseObject({ type: z.string().max(64), text: z.unknown().optional() })
  .superRefine((part, ctx) => {
    if (part.type !== "text") {
      ctx.addIssue({ code: "custom", path: ["type"], message: `only text content parts are supported (got "${part.type}")` });
      return;
    }
    if (typeof part.text !== "string") ctx.addIssue({ code: "custom", path: ["text"], message: "a text part needs a `text` string" });
    const unknown = Object.keys(part).filter((key) => key !== "type" && key !== "text");
    if (unknown.length > 0) ctx.addIssue({ code: "unrecognized_keys", keys: unknown, message: `Unrecognized key: "${unknown[0]}"` });
  })
  .transform((part) => ({ type: "text" as const, text: part.text as string }));

const content = z
  .union([z.string(), z.array(contentPart).min(1).max(100)])
  .refine((value) => (typeof value === "string" ? value : value.map((part) => part.text).join("\n")).length <= maxMessageCharacters, `at most ${maxMessageCharacters} characters`);

const message = z
  .strictObject({
    role: z.enum(["system", "developer", "user", "assistant"]),
    content,
    name: z.string().max(256).optional(),
    // Sent back by clients that replay the assistant message they received.
    refusal: z.null().optional(),
  })
  .refine((m) => m.role === "system" || m.role === "developer" || notBlank(typeof m.content === "string" ? m.content : m.content.map((part) => part.text).join("")), {
    message: "must not be blank",
    path: ["content"],
  });

/** Optional: a positive whole number (null as absent). */
const tokenLimit = z.number().int().min(1).max(1_000_000).nullable().optional();

export const chatCompletionSchema = z
  .strictObject({
    model: z.string().min(1).max(256),
    messages: z
      .array(message)
      .min(1)
      .max(200)
      .refine((messages) => messages.filter((m) => m.role === "user" || m.role === "assistant").at(-1)?.role === "user", "the last user or assistant message must be from the user"),
    stream: z.boolean().nullable().optional(),
    stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    max_tokens: tokenLimit,
    max_completion_tokens: tokenLimit,
    // Accepted and ignored (see the module comment).
    n: z.literal(1, { error: "only n = 1 is supported" }).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    presence_penalty: z.number().min(-2).max(2).nullable().optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    user: z.string().max(256).optional(),
    /** Extension: as `/v1/chat`'s `cache`. */
    cache: chatSchema.shape.cache,
    /** Extension: retrieval options, as `/v1/chat` takes them. */
    retrieval: z
      .strictObject({
        top_k: chatSchema.shape.top_k,
        mode: chatSchema.shape.mode,
        filter: chatSchema.shape.filter,
        rerank: chatSchema.shape.rerank,
      })
      .prefault({}),
  });

export type ChatCompletionBody = z.output<typeof chatCompletionSchema>;

// ---------------------------------------------------------------------------
// Answer shapes, for the API reference (functions/openapi/) and the tests.

const count = z.number().int().nonnegative();
const sources = chatSourcesEventSchema.shape.sources.describe("Extension: the numbered sources the `[n]` citations refer to (as `/v1/chat` sends them)");
const degraded = z.array(z.enum(["vector", "rerank", "generator"])).describe("Extension: parts skipped because their provider was unavailable");
const notice = z.object({ code: z.literal("GENERATOR_UNAVAILABLE"), message: z.string() });
const usage = z
  .object({ prompt_tokens: count, completion_tokens: count, total_tokens: count })
  .describe("The model's own counts when it reports them; otherwise completion_tokens is estimated at 4 characters a token and prompt_tokens is 0");
const completionCommon = {
  id: z.string().describe("`chatcmpl-…`, the same on every chunk of a stream"),
  created: count.describe("Unix seconds"),
  model: z.string().describe("The configured generator's model id (for the alias too)"),
};

export const chatCompletionResponseSchema = z.object({
  ...completionCommon,
  object: z.literal("chat.completion"),
  choices: z.array(
    z.object({
      index: z.literal(0),
      message: z.object({ role: z.literal("assistant"), content: z.string().describe("The answer, citing sources as [n]"), refusal: z.null() }),
      logprobs: z.null(),
      finish_reason: z.literal("stop"),
    }),
  ),
  usage,
  sources,
  degraded: degraded.optional(),
  notices: z.array(notice).optional().describe("Extension: e.g. GENERATOR_UNAVAILABLE when the answer quotes the sources instead"),
  grounded: z.boolean().optional().describe("Extension: false when the documents do not answer the question (the answer declines and cites nothing), true when it answers from the sources"),
});

export const chatCompletionChunkSchema = z
  .object({
    ...completionCommon,
    object: z.literal("chat.completion.chunk"),
    choices: z
      .array(
        z.object({
          index: z.literal(0),
          delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
          logprobs: z.null(),
          finish_reason: z.literal("stop").nullable(),
        }),
      )
      .describe("One choice; none on the usage chunk"),
    usage: usage.nullable().optional().describe("With `stream_options.include_usage`: null on every chunk but the last, which has no choices"),
    sources: sources.optional().describe("Extension, first chunk only: the numbered sources"),
    notice: notice.optional().describe("Extension: the language model is unavailable; the answer quotes the sources"),
    degraded: degraded.optional().describe("Extension, on the chunk with finish_reason: what was skipped"),
    grounded: z.boolean().optional().describe("Extension, on the chunk with finish_reason: false when the answer declines (nothing cited)"),
  })
  .describe("One `data:` frame of a streamed completion");

export const modelListSchema = z.object({
  object: z.literal("list"),
  data: z.array(
    z.object({
      id: z.string().describe('"edge-rag" (the alias) or the configured generator\'s model'),
      object: z.literal("model"),
      created: count.describe("Always 0 (unknown)"),
      owned_by: z.string().describe('"edge-rag" for the alias, else the generator kind: workers-ai, openai, anthropic or extractive'),
    }),
  ),
});
