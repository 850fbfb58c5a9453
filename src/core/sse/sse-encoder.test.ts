import { describe, expect, it, vi } from "vitest";
import { createSseStream, formatSseComment, formatSseEvent, type SseEvent } from "./sse-encoder.js";
import { parseSse } from "./sse-parser.js";

const sanitised = () => ({ code: "UPSTREAM_UNAVAILABLE", message: "the language model is unavailable" });

/** A promise the test resolves by hand. */
function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

/** An iterator whose next() never settles, recording return() calls. */
function stuckIterable(): { iterable: AsyncIterable<SseEvent>; returned: () => boolean } {
  let returned = false;
  const iterable: AsyncIterable<SseEvent> = {
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<SseEvent>>(() => {}),
      return: async () => {
        returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  return { iterable, returned: () => returned };
}

describe("formatSseEvent", () => {
  it("frames JSON data under an event name", () => {
    expect(formatSseEvent("delta", { text: "a\nb\r\nc" })).toBe('event: delta\ndata: {"text":"a\\nb\\r\\nc"}\n\n');
  });

  it("keeps names on one line and survives a parse round trip", async () => {
    const frame = formatSseEvent("bad\nname", { text: "line1\nline2", n: 1 }) + formatSseEvent("done", undefined);
    const messages = [];
    for await (const message of parseSse(new Response(frame).body!)) messages.push(message);
    expect(messages).toEqual([
      { event: "badname", data: '{"text":"line1\\nline2","n":1}' },
      { event: "done", data: "null" },
    ]);
  });
});

describe("formatSseComment", () => {
  it("prefixes every line with a colon", () => {
    expect(formatSseComment("ping")).toBe(": ping\n\n");
    expect(formatSseComment("a\nb")).toBe(": a\n: b\n\n");
  });
});

describe("createSseStream", () => {
  it("streams events in order and closes", async () => {
    async function* events() {
      yield { event: "sources", data: { sources: [] } };
      yield { event: "delta", data: { text: "Hello" } };
      yield { event: "done", data: { timings: {} } };
    }
    const text = await readAll(createSseStream(events(), { onError: sanitised }));
    expect(text).toBe(
      formatSseEvent("sources", { sources: [] }) + formatSseEvent("delta", { text: "Hello" }) + formatSseEvent("done", { timings: {} }),
    );
  });

  it("does not advance the iterator before the client reads", async () => {
    let pulled = 0;
    async function* events() {
      pulled++;
      yield { event: "delta", data: { text: "a" } };
    }
    const stream = createSseStream(events(), { onError: sanitised });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pulled).toBe(0);
    await readAll(stream);
    expect(pulled).toBe(1);
  });

  it("sends ping comments while waiting for the next event", async () => {
    const next = gate();
    async function* events() {
      yield { event: "delta", data: { text: "first" } };
      await next.promise;
      yield { event: "delta", data: { text: "second" } };
    }
    const reader = createSseStream(events(), { pingIntervalMs: 2, onError: sanitised }).getReader();
    const decoder = new TextDecoder();
    const chunks: string[] = [];
    for (;;) {
      const { value } = await reader.read();
      chunks.push(decoder.decode(value));
      if (chunks.filter((c) => c === ": ping\n\n").length >= 2) break;
    }
    next.open();
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    expect(chunks[0]).toBe(formatSseEvent("delta", { text: "first" }));
    expect(rest.endsWith(formatSseEvent("delta", { text: "second" }))).toBe(true);
    expect(rest.replaceAll(": ping\n\n", "")).toBe(formatSseEvent("delta", { text: "second" }));
  });

  it("ends with one sanitised error event when the iterable throws", async () => {
    async function* events() {
      yield { event: "delta", data: { text: "partial" } };
      throw new Error("secret upstream detail at line 42");
    }
    const onError = vi.fn((_error: unknown) => sanitised());
    const text = await readAll(createSseStream(events(), { onError }));
    expect(text).toBe(formatSseEvent("delta", { text: "partial" }) + formatSseEvent("error", sanitised()));
    expect(text).not.toContain("secret");
    expect(onError).toHaveBeenCalledTimes(1);
    expect(String(onError.mock.calls[0]?.[0])).toContain("secret");
  });

  it("falls back to a generic error when onError itself throws", async () => {
    async function* events(): AsyncGenerator<SseEvent> {
      throw new Error("boom");
    }
    const text = await readAll(
      createSseStream(events(), {
        onError: () => {
          throw new Error("mapper broke");
        },
      }),
    );
    expect(text).toBe(formatSseEvent("error", { code: "INTERNAL", message: "internal error" }));
  });

  it("times out with a TIMEOUT error event, closes, and stops the upstream iterator", async () => {
    const { iterable, returned } = stuckIterable();
    const text = await readAll(createSseStream(iterable, { pingIntervalMs: 0, maxDurationMs: 10, onError: sanitised }));
    const messages = [];
    for await (const message of parseSse(new Response(text).body!)) messages.push(message);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.event).toBe("error");
    expect(JSON.parse(messages[0]?.data ?? "")).toMatchObject({ code: "TIMEOUT" });
    expect(returned()).toBe(true);
  });

  it("times out even between events that keep coming", async () => {
    let produced = 0;
    async function* events() {
      for (;;) {
        produced++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield { event: "delta", data: { text: "x" } };
      }
    }
    const text = await readAll(createSseStream(events(), { pingIntervalMs: 0, maxDurationMs: 30, onError: sanitised }));
    expect(text.endsWith(formatSseEvent("error", { code: "TIMEOUT", message: "the response took too long" }))).toBe(true);
    expect(produced).toBeGreaterThan(0);
  });

  it("calls the iterator's return() when the client cancels between events", async () => {
    let finalised = false;
    async function* events() {
      try {
        for (;;) yield { event: "delta", data: { text: "x" } };
      } finally {
        finalised = true;
      }
    }
    const reader = createSseStream(events(), { onError: sanitised }).getReader();
    await reader.read();
    await reader.cancel();
    await vi.waitFor(() => expect(finalised).toBe(true));
  });

  it("calls the iterator's return() when the client cancels while an event is pending", async () => {
    const { iterable, returned } = stuckIterable();
    const reader = createSseStream(iterable, { pingIntervalMs: 0, onError: sanitised }).getReader();
    const pendingRead = reader.read();
    await reader.cancel();
    await expect(pendingRead).resolves.toMatchObject({ done: true });
    expect(returned()).toBe(true);
  });
});

