/**
 * The Anthropic generator against a local fake of the Messages API, reached
 * through the adapter's `fetch` (the way the OpenAI-compatible adapter's tests
 * fake their remote API). The fake checks what the real API checks that
 * matters here — the key and version headers, `max_tokens`, a conversation
 * that opens with the user and alternates — and answers with Anthropic's
 * streamed events or its error bodies.
 */
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.js";
import { classifyFailure } from "../../core/resilience/failure-classification.js";
import { isProviderUnavailable } from "../../core/resilience/provider-errors.js";
import type { GenerationEvent, GenerationRequest } from "../../ports/generator.js";
import { ResilientGenerator } from "../../services/resilient-generator.js";
import { rejectionOf } from "../../../test/helpers.js";
import { AnthropicGenerator, anthropicVersion, messagesUrl, toAnthropicMessages } from "./anthropic-generator.js";

const encoder = new TextEncoder();
const apiKey = "sk-ant-test-key";

/** One SSE event as Anthropic frames it: `event:` names the type, `data:` repeats it. */
function sseEvent(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The events of a complete streamed message that says `pieces`. */
function messageEvents(pieces: string[], usage = { input_tokens: 42, output_tokens: 9 }): string[] {
  return [
    sseEvent({ type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", content: [], model: "claude-test", stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } }),
    sseEvent({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    sseEvent({ type: "ping" }),
    ...pieces.map((text) => sseEvent({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })),
    sseEvent({ type: "content_block_stop", index: 0 }),
    sseEvent({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }),
    sseEvent({ type: "message_stop" }),
  ];
}

function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message } });
}

function streamOf(chunks: Uint8Array[], options: { hang?: boolean; onCancel?: () => void } = {}): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk !== undefined) controller.enqueue(chunk);
      else if (options.hang) return new Promise(() => {});
      else controller.close();
      return undefined;
    },
    cancel() {
      options.onCancel?.();
    },
  });
}

interface Sent {
  request: Request;
  body: Record<string, any>;
  signal: AbortSignal | undefined;
}

/**
 * A fake of `POST /v1/messages`. `answer` decides what a valid request gets
 * (default: a message saying "Hello [1]."); invalid requests get the API's
 * 4xx error bodies.
 */
