/**
 * Generator adapter for Workers AI text generation (`env.AI.run` with
 * `stream: true`). The binding returns an SSE byte stream: native frames
 * `data: {"response":"..."}`, a usage frame `{"response":"","usage":{...}}`
 * before `data: [DONE]`; some models stream OpenAI-style
 * `{"choices":[{"delta":{"content":"..."}}]}` frames instead. Both are read.
 * Failures become AppError("UPSTREAM_UNAVAILABLE") with the original error as
 * `cause` and, for a failed `run()`, the upstream status in `details` when
 * known (workers-ai-errors.ts); upstream text never reaches the message.
 */
import type { AiRunner } from "../../ports/ai-runner.js";
import type { GenerationEvent, GenerationRequest, Generator } from "../../ports/generator.js";
import { isRecord, pickMaxTokens, readChatCompletionStream, readUsage, throwIfAborted, unavailable, type Json } from "../shared/chat-completion-stream.js";
import { workersAiFailureDetails } from "./workers-ai-errors.js";


export interface WorkersAiGeneratorOptions {
  /** Upper bound for `max_tokens` (models default to as little as 256 when it is not sent). */
  maxTokens?: number;
  temperature?: number;
}

export class WorkersAiGenerator implements Generator {
  readonly model: string;

  constructor(
    private readonly ai: AiRunner,
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
    // Workers AI text models take 0–5; OpenAI's 0–2 fits inside.
    const temperature = request.temperature ?? this.options.temperature;
    if (temperature !== undefined) inputs.temperature = temperature;

    let output: unknown;
    try {
      output = await this.ai.run(this.model, inputs, signal ? { signal } : undefined);
    } catch (error) {
      throwIfAborted(signal);
      throw unavailable(error, undefined, workersAiFailureDetails(error));
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

    yield* readChatCompletionStream(output as ReadableStream<Uint8Array>, { signal, source: "Workers AI" });
  }
}
