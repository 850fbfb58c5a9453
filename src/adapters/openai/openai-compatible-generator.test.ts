import { describe, expect, it } from "vitest";
import { OpenAiCompatibleGenerator } from "./openai-compatible-generator.js";
import { AppError } from "../../core/errors.js";
import type { GenerationEvent, GenerationRequest } from "../../ports/generator.js";
import { rejectionOf } from "../../../test/helpers.js";

const encoder = new TextEncoder();

function awkwardChunks(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0, size = 1; i < bytes.length; i += size, size = (size % 7) + 1) chunks.push(bytes.slice(i, i + size));
  return chunks;
}

function body(chunks: Uint8Array[], options: { hang?: boolean; onCancel?: () => void } = {}): ReadableStream<Uint8Array> {
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

function sseResponse(chunks: Uint8Array[], options: { hang?: boolean; onCancel?: () => void } = {}): Response {
  return new Response(body(chunks, options), { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8" } });
}

/** A fetch stand-in that records requests and answers with `respond`. */
function fakeFetch(respond: (request: Request) => Response | Promise<Response>) {
  const requests: Array<{ request: Request; body: unknown; signal: AbortSignal | undefined }> = [];
  const fn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push({ request, body: JSON.parse(await request.clone().text()), signal: init?.signal ?? undefined });
    return respond(request);
  }) as typeof fetch;
  return { fetch: fn, requests };
}

const streamBody =
  'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}\n\n' +
  'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Bonjour"},"finish_reason":null}],"usage":null}\n\n' +
  ": keep-alive comment\n\n" +
  'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" à tous [2]."},"finish_reason":null}],"usage":null}\n\n' +
  'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n' +
  'data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":31,"completion_tokens":6,"total_tokens":37}}\n\n' +
  "data: [DONE]\n\n";

function request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return { messages: [{ role: "user", content: "hi" }], question: "hi", sources: [], maxTokens: 400, ...overrides };
}

