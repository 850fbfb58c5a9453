/**
 * Generator adapter for any OpenAI-compatible `POST /chat/completions`
 * endpoint (OpenAI, vLLM, llama.cpp server, Ollama, LM Studio, OpenRouter...).
 * Streams with `stream: true` and `stream_options.include_usage`, reading
 * `choices[0].delta.content` frames, the final usage frame (empty `choices`)
 * and `data: [DONE]`. HTTP and network failures become sanitised AppErrors
 * with the upstream status in `details`; response bodies only go to `cause`.
 */
import { AppError } from "../../core/errors.js";
import { parseSse } from "../../core/sse/sse-parser.js";
import type { GenerationEvent, GenerationRequest, GenerationUsage, Generator } from "../../ports/generator.js";

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

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/** The fetch to use: the given one, or the global one called unbound-safe (workerd rejects a detached `fetch`). */
export function resolveFetch(custom: typeof fetch | undefined): typeof fetch {
  return custom ?? ((input, init) => fetch(input, init));
}

/** Request headers for an OpenAI-compatible API. */
export function openAiHeaders(apiKey: string | undefined, accept: string): Record<string, string> {
  return { "content-type": "application/json", accept, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) };
}

/**
 * Maps a failed HTTP response from an OpenAI-compatible API to a sanitised
 * AppError: 401/403 and 404 are configuration problems (MISCONFIGURED),
 * 429 and everything else are UPSTREAM_UNAVAILABLE. The status (and
 * Retry-After, when sent) go in `details`; a snippet of the body goes only
 * in `cause`, for logs. The body is consumed.
 */
export async function upstreamHttpError(response: Response, service: string): Promise<AppError> {
  const status = response.status;
  const body = await response.text().catch(() => "");
  const cause = new Error(`${service} responded ${status}: ${body.slice(0, 500)}`);
  const retryAfter = response.headers.get("retry-after");
  const details = { status, ...(retryAfter ? { retryAfter } : {}) };
  if (status === 401 || status === 403) {
    return new AppError("MISCONFIGURED", `the ${service} rejected the configured credentials`, { cause, details });
  }
  if (status === 404) return new AppError("MISCONFIGURED", `the configured ${service} model or URL was not found`, { cause, details });
  if (status === 429) return new AppError("UPSTREAM_UNAVAILABLE", `the ${service} is rate limited; try again later`, { cause, details });
  return new AppError("UPSTREAM_UNAVAILABLE", `the ${service} is unavailable`, { cause, details });
}

function unavailable(cause: unknown, message = "the language model is unavailable"): AppError {
  return new AppError("UPSTREAM_UNAVAILABLE", message, { cause });
}

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

function pickMaxTokens(requested: number, cap: number | undefined): number | undefined {
  const candidates = [requested, cap].filter((n): n is number => typeof n === "number" && Number.isFinite(n) && n > 0);
  return candidates.length > 0 ? Math.floor(Math.min(...candidates)) : undefined;
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
    if (this.options.temperature !== undefined) body.temperature = this.options.temperature;

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

    let usage: GenerationUsage | undefined;
    let complete = false;
    try {
      for await (const message of parseSse(response.body, { signal })) {
        const data = message.data.trim();
        if (data === "[DONE]") {
          complete = true;
          break;
        }
        let frame: unknown;
        try {
          frame = JSON.parse(data);
        } catch {
          continue; // keep-alive or vendor noise
        }
        if (!isRecord(frame)) continue;
        if (frame.error !== undefined && frame.error !== null) {
          throw unavailable(new Error(`chat completions stream error: ${JSON.stringify(frame.error)}`));
        }
        usage = readUsage(frame.usage) ?? usage;
        const choice = Array.isArray(frame.choices) ? (frame.choices[0] as unknown) : undefined;
        if (!isRecord(choice)) continue;
        if (typeof choice.finish_reason === "string") complete = true;
        const delta = choice.delta;
        // `reasoning_content` (reasoning models) is not part of the answer.
        if (isRecord(delta) && typeof delta.content === "string" && delta.content !== "") yield { type: "text", text: delta.content };
      }
    } catch (error) {
      throwIfAborted(signal);
      if (error instanceof AppError) throw error;
      throw unavailable(error);
    }
    if (!complete) throw unavailable(new Error("chat completions stream ended early"), "the language model stopped before finishing");
    if (usage) yield { type: "usage", usage };
  }
}
