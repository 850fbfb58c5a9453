/**
 * Generator adapter for Anthropic's Messages API (`POST /v1/messages`,
 * `stream: true`), with the `x-api-key` and `anthropic-version: 2023-06-01`
 * headers. The prompt's system messages become the top-level `system`
 * string; its user and assistant turns become `messages`, consecutive turns
 * of one role merged and leading assistant turns dropped (the conversation
 * must open with the user). `max_tokens`, which Anthropic requires, is the
 * tighter of the request's and the configured limit; a temperature is
 * clamped to Anthropic's 0–1.
 *
 * Failures are sanitised like the other LLM adapters': HTTP errors through
 * adapters/openai/openai-http.ts (401/403/404 MISCONFIGURED; 429, 5xx and
 * Anthropic's 529 "overloaded" UPSTREAM_UNAVAILABLE with the status, and
 * Retry-After, in `details`, so the resilience layer retries them), network
 * failures UPSTREAM_UNAVAILABLE; Anthropic's own text only goes to `cause`.
 * The stream is read by anthropic-messages-stream.ts.
 */
import type { PromptMessage } from "../../core/answer/prompt.js";
import type { GenerationEvent, GenerationRequest, Generator } from "../../ports/generator.js";
import { resolveFetch, upstreamHttpError } from "../openai/openai-http.js";
import { isRecord, pickMaxTokens, throwIfAborted, unavailable, type Json } from "../shared/chat-completion-stream.js";
import { anthropicUsage, inputTokens, outputTokens, readAnthropicMessagesStream } from "./anthropic-messages-stream.js";

export const anthropicVersion = "2023-06-01";

/** `max_tokens` when neither the request nor the configuration sets one (Anthropic requires it). */
export const defaultAnthropicMaxTokens = 1024;

export interface AnthropicGeneratorOptions {
  /** API root, e.g. "https://api.anthropic.com" (a trailing "/v1" is accepted too). */
  baseUrl: string;
  apiKey: string;
  model: string;
  /** Upper bound for `max_tokens` (default 1024). */
  maxTokens?: number;
  /** Default temperature (clamped to 0–1). */
  temperature?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface AnthropicMessagesBody {
  system?: string;
  messages: { role: "user" | "assistant"; content: string }[];
}

/** The prompt in the Messages API's shape (see the module comment). */
export function toAnthropicMessages(prompt: readonly PromptMessage[]): AnthropicMessagesBody {
  const system = prompt
    .filter((message) => message.role === "system" && message.content.trim() !== "")
    .map((message) => message.content)
    .join("\n\n");
  const messages: AnthropicMessagesBody["messages"] = [];
  for (const message of prompt) {
    if (message.role === "system" || message.content.trim() === "") continue;
    if (messages.length === 0 && message.role === "assistant") continue;
    const last = messages[messages.length - 1];
    if (last && last.role === message.role) last.content += `\n\n${message.content}`;
    else messages.push({ role: message.role, content: message.content });
  }
  return { ...(system !== "" ? { system } : {}), messages };
}

/** The Messages endpoint under `baseUrl`, with or without its "/v1". */
export function messagesUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  return /\/v1$/.test(base) ? `${base}/messages` : `${base}/v1/messages`;
}

export class AnthropicGenerator implements Generator {
  readonly model: string;
  private readonly url: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: AnthropicGeneratorOptions) {
    this.model = options.model;
    this.url = messagesUrl(options.baseUrl);
    this.fetch = resolveFetch(options.fetch);
  }

  /**
   * Streams the answer to `request.messages`: text events as they arrive,
   * then one usage event. Honours `request.signal` (the request and the body
   * read are aborted).
   */
  async *generate(request: GenerationRequest): AsyncGenerator<GenerationEvent> {
    const { signal } = request;
    throwIfAborted(signal);

    const { system, messages } = toAnthropicMessages(request.messages);
    const body: Json = {
      model: this.options.model,
      max_tokens: pickMaxTokens(request.maxTokens, this.options.maxTokens) ?? defaultAnthropicMaxTokens,
      ...(system !== undefined ? { system } : {}),
      messages,
      stream: true,
    };
    const temperature = request.temperature ?? this.options.temperature;
    if (temperature !== undefined) body.temperature = Math.min(1, Math.max(0, temperature));

    let response: Response;
    try {
      response = await this.fetch(this.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "text/event-stream",
          "x-api-key": this.options.apiKey,
          "anthropic-version": anthropicVersion,
        },
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throwIfAborted(signal);
      throw unavailable(error);
    }
    if (!response.ok) throw await upstreamHttpError(response, "language model");
    if (response.body === null) throw unavailable(new Error("Anthropic response has no body"));

    if ((response.headers.get("content-type") ?? "").includes("application/json")) {
      // A proxy that ignores `stream: true` answers with one message object.
      let message: unknown;
      try {
        message = await response.json();
      } catch (error) {
        throwIfAborted(signal);
        throw unavailable(error);
      }
      if (!isRecord(message) || !Array.isArray(message.content)) throw unavailable(new Error("Anthropic message without content"));
      const text = message.content
        .filter((block): block is Json => isRecord(block) && block.type === "text" && typeof block.text === "string")
        .map((block) => block.text as string)
        .join("");
      if (text !== "") yield { type: "text", text };
      const usage = anthropicUsage(inputTokens(message.usage), outputTokens(message.usage));
      if (usage) yield { type: "usage", usage };
      return;
    }

    yield* readAnthropicMessagesStream(response.body, { signal });
  }
}
