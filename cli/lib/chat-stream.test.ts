import { describe, expect, it } from "vitest";
import { ApiError } from "./api-client.js";
import { readChatEvents, type ChatEvent } from "./chat-stream.js";

const encoder = new TextEncoder();

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(encoder.encode(chunk));
    },
  });
}

async function collect(chunks: string[]): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const event of readChatEvents(streamOf(chunks))) events.push(event);
  return events;
}

const source = { n: 1, document_id: "warranty.md", chunk_id: "c:1:0", title: "Warranty", text: "three years" };

describe("readChatEvents", () => {
  it("yields sources, notices, deltas and done, split anywhere", async () => {
    const wire = [
      `event: sources\ndata: ${JSON.stringify({ sources: [source] })}\n\n`,
      `event: notice\ndata: {"code":"GENERATOR_UNAVAILABLE","message":"answering extractively"}\n\n`,
      'event: delta\ndata: {"text":"Three "}\n\n',
      ": ping\n\n",
      'event: delta\ndata: {"text":""}\n\n',
      'event: delta\ndata: {"text":"years [1]."}\n\nevent: done\ndata: {"timings":{}}\n\n',
    ].join("");
    const pieces = wire.match(/[\s\S]{1,7}/g)!;
    expect(await collect(pieces)).toEqual([
      { type: "sources", sources: [source] },
      { type: "notice", code: "GENERATOR_UNAVAILABLE", message: "answering extractively" },
      { type: "delta", text: "Three " },
      { type: "delta", text: "years [1]." },
      { type: "done", data: { timings: {} } },
    ]);
  });

  it("ignores events it does not know", async () => {
    const events = await collect(['event: future\ndata: {"x":1}\n\nevent: done\ndata: {}\n\n']);
    expect(events).toEqual([{ type: "done", data: {} }]);
  });

  it("throws the stream's error event as an ApiError, after what came before", async () => {
    const events: ChatEvent[] = [];
    const failure = (async () => {
      for await (const event of readChatEvents(streamOf(['event: delta\ndata: {"text":"Hi"}\n\n', 'event: error\ndata: {"code":"TIMEOUT","message":"the answer took too long"}\n\n']))) {
        events.push(event);
      }
    })();
    await expect(failure).rejects.toMatchObject({ name: "ApiError", code: "TIMEOUT", message: "the answer took too long" });
    expect(events).toEqual([{ type: "delta", text: "Hi" }]);
  });

  it("throws when the stream ends before done, or sends an unreadable event", async () => {
    await expect(collect(['event: delta\ndata: {"text":"Hi"}\n\n'])).rejects.toMatchObject({ code: "INCOMPLETE" });
    await expect(collect(["event: delta\ndata: not json\n\n"])).rejects.toBeInstanceOf(ApiError);
  });
});