async function collect(events: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const failure = rejectionOf;

describe("OpenAiCompatibleGenerator", () => {
  it("posts a streaming chat completion request", async () => {
    const { fetch, requests } = fakeFetch(() => sseResponse([encoder.encode(streamBody)]));
    const generator = new OpenAiCompatibleGenerator({ baseUrl: "https://llm.example/v1/", apiKey: "sk-test", model: "gpt-x", fetch, maxTokens: 256, temperature: 0 });
    expect(generator.model).toBe("gpt-x");
    await collect(generator.generate(request()));
    expect(requests).toHaveLength(1);
    const [{ request: sent, body: sentBody }] = requests as [(typeof requests)[number]];
    expect(sent.method).toBe("POST");
    expect(sent.url).toBe("https://llm.example/v1/chat/completions");
    expect(sent.headers.get("authorization")).toBe("Bearer sk-test");
    expect(sent.headers.get("content-type")).toBe("application/json");
    expect(sentBody).toEqual({
      model: "gpt-x",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 256,
      temperature: 0,
    });
  });

  it("uses the request's temperature over the configured one", async () => {
    const { fetch, requests } = fakeFetch(() => sseResponse([encoder.encode(streamBody)]));
    await collect(new OpenAiCompatibleGenerator({ baseUrl: "https://x/v1", model: "m", fetch, temperature: 0 }).generate(request({ temperature: 1.1 })));
    await collect(new OpenAiCompatibleGenerator({ baseUrl: "https://x/v1", model: "m", fetch }).generate(request()));
    expect(requests.map((sent) => (sent.body as { temperature?: number }).temperature)).toEqual([1.1, undefined]);
  });

  it("sends no authorization header without an API key", async () => {
    const { fetch, requests } = fakeFetch(() => sseResponse([encoder.encode(streamBody)]));
    await collect(new OpenAiCompatibleGenerator({ baseUrl: "http://localhost:11434/v1", model: "llama3", fetch }).generate(request()));
    expect(requests[0]?.request.headers.get("authorization")).toBeNull();
    expect((requests[0]?.body as { max_tokens: number }).max_tokens).toBe(400);
  });

  it("yields delta text and the final usage, whatever the chunk boundaries", async () => {
    const bytes = encoder.encode(streamBody);
    const splits = [awkwardChunks(bytes), [...bytes].map((b) => new Uint8Array([b]))];
    for (let split = 1; split < bytes.length; split += 5) splits.push([bytes.slice(0, split), bytes.slice(split)]);
    for (const chunks of splits) {
      const { fetch } = fakeFetch(() => sseResponse(chunks));
      const events = await collect(new OpenAiCompatibleGenerator({ baseUrl: "https://x/v1", model: "m", fetch }).generate(request()));
      expect(events).toEqual([
        { type: "text", text: "Bonjour" },
        { type: "text", text: " à tous [2]." },
        { type: "usage", usage: { prompt_tokens: 31, completion_tokens: 6, total_tokens: 37 } },
      ]);
    }
  });

  it.each([
    [401, "MISCONFIGURED"],
    [403, "MISCONFIGURED"],
    [404, "MISCONFIGURED"],
    [429, "UPSTREAM_UNAVAILABLE"],
    [500, "UPSTREAM_UNAVAILABLE"],
    [502, "UPSTREAM_UNAVAILABLE"],
    [503, "UPSTREAM_UNAVAILABLE"],
  ] as const)("maps HTTP %i to a sanitised %s with the status in details", async (status, code) => {
    const { fetch } = fakeFetch(
      () =>
        new Response(JSON.stringify({ error: { message: "Incorrect API key sk-secret-123 provided" } }), {
          status,
          headers: { "content-type": "application/json", ...(status === 429 ? { "retry-after": "7" } : {}) },
        }),
    );
    const error = await failure(collect(new OpenAiCompatibleGenerator({ baseUrl: "https://x/v1", model: "m", fetch }).generate(request())));
    expect(error.code).toBe(code);
    expect(error.details).toEqual(status === 429 ? { status, retryAfter: "7" } : { status });
    expect(error.message).not.toContain("secret");
    expect(JSON.stringify(error.toJSON())).not.toContain("secret");
    expect((error.cause as Error).message).toContain("sk-secret-123");
  });

  it("maps a network failure to UPSTREAM_UNAVAILABLE", async () => {
    const original = new TypeError("fetch failed: getaddrinfo ENOTFOUND internal-host");
    const fetch = (() => Promise.reject(original)) as unknown as typeof globalThis.fetch;
    const error = await failure(collect(new OpenAiCompatibleGenerator({ baseUrl: "https://x/v1", model: "m", fetch }).generate(request())));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).toBe("the language model is unavailable");
    expect(error.cause).toBe(original);
  });

  it("fails sanitised on an error frame in the stream", async () => {
    const text = 'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"error":{"message":"secret overload detail"}}\n\n';
    const { fetch } = fakeFetch(() => sseResponse([encoder.encode(text)]));
    const error = await failure(collect(new OpenAiCompatibleGenerator({ baseUrl: "https://x/v1", model: "m", fetch }).generate(request())));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).not.toContain("secret");
  });

  it("fails when the stream ends before the answer is finished", async () => {
    const { fetch } = fakeFetch(() => sseResponse([encoder.encode('data: {"choices":[{"delta":{"content":"Hal"}}]}\n\n')]));
    const error = await failure(collect(new OpenAiCompatibleGenerator({ baseUrl: "https://x/v1", model: "m", fetch }).generate(request())));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
  });

  it("accepts a server that answers with one JSON completion", async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response(
          JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: "Whole [1]." }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }),
          { headers: { "content-type": "application/json" } },
        ),
    );
    const events = await collect(new OpenAiCompatibleGenerator({ baseUrl: "https://x/v1", model: "m", fetch }).generate(request()));
    expect(events).toEqual([
      { type: "text", text: "Whole [1]." },
      { type: "usage", usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    ]);
  });

  it("passes the signal to fetch and stops reading when it fires", async () => {
    let cancelled = false;
    const { fetch, requests } = fakeFetch(() =>
      sseResponse([encoder.encode('data: {"choices":[{"delta":{"content":"one"}}]}\n\n')], {
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
        for await (const event of new OpenAiCompatibleGenerator({ baseUrl: "https://x/v1", model: "m", fetch }).generate(request({ signal: controller.signal }))) {
          if (event.type === "text") seen.push(event.text);
          controller.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(requests[0]?.signal).toBe(controller.signal);
    expect(seen).toEqual(["one"]);
    expect(cancelled).toBe(true);
  });

  it("does not send a request when the signal has already fired", async () => {
    const { fetch, requests } = fakeFetch(() => sseResponse([encoder.encode(streamBody)]));
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    await expect(
      collect(new OpenAiCompatibleGenerator({ baseUrl: "https://x/v1", model: "m", fetch }).generate(request({ signal: controller.signal }))),
    ).rejects.toThrow("gone");
    expect(requests).toHaveLength(0);
  });
});
