/**
 * What the two LLM generators (Workers AI, OpenAI-compatible) share: reading
 * a streamed completion (SSE frames, native Workers AI `{"response": ...}` or
 * OpenAI-style `choices[0].delta.content`, a usage frame, `[DONE]`) into
 * generation events, and turning failures into sanitised AppErrors whose
 * upstream text only ever goes to `cause`.
 */
import { AppError } from "../../core/errors.js";
import { parseSse } from "../../core/sse/sse-parser.js";
import type { GenerationEvent, GenerationUsage } from "../../ports/generator.js";

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/**
 * A sanitised UPSTREAM_UNAVAILABLE: the upstream error only as `cause`;
 * `details` (e.g. `{status, retryAfter}`) lets the resilience layer classify it.
 */
export function unavailable(cause: unknown, message = "the language model is unavailable", details?: unknown): AppError {
  return new AppError("UPSTREAM_UNAVAILABLE", message, { cause, ...(details === undefined ? {} : { details }) });
}

/** Token counts from a `usage` object, or undefined when it has none. */
export function readUsage(value: unknown): GenerationUsage | undefined {
  if (!isRecord(value)) return undefined;
  const usage: GenerationUsage = {};
  for (const key of ["prompt_tokens", "completion_tokens", "total_tokens"] as const) {
    const n = value[key];
    if (typeof n === "number" && Number.isFinite(n)) usage[key] = n;
  }
  if (usage.total_tokens === undefined && usage.prompt_tokens !== undefined && usage.completion_tokens !== undefined) {
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  }
  return Object.keys(usage).length > 0 ? usage : undefined;
}

/** Largest `max_tokens` allowed by both the request and the adapter's cap; undefined sends none. */
export function pickMaxTokens(requested: number | undefined, cap: number | undefined): number | undefined {
  const candidates = [requested, cap].filter((n): n is number => typeof n === "number" && Number.isFinite(n) && n > 0);
  return candidates.length > 0 ? Math.floor(Math.min(...candidates)) : undefined;
}

/** Text and end-of-answer marker of one frame, native Workers AI or OpenAI-style. */
function readFrame(frame: Json): { text: string; finished: boolean } {
  let text = "";
  let finished = false;
  if (typeof frame.response === "string") text += frame.response;
  const choice = Array.isArray(frame.choices) ? (frame.choices[0] as unknown) : undefined;
  if (isRecord(choice)) {
    const delta = choice.delta;
    // Reasoning models also stream `reasoning_content`; it is not part of the answer.
    if (isRecord(delta) && typeof delta.content === "string") text += delta.content;
    else if (typeof choice.text === "string") text += choice.text;
    if (typeof choice.finish_reason === "string") finished = true;
  }
  if (typeof frame.finish_reason === "string") finished = true;
  return { text, finished };
}

/**
 * Yields the text of a streamed completion as it arrives, then one usage
 * event if usage was reported. A stream that ends with neither `[DONE]` nor a
 * finish reason, or that carries an error frame, fails with
 * UPSTREAM_UNAVAILABLE; an abort rethrows the signal's reason.
 */
export async function* readChatCompletionStream(
  stream: ReadableStream<Uint8Array>,
  options: { signal?: AbortSignal; source: string },
): AsyncGenerator<GenerationEvent> {
  const { signal, source } = options;
  let usage: GenerationUsage | undefined;
  let complete = false;
  try {
    for await (const message of parseSse(stream, { signal })) {
      const data = message.data.trim();
      if (data === "[DONE]") {
        complete = true;
        break;
      }
      let frame: unknown;
      try {
        frame = JSON.parse(data);
      } catch {
        continue; // keep-alive or vendor noise: nothing to show
      }
      if (!isRecord(frame)) continue;
      if (frame.error !== undefined && frame.error !== null) throw unavailable(new Error(`${source} stream error: ${JSON.stringify(frame.error)}`));
      usage = readUsage(frame.usage) ?? usage;
      const { text, finished } = readFrame(frame);
      if (finished) complete = true;
      if (text !== "") yield { type: "text", text };
    }
  } catch (error) {
    throwIfAborted(signal);
    if (error instanceof AppError) throw error;
    throw unavailable(error);
  }
  if (!complete) throw unavailable(new Error(`${source} stream ended early`), "the language model stopped before finishing");
  if (usage) yield { type: "usage", usage };
}
