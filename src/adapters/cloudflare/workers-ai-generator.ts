/**
 * Generator adapter for Workers AI text generation (`env.AI.run` with
 * `stream: true`). The binding returns an SSE byte stream: native frames
 * `data: {"response":"..."}`, a usage frame `{"response":"","usage":{...}}`
 * before `data: [DONE]`; some models stream OpenAI-style
 * `{"choices":[{"delta":{"content":"..."}}]}` frames instead. Both are read.
 * Failures become AppError("UPSTREAM_UNAVAILABLE") with the original error as
 * `cause`; upstream text never reaches the message.
 */
import { AppError } from "../../core/errors.js";
import { parseSse } from "../../core/sse/sse-parser.js";
import type { GenerationEvent, GenerationRequest, GenerationUsage, Generator } from "../../ports/generator.js";

/** The part of the `Ai` binding this adapter uses. */
export interface AiTextRunner {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

export interface WorkersAiGeneratorOptions {
  /** Upper bound for `max_tokens` (models default to as little as 256 when it is not sent). */
  maxTokens?: number;
  temperature?: number;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

function unavailable(cause: unknown, message = "the language model is unavailable"): AppError {
  return new AppError("UPSTREAM_UNAVAILABLE", message, { cause });
}

/** Token counts from a `usage` object, or undefined when it has none. */
function readUsage(value: unknown): GenerationUsage | undefined {
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

/** Text and end-of-answer marker of one frame, native or OpenAI-style. */
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

/** Largest `max_tokens` allowed by both the request and the adapter's cap; undefined sends none. */
function pickMaxTokens(requested: number, cap: number | undefined): number | undefined {
  const candidates = [requested, cap].filter((n): n is number => typeof n === "number" && Number.isFinite(n) && n > 0);
  return candidates.length > 0 ? Math.floor(Math.min(...candidates)) : undefined;
}

export class WorkersAiGenerator implements Generator {
  readonly model: string;

  constructor(
    private readonly ai: AiTextRunner,
    model: string,
    private readonly options: WorkersAiGeneratorOptions = {},
  ) {
    this.model = model;
  }

  /**
   * Runs the model on `request.messages` and yields text as it streams, then
   * one usage event when the model reported usage. Honours `request.signal`
   * (passed to the binding, and the stream is cancelled when it fires).
   */
  async *generate(request: GenerationRequest): AsyncGenerator<GenerationEvent> {
    const { signal } = request;
    throwIfAborted(signal);

    const inputs: Json = { messages: request.messages, stream: true };
    const maxTokens = pickMaxTokens(request.maxTokens, this.options.maxTokens);
    if (maxTokens !== undefined) inputs.max_tokens = maxTokens;
    if (this.options.temperature !== undefined) inputs.temperature = this.options.temperature;

    let output: unknown;
    try {
      output = await this.ai.run(this.model, inputs, signal ? { signal } : undefined);
    } catch (error) {
      throwIfAborted(signal);
      throw unavailable(error);
    }

    if (!(output instanceof ReadableStream)) {
      // A model that ignores `stream: true` answers in one object.
      if (isRecord(output) && typeof output.response === "string") {
        if (output.response !== "") yield { type: "text", text: output.response };
        const usage = readUsage(output.usage);
        if (usage) yield { type: "usage", usage };
        return;
      }
      throw unavailable(new Error("Workers AI returned neither a stream nor a response"));
    }

    let usage: GenerationUsage | undefined;
    let complete = false;
    try {
      for await (const message of parseSse(output as ReadableStream<Uint8Array>, { signal })) {
        const data = message.data.trim();
        if (data === "[DONE]") {
          complete = true;
          break;
        }
        let frame: unknown;
        try {
          frame = JSON.parse(data);
        } catch {
          continue; // not a JSON frame: nothing to show
        }
        if (!isRecord(frame)) continue;
        if (frame.error !== undefined && frame.error !== null) throw unavailable(new Error(`Workers AI stream error: ${JSON.stringify(frame.error)}`));
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
    if (!complete) throw unavailable(new Error("Workers AI stream ended without [DONE]"), "the language model stopped before finishing");
    if (usage) yield { type: "usage", usage };
  }
}
