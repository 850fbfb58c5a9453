import { describe, expect, it } from "vitest";
import type { NumberedSource } from "../answer/sources.js";
import { createSseStream } from "../sse/sse-encoder.js";
import { parseSse } from "../sse/sse-parser.js";
import { chatCompletionChunks, type AnswerEvent, type ChunkStreamEvent } from "./chat-completion-chunks.js";
import { openAiSseFraming } from "./chat-completion-sse.js";

const identity = { id: "chatcmpl-1", created: 1_700_000_000, model: "m" };
const source: NumberedSource = { n: 1, document_id: "d", chunk_id: "d:1:0", title: "T", text: "Refunds within 30 days." };

async function* from(events: AnswerEvent[]): AsyncGenerator<AnswerEvent> {
  for (const event of events) yield event;
}

async function collect(events: AsyncIterable<ChunkStreamEvent>): Promise<ChunkStreamEvent[]> {
  const out: ChunkStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const answer: AnswerEvent[] = [
  { event: "sources", data: { sources: [source] } },
  { event: "delta", data: { text: "Within " } },
  { event: "delta", data: { text: "30 days [1]." } },
  { event: "done", data: { usage: { prompt_tokens: 50, completion_tokens: 6 } } },
];

describe("chatCompletionChunks", () => {
  it("sends the role and the sources first, the text in order, then stop and the end marker", async () => {
    const out = await collect(chatCompletionChunks(from(answer), identity));
    expect(out.map((event) => event.event)).toEqual(["chunk", "chunk", "chunk", "chunk", "done"]);
    const chunks = out.flatMap((event) => (event.event === "chunk" ? [event.data] : []));
    for (const chunk of chunks) expect(chunk).toMatchObject({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1_700_000_000, model: "m" });
    expect(chunks[0]!.choices).toEqual([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
    expect(chunks[0]!.sources).toEqual([source]);
    expect(chunks.slice(1).some((chunk) => "sources" in chunk)).toBe(false);
    expect(chunks.slice(1, 3).map((chunk) => chunk.choices[0]!.delta)).toEqual([{ content: "Within " }, { content: "30 days [1]." }]);
    expect(chunks[3]!.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]);
    // No usage unless asked for.
    expect(chunks.some((chunk) => "usage" in chunk)).toBe(false);
  });

  it("with include_usage: a last chunk with no choices carries usage, the others usage: null", async () => {
    const out = await collect(chatCompletionChunks(from(answer), identity, { includeUsage: true }));
    const chunks = out.flatMap((event) => (event.event === "chunk" ? [event.data] : []));
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 50, completion_tokens: 6, total_tokens: 56 } });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(out.at(-1)).toEqual({ event: "done", data: null });
  });

  it("estimates usage from the streamed text when the generator reports none", async () => {
    const events: AnswerEvent[] = [{ event: "sources", data: { sources: [] } }, { event: "delta", data: { text: "12345678" } }, { event: "done", data: {} }];
    const out = await collect(chatCompletionChunks(from(events), identity, { includeUsage: true }));
    const last = out.at(-2);
    expect(last).toMatchObject({ event: "chunk", data: { usage: { prompt_tokens: 0, completion_tokens: 2, total_tokens: 2 } } });
  });

  it("passes a notice and what was degraded in extra fields", async () => {
    const events: AnswerEvent[] = [
      { event: "sources", data: { sources: [source] } },
      { event: "notice", data: { code: "GENERATOR_UNAVAILABLE", message: "quoting the sources" } },
      { event: "delta", data: { text: "Quote [1]." } },
      { event: "done", data: { degraded: ["generator"] } },
    ];
    const chunks = (await collect(chatCompletionChunks(from(events), identity))).flatMap((event) => (event.event === "chunk" ? [event.data] : []));
    expect(chunks[1]).toMatchObject({ choices: [{ delta: {}, finish_reason: null }], notice: { code: "GENERATOR_UNAVAILABLE", message: "quoting the sources" } });
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: "stop" }], degraded: ["generator"] });
  });

  it("stops the source when the consumer stops", async () => {
    let finalised = false;
    async function* source(): AsyncGenerator<AnswerEvent> {
      try {
        yield answer[0]!;
        for (;;) yield { event: "delta", data: { text: "x" } };
      } finally {
        finalised = true;
      }
    }
    for await (const event of chatCompletionChunks(source(), identity)) if (event.event === "chunk" && event.data.choices[0]?.delta.content === "x") break;
    expect(finalised).toBe(true);
  });
});

describe("openAiSseFraming", () => {
  async function frames(events: AsyncIterable<ChunkStreamEvent>): Promise<string[]> {
    const stream = createSseStream(events, { pingIntervalMs: 0, framing: openAiSseFraming, onError: () => ({ code: "UPSTREAM_UNAVAILABLE", message: "the language model is unavailable" }) });
    const data: string[] = [];
    for await (const message of parseSse(stream)) {
      expect(message.event).toBe("message"); // data-only frames: no event names
      data.push(message.data);
    }
    return data;
  }

  it("frames chunks as data-only JSON and ends with [DONE]", async () => {
    const data = await frames(chatCompletionChunks(from(answer), identity));
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((line) => JSON.parse(line));
    expect(chunks.map((chunk) => chunk.choices[0].delta.content ?? null)).toEqual(["", "Within ", "30 days [1].", null]);
  });

  it("ends a failed stream with one OpenAI error frame and no [DONE]", async () => {
    async function* failing(): AsyncGenerator<AnswerEvent> {
      yield answer[0]!;
      yield answer[1]!;
      throw new Error("secret upstream detail");
    }
    const data = await frames(chatCompletionChunks(failing(), identity));
    expect(data).not.toContain("[DONE]");
    expect(JSON.parse(data.at(-1)!)).toEqual({
      error: { code: "UPSTREAM_UNAVAILABLE", message: "the language model is unavailable", type: "server_error", param: null },
    });
    expect(data.join("\n")).not.toContain("secret");
  });
});
