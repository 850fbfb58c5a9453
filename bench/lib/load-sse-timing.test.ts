import { describe, expect, it } from "vitest";
import { describeFailure, timeSseStream } from "./load-sse-timing.js";

/**
 * A recorded stream: chunks with the time (ms after the request) at which they
 * arrived. The clock reads the arrival time of the chunk delivered last, so
 * the figures are those of the recording. `fail` makes the stream error after
 * its chunks, as a reset connection does.
 */
function replay(chunks: [number, string][], options: { fail?: Error } = {}) {
  let clock = 0;
  let next = 0;
  let cancelled = false;
  const encoder = new TextEncoder();
  // highWaterMark 0: a chunk is pulled only when the reader asks, so the clock never runs ahead of the parser.
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[next++];
        if (chunk) {
          clock = chunk[0];
          controller.enqueue(encoder.encode(chunk[1]));
        } else if (options.fail) controller.error(options.fail);
        else controller.close();
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, now: () => clock, wasCancelled: () => cancelled, delivered: () => next };
}

const sources = 'event: sources\ndata: {"sources":[{"n":1},{"n":2}]}\n\n';
const delta = (text: string) => `event: delta\ndata: ${JSON.stringify({ text })}\n\n`;
const done = 'event: done\ndata: {"timings":{}}\n\n';

describe("timeSseStream", () => {
  it("notes when sources, the first delta and done arrived, with chunks split anywhere", async () => {
    const recording = replay([
      [5, ": ping\n\n"],
      [120, sources.slice(0, 20)],
      [130, sources.slice(20)],
      [300, delta("Refunds ") + delta("take")],
      [310, delta(" 5 days.")],
      [450, done.slice(0, 10)],
      [460, done.slice(10)],
    ]);
    const timing = await timeSseStream(recording.stream, { now: recording.now });
    expect(timing).toMatchObject({
      sourcesMs: 130,
      firstDeltaMs: 300,
      doneMs: 460,
      sources: 2,
      deltas: 3,
      characters: "Refunds take 5 days.".length,
      end: "done",
      events: ["sources", "delta", "delta", "delta", "done"],
    });
    expect(timing.violation).toBeUndefined();
  });

  it("reads an error event's code and message (flat, as the encoder sends it, or nested)", async () => {
    const flat = replay([[50, sources], [80, 'event: error\ndata: {"code":"INTERNAL","message":"the answer could not be completed"}\n\n']]);
    expect(await timeSseStream(flat.stream, { now: flat.now })).toMatchObject({
      end: "error",
      errorMs: 80,
      error: { code: "INTERNAL", message: "the answer could not be completed" },
    });
    const nested = replay([[10, 'event: error\ndata: {"error":{"code":"TIMEOUT","message":"slow"}}\n\n']]);
    expect((await timeSseStream(nested.stream, { now: nested.now })).error).toEqual({ code: "TIMEOUT", message: "slow" });
  });

  it("a stream that closes without done or error ends as eof", async () => {
    const recording = replay([[40, sources], [90, delta("half an answer")]]);
    expect(await timeSseStream(recording.stream, { now: recording.now })).toMatchObject({ end: "eof", sourcesMs: 40, firstDeltaMs: 90 });
  });

  it("a stream that fails while reading ends as broken, keeping what arrived and why", async () => {
    const reset = Object.assign(new TypeError("terminated"), { cause: { code: "ECONNRESET" } });
    const recording = replay([[40, sources]], { fail: reset });
    const timing = await timeSseStream(recording.stream, { now: recording.now });
    expect(timing).toMatchObject({ end: "broken", sourcesMs: 40, failure: "terminated (ECONNRESET)" });
  });

  it("stops after sources or after the first delta when asked, and cancels the stream", async () => {
    const chunks: [number, string][] = [[40, sources], [60, delta("one")], [70, delta(" two")], [90, done]];
    const atSources = replay(chunks);
    expect(await timeSseStream(atSources.stream, { now: atSources.now, disconnectAt: "sources" })).toMatchObject({
      end: "stopped",
      sourcesMs: 40,
      deltas: 0,
    });
    expect(atSources.wasCancelled()).toBe(true);
    expect(atSources.delivered()).toBe(1);

    const atDelta = replay(chunks);
    expect(await timeSseStream(atDelta.stream, { now: atDelta.now, disconnectAt: "first-delta" })).toMatchObject({
      end: "stopped",
      firstDeltaMs: 60,
      deltas: 1,
    });
    expect(atDelta.wasCancelled()).toBe(true);
  });

  it("a stream that finishes before the disconnect point simply completes", async () => {
    const recording = replay([[40, sources], [45, done]]);
    expect(await timeSseStream(recording.stream, { now: recording.now, disconnectAt: "first-delta" })).toMatchObject({ end: "done", deltas: 0 });
  });

  it("flags departures from the protocol", async () => {
    const cases: [string, [number, string][]][] = [
      ['"delta" before "sources"', [[1, delta("x")], [2, sources], [3, done]]],
      ['"done" before "sources"', [[1, done]]],
      ['a second "sources" event', [[1, sources], [2, sources], [3, done]]],
      ['"sources" event without a sources array', [[1, 'event: sources\ndata: {"items":[]}\n\n'], [2, done]]],
      ['"delta" event with data that is not JSON', [[1, sources], [2, "event: delta\ndata: {oops\n\n"], [3, done]]],
      ['unknown event "progress"', [[1, sources], [2, "event: progress\ndata: {}\n\n"], [3, done]]],
      ['"delta" event after "done"', [[1, sources], [2, done], [3, delta("late")]]],
    ];
    for (const [violation, chunks] of cases) {
      const recording = replay(chunks);
      expect((await timeSseStream(recording.stream, { now: recording.now })).violation, violation).toBe(violation);
    }
  });

  it("describes failures with their cause's code", () => {
    expect(describeFailure(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }))).toBe("fetch failed (ECONNREFUSED)");
    expect(describeFailure(new DOMException("The operation was aborted due to timeout", "TimeoutError"))).toBe(
      "TimeoutError: The operation was aborted due to timeout",
    );
    expect(describeFailure(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toBe("socket hang up (ECONNRESET)");
    expect(describeFailure(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }))).toBe("connect ECONNREFUSED 127.0.0.1:9");
    expect(describeFailure("plain")).toBe("plain");
  });
});
