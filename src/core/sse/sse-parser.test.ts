import { describe, expect, it } from "vitest";
import { parseSse, type SseMessage } from "./sse-parser.js";

const encoder = new TextEncoder();

function streamOf(chunks: Array<string | Uint8Array>, onCancel?: (reason: unknown) => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    },
    cancel(reason) {
      onCancel?.(reason);
    },
  });
}

async function collect(chunks: Array<string | Uint8Array>): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  for await (const message of parseSse(streamOf(chunks))) messages.push(message);
  return messages;
}

/** Parses `text` whole, split at every byte offset, and byte by byte; all must give `expected`. */
async function expectParsed(text: string, expected: SseMessage[]): Promise<void> {
  const bytes = encoder.encode(text);
  expect(await collect([bytes])).toEqual(expected);
  for (let split = 1; split < bytes.length; split++) {
    expect(await collect([bytes.slice(0, split), bytes.slice(split)]), `split at byte ${split}`).toEqual(expected);
  }
  expect(await collect([...bytes].map((b) => new Uint8Array([b])))).toEqual(expected);
}

describe("parseSse", () => {
  it("parses events with and without a type", async () => {
    await expectParsed("data: hello\n\nevent: add\ndata: 1\n\n", [
      { event: "message", data: "hello" },
      { event: "add", data: "1" },
    ]);
  });

  it("joins multi-line data with LF", async () => {
    await expectParsed("data: a\ndata: b\ndata:\n\n", [{ event: "message", data: "a\nb\n" }]);
  });

  it("accepts LF, CR and CRLF line endings", async () => {
    await expectParsed("data: lf\n\ndata: cr\r\rdata: crlf\r\n\r\nevent: x\rdata: mixed\r\n\n", [
      { event: "message", data: "lf" },
      { event: "message", data: "cr" },
      { event: "message", data: "crlf" },
      { event: "x", data: "mixed" },
    ]);
  });

  it("treats a CR at the end of one chunk and a LF at the start of the next as one line end", async () => {
    expect(await collect(["data: a\r", "\ndata: b\r\n\r\n"])).toEqual([{ event: "message", data: "a\nb" }]);
  });

  it("ignores comments and unknown fields, and strips only one leading space", async () => {
    await expectParsed(": comment\nretry: 100\nfoo: bar\ndata:no-space\ndata:  two\n\n", [{ event: "message", data: "no-space\n two" }]);
  });

  it("treats a line without a colon as a field with an empty value", async () => {
    await expectParsed("data\n\nevent\ndata: x\n\n", [
      { event: "message", data: "" },
      { event: "message", data: "x" },
    ]);
  });

  it("keeps colons after the first one in the value", async () => {
    await expectParsed('data: {"a":"b:c"}\n\n', [{ event: "message", data: '{"a":"b:c"}' }]);
  });

  it("does not dispatch a blank line without data, and resets the event type", async () => {
    await expectParsed("event: lonely\n\ndata: x\n\n", [{ event: "message", data: "x" }]);
  });

  it("resets the event type after each event", async () => {
    await expectParsed("event: a\ndata: 1\n\ndata: 2\n\n", [
      { event: "a", data: "1" },
      { event: "message", data: "2" },
    ]);
  });

  it("tracks the last event id across events and ignores ids with NUL", async () => {
    await expectParsed("id: 7\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid\ndata: d\n\n", [
      { event: "message", data: "a", id: "7" },
      { event: "message", data: "b", id: "7" },
      { event: "message", data: "c", id: "7" },
      { event: "message", data: "d" },
    ]);
  });

  it("strips one leading BOM, also split across chunks", async () => {
    await expectParsed("\uFEFFdata: x\n\n", [{ event: "message", data: "x" }]);
    await expectParsed("\uFEFF\uFEFFdata: x\n\n", []); // the second BOM is part of a field name
  });

  it("decodes UTF-8 split across chunks", async () => {
    await expectParsed("data: héllo € 𝄞 日本\n\n", [{ event: "message", data: "héllo € 𝄞 日本" }]);
  });

  it("does not dispatch a final event that has no terminating blank line", async () => {
    await expectParsed("data: a\n\ndata: b\n", [{ event: "message", data: "a" }]);
    await expectParsed("data: a\n\ndata: b", [{ event: "message", data: "a" }]);
  });

  it("reads Workers AI and OpenAI style frames", async () => {
    await expectParsed('data: {"response":"Hi"}\n\ndata: {"choices":[{"delta":{"content":" there"}}]}\n\ndata: [DONE]\n\n', [
      { event: "message", data: '{"response":"Hi"}' },
      { event: "message", data: '{"choices":[{"delta":{"content":" there"}}]}' },
      { event: "message", data: "[DONE]" },
    ]);
  });

  it("cancels the stream when the consumer stops early", async () => {
    let cancelled = false;
    const stream = streamOf(["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"], () => {
      cancelled = true;
    });
    for await (const message of parseSse(stream)) {
      expect(message.data).toBe("1");
      break;
    }
    expect(cancelled).toBe(true);
  });

  it("throws the abort reason and cancels the stream when the signal fires", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode("data: 1\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    const controller = new AbortController();
    const seen: string[] = [];
    const reason = new Error("client went away");
    await expect(
      (async () => {
        for await (const message of parseSse(stream, { signal: controller.signal })) {
          seen.push(message.data);
          controller.abort(reason); // the stream would otherwise wait forever
        }
      })(),
    ).rejects.toBe(reason);
    expect(seen).toEqual(["1"]);
    expect(cancelled).toBe(true);
  });
});