function fakeAnthropicApi(answer: (sent: Sent) => Response | Promise<Response> = () => sseResponse(messageEvents(["Hello", " [1]."]))) {
  const requests: Sent[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = JSON.parse(await request.clone().text()) as Record<string, any>;
    const sent = { request, body, signal: init?.signal ?? undefined };
    requests.push(sent);
    const invalid = (message: string) => new Response(errorBody("invalid_request_error", message), { status: 400, headers: { "content-type": "application/json" } });
    if (new URL(request.url).pathname !== "/v1/messages" || request.method !== "POST") return new Response(errorBody("not_found_error", "Not found"), { status: 404 });
    if (request.headers.get("x-api-key") !== apiKey) {
      return new Response(errorBody("authentication_error", `invalid x-api-key ${request.headers.get("x-api-key")}`), { status: 401, headers: { "content-type": "application/json" } });
    }
    if (!request.headers.get("anthropic-version")) return invalid("anthropic-version: header is required");
    if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return invalid("max_tokens: Field required");
    const messages = body.messages as { role: string; content: string }[];
    if (!Array.isArray(messages) || messages.length === 0) return invalid("messages: at least one message is required");
    if (messages[0]!.role !== "user") return invalid("messages: first message must use the \"user\" role");
    for (let i = 1; i < messages.length; i++) if (messages[i]!.role === messages[i - 1]!.role) return invalid("messages: roles must alternate between \"user\" and \"assistant\"");
    if (messages.some((message) => typeof message.content !== "string" || message.content.trim() === "")) return invalid("messages: text content blocks must be non-empty");
    if (body.temperature !== undefined && (body.temperature < 0 || body.temperature > 1)) return invalid("temperature: must be between 0 and 1");
    return answer(sent);
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

function sseResponse(events: string[], options: { split?: (bytes: Uint8Array) => Uint8Array[]; hang?: boolean; onCancel?: () => void } = {}): Response {
  const bytes = encoder.encode(events.join(""));
  const chunks = options.split ? options.split(bytes) : [bytes];
  return new Response(streamOf(chunks, options), { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8" } });
}

function request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    messages: [
      { role: "system", content: "Answer from the sources." },
      { role: "user", content: "<source n=1>Refunds within 30 days.</source>\nHow long?" },
    ],
    question: "How long?",
    sources: [],
    ...overrides,
  };
}

async function collect(events: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

function generator(fetch: typeof globalThis.fetch, options: { maxTokens?: number; temperature?: number; baseUrl?: string } = {}) {
  return new AnthropicGenerator({ baseUrl: options.baseUrl ?? "https://anthropic.test", apiKey, model: "claude-test", fetch, ...options });
}

describe("AnthropicGenerator", () => {
  it("posts a streaming Messages request with the key, the version and the system prompt apart", async () => {
    const api = fakeAnthropicApi();
    const events = await collect(generator(api.fetch, { maxTokens: 700 }).generate(request({ maxTokens: 300, temperature: 0.2 })));
    expect(events.filter((event) => event.type === "text").length).toBe(2);
    const [sent] = api.requests;
    expect(sent!.request.url).toBe("https://anthropic.test/v1/messages");
    expect(sent!.request.headers.get("x-api-key")).toBe(apiKey);
    expect(sent!.request.headers.get("anthropic-version")).toBe(anthropicVersion);
    expect(sent!.request.headers.get("authorization")).toBeNull();
    expect(sent!.body).toEqual({
      model: "claude-test",
      max_tokens: 300,
      system: "Answer from the sources.",
      messages: [{ role: "user", content: "<source n=1>Refunds within 30 days.</source>\nHow long?" }],
      stream: true,
      temperature: 0.2,
    });
  });

  it("always sends max_tokens (the configured cap, else 1024) and clamps the temperature to 0–1", async () => {
    const api = fakeAnthropicApi();
    await collect(generator(api.fetch, { maxTokens: 700 }).generate(request({ temperature: 1.7 })));
    await collect(generator(api.fetch).generate(request()));
    expect(api.requests.map((sent) => [sent.body.max_tokens, sent.body.temperature])).toEqual([
      [700, 1],
      [1024, undefined],
    ]);
  });

  it("yields the text deltas in order, then the usage, whatever the chunk boundaries", async () => {
    const events = messageEvents(["Refunds ", "take 30 days", " [1]."]);
    const bytes = encoder.encode(events.join(""));
    const splits: ((bytes: Uint8Array) => Uint8Array[])[] = [(b) => [...b].map((byte) => new Uint8Array([byte]))];
    for (let at = 1; at < bytes.length; at += 37) splits.push((b) => [b.slice(0, at), b.slice(at)]);
    for (const split of splits) {
      const api = fakeAnthropicApi(() => sseResponse(events, { split }));
      expect(await collect(generator(api.fetch).generate(request()))).toEqual([
        { type: "text", text: "Refunds " },
        { type: "text", text: "take 30 days" },
        { type: "text", text: " [1]." },
        { type: "usage", usage: { prompt_tokens: 42, completion_tokens: 9, total_tokens: 51 } },
      ]);
    }
  });

  it("counts cached input tokens as prompt tokens and skips thinking deltas", async () => {
    const events = [
      sseEvent({ type: "message_start", message: { usage: { input_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 } } }),
      sseEvent({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } }),
      sseEvent({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "private reasoning" } }),
      sseEvent({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "abc" } }),
      sseEvent({ type: "content_block_stop", index: 0 }),
      sseEvent({ type: "content_block_start", index: 1, content_block: { type: "text", text: "" } }),
      sseEvent({ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Answer [1]." } }),
      sseEvent({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 30 } }),
      sseEvent({ type: "message_stop" }),
    ];
    const api = fakeAnthropicApi(() => sseResponse(events));
    expect(await collect(generator(api.fetch).generate(request()))).toEqual([
      { type: "text", text: "Answer [1]." },
      { type: "usage", usage: { prompt_tokens: 125, completion_tokens: 30, total_tokens: 155 } },
    ]);
  });

  it("sends a conversation the API accepts: turns of one role merged, leading assistant turns dropped", async () => {
    const api = fakeAnthropicApi();
    await collect(
      generator(api.fetch).generate(
        request({
          messages: [
            { role: "system", content: "Rules." },
            { role: "assistant", content: "Hi! Ask me anything." },
            { role: "user", content: "First question" },
            { role: "user", content: "Second question" },
            { role: "assistant", content: "An answer [1]." },
            { role: "system", content: "More rules." },
            { role: "user", content: "Sources and the latest question" },
          ],
        }),
      ),
    );
    expect(api.requests[0]!.body.system).toBe("Rules.\n\nMore rules.");
    expect(api.requests[0]!.body.messages).toEqual([
      { role: "user", content: "First question\n\nSecond question" },
      { role: "assistant", content: "An answer [1]." },
      { role: "user", content: "Sources and the latest question" },
    ]);
  });

  it.each([
    [401, "authentication_error", "MISCONFIGURED", false],
    [403, "permission_error", "MISCONFIGURED", false],
    [404, "not_found_error", "MISCONFIGURED", false],
    [400, "invalid_request_error", "UPSTREAM_UNAVAILABLE", false],
    [429, "rate_limit_error", "UPSTREAM_UNAVAILABLE", true],
    [500, "api_error", "UPSTREAM_UNAVAILABLE", true],
    [529, "overloaded_error", "UPSTREAM_UNAVAILABLE", true],
  ] as const)("maps HTTP %i (%s) to a sanitised %s, retryable: %s", async (status, type, code, retryable) => {
    const api = fakeAnthropicApi(
      () =>
        new Response(errorBody(type, `upstream detail for ${apiKey}`), {
          status,
          headers: { "content-type": "application/json", ...(status === 429 ? { "retry-after": "7" } : {}) },
        }),
    );
    const error = await rejectionOf(collect(generator(api.fetch).generate(request())));
    expect(error.code).toBe(code);
    expect(error.details).toEqual(status === 429 ? { status, retryAfter: "7" } : { status });
    expect(JSON.stringify(error.toJSON())).not.toContain(apiKey);
    expect((error.cause as Error).message).toContain("upstream detail");
    // The same verdicts as the other generators': the resilience layer retries, and chat falls back, on these alone.
    expect(classifyFailure(error).retryable).toBe(retryable);
    expect(isProviderUnavailable(error)).toBe(retryable);
  });

  it("is refused by the fake API with a wrong key (the headers are what the API checks)", async () => {
    const api = fakeAnthropicApi();
    const wrongKey = new AnthropicGenerator({ baseUrl: "https://anthropic.test", apiKey: "sk-ant-wrong", model: "claude-test", fetch: api.fetch });
    const error = await rejectionOf(collect(wrongKey.generate(request())));
    expect(error.code).toBe("MISCONFIGURED");
    expect(error.message).not.toContain("sk-ant-wrong");
  });

  it("maps an error event mid-stream like the HTTP status of its type, after the text before it", async () => {
    const events = [...messageEvents(["Partial"]).slice(0, 4), sseEvent({ type: "error", error: { type: "overloaded_error", message: `Overloaded ${apiKey}` } } as never)];
    const api = fakeAnthropicApi(() => sseResponse(events));
    const seen: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const event of generator(api.fetch).generate(request())) if (event.type === "text") seen.push(event.text);
      })(),
    );
    expect(seen).toEqual(["Partial"]);
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.details).toEqual({ status: 529 });
    expect(error.message).not.toContain(apiKey);
    expect(classifyFailure(error).retryable).toBe(true);
  });

  it("fails when the stream ends before message_stop", async () => {
    const api = fakeAnthropicApi(() => sseResponse(messageEvents(["Cut"]).slice(0, 4)));
    const error = await rejectionOf(collect(generator(api.fetch).generate(request())));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).toMatch(/stopped before finishing/);
  });

  it("maps a network failure to UPSTREAM_UNAVAILABLE", async () => {
    const original = new TypeError("fetch failed: getaddrinfo ENOTFOUND api.anthropic.com");
    const error = await rejectionOf(collect(generator((() => Promise.reject(original)) as unknown as typeof fetch).generate(request())));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.cause).toBe(original);
    expect(classifyFailure(error)).toMatchObject({ retryable: true, reason: "network" });
  });

  it("accepts a proxy that answers with one JSON message", async () => {
    const api = fakeAnthropicApi(
      () =>
        new Response(JSON.stringify({ id: "msg_1", type: "message", role: "assistant", content: [{ type: "text", text: "Whole " }, { type: "text", text: "[1]." }], usage: { input_tokens: 3, output_tokens: 2 } }), {
          headers: { "content-type": "application/json" },
        }),
    );
    expect(await collect(generator(api.fetch).generate(request()))).toEqual([
      { type: "text", text: "Whole [1]." },
      { type: "usage", usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    ]);
  });

  it("passes the signal to fetch and stops reading when it fires", async () => {
    let cancelled = false;
    const api = fakeAnthropicApi(() =>
      sseResponse(messageEvents(["one"]).slice(0, 4), {
        hang: true,
        onCancel: () => {
          cancelled = true;
        },
      }),
    );
    const controller = new AbortController();
    const reason = new Error("client disconnected");
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of generator(api.fetch).generate(request({ signal: controller.signal }))) {
          if (event.type === "text") seen.push(event.text);
          controller.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(api.requests[0]!.signal).toBe(controller.signal);
    expect(seen).toEqual(["one"]);
    expect(cancelled).toBe(true);
  });

  it("does not send a request when the signal has already fired", async () => {
    const api = fakeAnthropicApi();
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    await expect(collect(generator(api.fetch).generate(request({ signal: controller.signal })))).rejects.toThrow("gone");
    expect(api.requests).toHaveLength(0);
  });

  it("under the resilience layer, an overloaded answer is retried and the retry's answer streams", async () => {
    let calls = 0;
    const api = fakeAnthropicApi(() => {
      calls += 1;
      if (calls === 1) return new Response(errorBody("overloaded_error", "Overloaded"), { status: 529, headers: { "content-type": "application/json" } });
      return sseResponse(messageEvents(["Second ", "try [1]."]));
    });
    const resilient = new ResilientGenerator(generator(api.fetch), { policy: { maxAttempts: 2 }, random: () => 0 });
    const events = await collect(resilient.generate(request()));
    expect(calls).toBe(2);
    expect(events.filter((event) => event.type === "text").map((event) => (event as { text: string }).text).join("")).toBe("Second try [1].");
  });

  it("is not retried for a rejected key", async () => {
    const api = fakeAnthropicApi();
    const wrongKey = new AnthropicGenerator({ baseUrl: "https://anthropic.test", apiKey: "nope", model: "claude-test", fetch: api.fetch });
    const error = await rejectionOf(collect(new ResilientGenerator(wrongKey, { policy: { maxAttempts: 3 }, random: () => 0 }).generate(request())));
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("MISCONFIGURED");
    expect(api.requests).toHaveLength(1);
  });
});

describe("messagesUrl", () => {
  it("appends /v1/messages to the API root, or /messages to a root ending in /v1", () => {
    expect(messagesUrl("https://api.anthropic.com")).toBe("https://api.anthropic.com/v1/messages");
    expect(messagesUrl("https://api.anthropic.com/")).toBe("https://api.anthropic.com/v1/messages");
    expect(messagesUrl("https://api.anthropic.com/v1/")).toBe("https://api.anthropic.com/v1/messages");
    expect(messagesUrl("https://gateway.ai.cloudflare.com/v1/acct/gw/anthropic")).toBe("https://gateway.ai.cloudflare.com/v1/acct/gw/anthropic/v1/messages");
  });
});

describe("toAnthropicMessages", () => {
  it("leaves out blank messages and an absent system prompt", () => {
    expect(toAnthropicMessages([{ role: "system", content: " " }, { role: "user", content: "Q" }, { role: "assistant", content: "" }])).toEqual({ messages: [{ role: "user", content: "Q" }] });
  });
});
