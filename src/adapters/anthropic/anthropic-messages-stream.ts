/**
 * Reads a streamed Anthropic Messages API response (`stream: true`) into
 * generation events. The stream is SSE: `message_start` (the input token
 * count), `content_block_start`, `content_block_delta`s (`text_delta` text is
 * the answer; thinking and tool deltas are not), `content_block_stop`,
 * `message_delta` (the output token count so far, the stop reason),
 * `message_stop`, with `ping`s anywhere; an `error` event ends it early.
 *
 * Promises: text is yielded as it arrives, then one usage event when counts
 * were reported; an `error` event becomes the same sanitised AppError an HTTP
 * error with that status would (adapters/openai/openai-http.ts: overloaded
 * and rate limits retryable, credentials and unknown models MISCONFIGURED),
 * with Anthropic's text only in `cause`; a stream that ends without
 * `message_stop` fails (the answer is incomplete); an abort rethrows the
 * signal's reason.
 */
import { AppError } from "../../core/errors.js";
import { parseSse } from "../../core/sse/sse-parser.js";
import type { GenerationEvent, GenerationUsage } from "../../ports/generator.js";
import { upstreamHttpError } from "../openai/openai-http.js";
import { isRecord, throwIfAborted, unavailable } from "../shared/chat-completion-stream.js";

/** HTTP statuses of Anthropic's error types (https://docs.anthropic.com/en/api/errors). */
export const anthropicErrorStatus: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The sanitised AppError for an `error` event's `error` object (its status from the type; unknown types count as 500). */
export async function anthropicStreamError(error: unknown): Promise<AppError> {
  const type = isRecord(error) && typeof error.type === "string" ? error.type : "api_error";
  const status = anthropicErrorStatus[type] ?? 500;
  return upstreamHttpError(new Response(JSON.stringify({ type: "error", error }), { status }), "language model");
}

/** Usage from Anthropic's counts: input (cached reads and writes included) as prompt, output as completion. */
export function anthropicUsage(input: number | undefined, output: number | undefined): GenerationUsage | undefined {
  if (input === undefined && output === undefined) return undefined;
  const usage: GenerationUsage = {};
  if (input !== undefined) usage.prompt_tokens = input;
  if (output !== undefined) usage.completion_tokens = output;
  if (input !== undefined && output !== undefined) usage.total_tokens = input + output;
  return usage;
}

/** Input tokens of a `usage` object: plain input plus cache writes and reads. */
export function inputTokens(usage: unknown): number | undefined {
  if (!isRecord(usage)) return undefined;
  const parts = ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"].map((key) => usage[key]).filter(isCount);
  return parts.length > 0 ? parts.reduce((sum, n) => sum + n, 0) : undefined;
}

export function outputTokens(usage: unknown): number | undefined {
  return isRecord(usage) && isCount(usage.output_tokens) ? usage.output_tokens : undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

export async function* readAnthropicMessagesStream(stream: ReadableStream<Uint8Array>, options: { signal?: AbortSignal } = {}): AsyncGenerator<GenerationEvent> {
  const { signal } = options;
  let input: number | undefined;
  let output: number | undefined;
  let complete = false;
  try {
    for await (const message of parseSse(stream, { signal })) {
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        continue; // not JSON: nothing to show
      }
      if (!isRecord(data)) continue;
      const type = typeof data.type === "string" ? data.type : message.event;
      if (type === "message_start") {
        const usage = isRecord(data.message) ? data.message.usage : undefined;
        input = inputTokens(usage) ?? input;
        output = outputTokens(usage) ?? output;
      } else if (type === "content_block_delta") {
        const delta = data.delta;
        if (isRecord(delta) && delta.type === "text_delta" && typeof delta.text === "string" && delta.text !== "") yield { type: "text", text: delta.text };
      } else if (type === "message_delta") {
        // Cumulative counts; input appears here too on some deployments.
        input = inputTokens(data.usage) ?? input;
        output = outputTokens(data.usage) ?? output;
      } else if (type === "message_stop") {
        complete = true;
        break;
      } else if (type === "error") {
        throw await anthropicStreamError(data.error);
      }
      // ping, content_block_start, content_block_stop and future events: nothing to do.
    }
  } catch (error) {
    throwIfAborted(signal);
    if (error instanceof AppError) throw error;
    throw unavailable(error);
  }
  if (!complete) throw unavailable(new Error("Anthropic stream ended before message_stop"), "the language model stopped before finishing");
  const usage = anthropicUsage(input, output);
  if (usage) yield { type: "usage", usage };
}
