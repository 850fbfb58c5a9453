import { describe, expect, it } from "vitest";
import { WorkersAiGenerator } from "./workers-ai-generator.js";
import type { AiRunner } from "../../ports/ai-runner.js";
import { AppError } from "../../core/errors.js";
import type { GenerationEvent, GenerationRequest } from "../../ports/generator.js";
import { rejectionOf } from "../../../test/helpers.js";

const encoder = new TextEncoder();

/** Splits bytes into pieces of 1..7 bytes, so frames, CRLFs and UTF-8 sequences break in odd places. */
function awkwardChunks(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0, size = 1; i < bytes.length; i += size, size = (size % 7) + 1) chunks.push(bytes.slice(i, i + size));
  return chunks;
}

/** An SSE body as the Workers AI binding returns it for `stream: true`. */
function sseStream(chunks: Uint8Array[], options: { errorAfter?: boolean; onCancel?: () => void; hang?: boolean } = {}): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk !== undefined) controller.enqueue(chunk);
      else if (options.errorAfter) controller.error(new Error("upstream connection reset: secret-host:443"));
      else if (options.hang) return new Promise(() => {});
      else controller.close();
      return undefined;
    },
    cancel() {
      options.onCancel?.();
    },
  });
}

class FakeAi implements AiRunner {
  calls: Array<{ model: string; inputs: Record<string, unknown>; options?: Record<string, unknown> }> = [];
  constructor(private readonly respond: () => unknown) {}
  async run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown> {
    this.calls.push({ model, inputs, ...(options ? { options } : {}) });
    return this.respond();
  }
}

const nativeBody =
  'data: {"response":"Paris is"}\r\n\r\n' +
  'data: {"response":" the capital — très jolie","p":"abc"}\r\n\r\n' +
  'data: {"response":" [1]."}\r\n\r\n' +
  'data: {"response":"","usage":{"prompt_tokens":120,"completion_tokens":9,"total_tokens":129}}\r\n\r\n' +
  "data: [DONE]\r\n\r\n";

const openAiStyleBody =
  'data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n' +
  'data: {"choices":[{"index":0,"delta":{"reasoning_content":"thinking..."}}]}\n\n' +
  'data: {"choices":[{"index":0,"delta":{"content":"Paris"}}]}\n\n' +
  'data: {"choices":[{"index":0,"delta":{"content":" [1]."},"finish_reason":"stop"}]}\n\n' +
  'data: {"choices":[],"usage":{"prompt_tokens":50,"completion_tokens":3}}\n\n' +
  "data: [DONE]\n\n";

function request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    messages: [
      { role: "system", content: "rules" },
      { role: "user", content: "question" },
    ],
    question: "question",
    sources: [],
    maxTokens: 512,
    ...overrides,
  };
}

