/**
 * Generator adapter for any OpenAI-compatible `POST /chat/completions`
 * endpoint (OpenAI, vLLM, llama.cpp server, Ollama, LM Studio, OpenRouter...).
 * Streams with `stream: true` and `stream_options.include_usage`, reading
 * `choices[0].delta.content` frames, the final usage frame (empty `choices`)
 * and `data: [DONE]`. HTTP and network failures become sanitised AppErrors
 * with the upstream status in `details`; response bodies only go to `cause`.
 */
import type { GenerationEvent, GenerationRequest, Generator } from "../../ports/generator.js";
import { isRecord, pickMaxTokens, readChatCompletionStream, readUsage, throwIfAborted, unavailable, type Json } from "../shared/chat-completion-stream.js";
import { openAiHeaders, resolveFetch, upstreamHttpError } from "./openai-http.js";

export interface OpenAiCompatibleGeneratorOptions {
  /** API root including the version, e.g. "https://api.openai.com/v1". */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Upper bound for `max_tokens`. */
  maxTokens?: number;
  temperature?: number;
}

export class OpenAiCompatibleGenerator implements Generator {
  readonly model: string;
  private readonly url: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: OpenAiCompatibleGeneratorOptions) {
    this.model = options.model;
    this.url = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
    this.fetch = resolveFetch(options.fetch);
  }

  /**
   * Streams a chat completion for `request.messages`: text events as they
   * arrive, then one usage event if the server reported usage. Honours
   * `request.signal` (the request and the body read are aborted).
   */
  async *generate(request: GenerationRequest): AsyncGenerator<GenerationEvent> {
    const { signal } = request;
    throwIfAborted(signal);

    const body: Json = {
      model: this.options.model,
      messages: request.messages,
      stream: true,
      stream_options: { include_usage: true },
    };
    const maxTokens = pickMaxTokens(request.maxTokens, this.options.maxTokens);
    if (maxTokens !== undefined) body.max_tokens = maxTokens;
    const temperature = request.temperature ?? this.options.temperature;
    if (temperature !== undefined) body.temperature = temperature;

    let response: Response;
    try {
      response = await this.fetch(this.url, {
        method: "POST",
        headers: openAiHeaders(this.options.apiKey, "text/event-stream"),
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throwIfAborted(signal);
      throw unavailable(error);
    }
    if (!response.ok) throw await upstreamHttpError(response, "language model");
    if (response.body === null) throw unavailable(new Error("chat completions response has no body"));

    const contentType = response.headers.get("content-type") ?? "";
    if (contentType.includes("application/json")) {
      // A server that ignores `stream: true` answers with one completion object.
      let completion: unknown;
      try {
        completion = await response.json();
      } catch (error) {
        throwIfAborted(signal);
        throw unavailable(error);
      }
      const choice = isRecord(completion) && Array.isArray(completion.choices) ? (completion.choices[0] as unknown) : undefined;
      const content = isRecord(choice) && isRecord(choice.message) ? choice.message.content : undefined;
      if (typeof content !== "string") throw unavailable(new Error("chat completion without message content"));
      if (content !== "") yield { type: "text", text: content };
      const usage = isRecord(completion) ? readUsage(completion.usage) : undefined;
      if (usage) yield { type: "usage", usage };
      return;
    }

    yield* readChatCompletionStream(response.body, { signal, source: "chat completions" });
  }
}