describe("createSseStream with a custom framing", () => {
  const framing = {
    event: (event: SseEvent) => `data: ${event.event}=${JSON.stringify(event.data)}\n\n`,
    error: (data: { code: string; message: string }) => `data: ERROR ${data.code}\n\n`,
  };

  it("frames events and the failure with it; pings stay comments", async () => {
    const release = gate();
    async function* events() {
      yield { event: "a", data: 1 };
      await release.promise;
      throw new Error("upstream text that must not be sent");
    }
    const reader = createSseStream(events(), { pingIntervalMs: 5, onError: sanitised, framing }).getReader();
    const decoder = new TextDecoder();
    const frames: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      frames.push(decoder.decode(value));
      if (frames.length === 2) release.open();
    }
    expect(frames[0]).toBe("data: a=1\n\n");
    expect(frames[1]).toBe(": ping\n\n");
    expect(frames.at(-1)).toBe("data: ERROR UPSTREAM_UNAVAILABLE\n\n");
    expect(frames.join("")).not.toContain("upstream text");
  });

  it("frames the time limit's error with it", async () => {
    const { iterable } = stuckIterable();
    const text = await readAll(createSseStream(iterable, { pingIntervalMs: 0, maxDurationMs: 10, onError: sanitised, framing }));
    expect(text).toBe("data: ERROR TIMEOUT\n\n");
  });
});