async function collect(events: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

function textOf(events: GenerationEvent[]): string {
  return events.map((e) => (e.type === "text" ? e.text : "")).join("");
}

const failure = rejectionOf;

describe("WorkersAiGenerator", () => {
  it("sends the messages with stream, max_tokens and temperature", async () => {
    const ai = new FakeAi(() => sseStream([encoder.encode(nativeBody)]));
    const generator = new WorkersAiGenerator(ai, "@cf/meta/llama-3.1-8b-instruct", { maxTokens: 300, temperature: 0.2 });
    expect(generator.model).toBe("@cf/meta/llama-3.1-8b-instruct");
    await collect(generator.generate(request()));
    expect(ai.calls).toHaveLength(1);
    expect(ai.calls[0]?.model).toBe("@cf/meta/llama-3.1-8b-instruct");
    expect(ai.calls[0]?.inputs).toEqual({ messages: request().messages, stream: true, max_tokens: 300, temperature: 0.2 });
  });

  it("uses the request's max_tokens when it is below the cap", async () => {
    const ai = new FakeAi(() => sseStream([encoder.encode(nativeBody)]));
    await collect(new WorkersAiGenerator(ai, "m", { maxTokens: 1024 }).generate(request({ maxTokens: 200 })));
    expect(ai.calls[0]?.inputs.max_tokens).toBe(200);
  });

  it("uses the request's temperature over the configured one", async () => {
    const ai = new FakeAi(() => sseStream([encoder.encode(nativeBody)]));
    await collect(new WorkersAiGenerator(ai, "m", { temperature: 0.2 }).generate(request({ temperature: 1.3 })));
    await collect(new WorkersAiGenerator(ai, "m", { temperature: 0.2 }).generate(request()));
    expect(ai.calls.map((call) => call.inputs.temperature)).toEqual([1.3, 0.2]);
  });

  it("passes the abort signal to the binding", async () => {
    const ai = new FakeAi(() => sseStream([encoder.encode(nativeBody)]));
    const signal = new AbortController().signal;
    await collect(new WorkersAiGenerator(ai, "m").generate(request({ signal })));
    expect(ai.calls[0]?.options).toEqual({ signal });
  });

  it("yields native response text and one usage event, whatever the chunk boundaries", async () => {
    const bytes = encoder.encode(nativeBody);
    const expected = "Paris is the capital — très jolie [1].";
    const splits = [awkwardChunks(bytes), [...bytes].map((b) => new Uint8Array([b]))];
    for (let split = 1; split < bytes.length; split += 3) splits.push([bytes.slice(0, split), bytes.slice(split)]);
    for (const chunks of splits) {
      const events = await collect(new WorkersAiGenerator(new FakeAi(() => sseStream(chunks)), "m").generate(request()));
      expect(textOf(events)).toBe(expected);
      expect(events.filter((e) => e.type === "usage")).toEqual([{ type: "usage", usage: { prompt_tokens: 120, completion_tokens: 9, total_tokens: 129 } }]);
      expect(events[events.length - 1]?.type).toBe("usage");
    }
  });

  it("reads OpenAI-style delta frames and leaves out reasoning", async () => {
    const ai = new FakeAi(() => sseStream(awkwardChunks(encoder.encode(openAiStyleBody))));
    const events = await collect(new WorkersAiGenerator(ai, "@cf/openai/gpt-oss-20b").generate(request()));
    expect(textOf(events)).toBe("Paris [1].");
    expect(events.filter((e) => e.type === "usage")).toEqual([{ type: "usage", usage: { prompt_tokens: 50, completion_tokens: 3, total_tokens: 53 } }]);
  });

  it("accepts a model that answers in one object", async () => {
    const ai = new FakeAi(() => ({ response: "All at once [1].", usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } }));
    const events = await collect(new WorkersAiGenerator(ai, "m").generate(request()));
    expect(events).toEqual([
      { type: "text", text: "All at once [1]." },
      { type: "usage", usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } },
    ]);
  });

  it("maps a failing run() to a sanitised UPSTREAM_UNAVAILABLE with the original as cause", async () => {
    const original = new Error("AiError: 3040: Capacity temporarily exceeded, please try again. (secret-request-id)");
    const ai = new FakeAi(() => Promise.reject(original));
    const error = await failure(collect(new WorkersAiGenerator(ai, "m").generate(request())));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).toBe("the language model is unavailable");
    expect(error.cause).toBe(original);
  });

  it("fails sanitised when the stream breaks, after the text that arrived", async () => {
    const partial = encoder.encode('data: {"response":"Half an"}\n\ndata: {"response":" answ');
    const ai = new FakeAi(() => sseStream([partial], { errorAfter: true }));
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const event of new WorkersAiGenerator(ai, "m").generate(request())) if (event.type === "text") seen.push(event.text);
      })(),
    );
    expect(seen).toEqual(["Half an"]);
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).not.toContain("secret");
    expect(String((error.cause as Error).message)).toContain("secret-host");
  });

  it("fails when the stream ends without [DONE]", async () => {
    const ai = new FakeAi(() => sseStream([encoder.encode('data: {"response":"cut"}\n\n')]));
    const error = await failure(collect(new WorkersAiGenerator(ai, "m").generate(request())));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
  });

  it("fails sanitised on an error frame", async () => {
    const ai = new FakeAi(() => sseStream([encoder.encode('data: {"error":"internal: secret detail"}\n\n')]));
    const error = await failure(collect(new WorkersAiGenerator(ai, "m").generate(request())));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).not.toContain("secret");
  });

  it("fails on output that is neither a stream nor a response", async () => {
    const error = await failure(collect(new WorkersAiGenerator(new FakeAi(() => ({ nope: 1 })), "m").generate(request())));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
  });

  it("stops reading and cancels the stream when the signal fires", async () => {
    let cancelled = false;
    const ai = new FakeAi(() =>
      sseStream([encoder.encode('data: {"response":"one"}\n\n')], {
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
        for await (const event of new WorkersAiGenerator(ai, "m").generate(request({ signal: controller.signal }))) {
          if (event.type === "text") seen.push(event.text);
          controller.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(seen).toEqual(["one"]);
    expect(cancelled).toBe(true);
  });

  it("does not call the model when the signal has already fired", async () => {
    const ai = new FakeAi(() => sseStream([encoder.encode(nativeBody)]));
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    await expect(collect(new WorkersAiGenerator(ai, "m").generate(request({ signal: controller.signal })))).rejects.toThrow("gone");
    expect(ai.calls).toHaveLength(0);
  });
});
