import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { SpanRecorder, errorLabel, type PlatformSpan, type PlatformTracer } from "./span-recorder.js";

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("SpanRecorder", () => {
  it("nests stages under the root span by default, with times from the injected clock", () => {
    const clock = manualClock();
    const recorder = new SpanRecorder({ now: clock.now, attributes: { request_id: "req-1" } });
    const root = recorder.start("POST");
    clock.advance(2);
    const embed = recorder.start("embed");
    clock.advance(10);
    embed.end();
    const vector = recorder.start("vector", { attributes: { matches: 20 } });
    const query = recorder.start("vector.query", { parent: vector });
    clock.advance(5);
    query.end();
    clock.advance(1);
    vector.end();
    clock.advance(3);
    root.updateName("POST /v1/search");
    root.end();

    const spans = recorder.finished();
    expect(spans.map((span) => span.name)).toEqual(["POST /v1/search", "embed", "vector", "vector.query"]);
    const [rootSpan, embedSpan, vectorSpan, querySpan] = spans as [any, any, any, any];
    expect(rootSpan.parentSpanId).toBeUndefined();
    expect(rootSpan.kind).toBe("server");
    expect(embedSpan.parentSpanId).toBe(rootSpan.spanId);
    expect(vectorSpan.parentSpanId).toBe(rootSpan.spanId);
    expect(querySpan.parentSpanId).toBe(vectorSpan.spanId);
    expect(embedSpan.kind).toBe("internal");
    const t0 = 1_700_000_000_000;
    expect([rootSpan.startMs, rootSpan.endMs]).toEqual([t0, t0 + 21]);
    expect([embedSpan.startMs, embedSpan.endMs]).toEqual([t0 + 2, t0 + 12]);
    expect([vectorSpan.startMs, vectorSpan.endMs]).toEqual([t0 + 12, t0 + 18]);
    expect([querySpan.startMs, querySpan.endMs]).toEqual([t0 + 12, t0 + 17]);
    // A child lies within its parent.
    for (const child of [embedSpan, vectorSpan, querySpan]) {
      const parent = spans.find((span) => span.spanId === child.parentSpanId)!;
      expect(child.startMs).toBeGreaterThanOrEqual(parent.startMs);
      expect(child.endMs).toBeLessThanOrEqual(parent.endMs);
    }
    // One trace, distinct span ids.
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([recorder.traceId]));
    expect(new Set(spans.map((span) => span.spanId)).size).toBe(4);
    expect(recorder.stages().map((span) => span.name)).toEqual(["embed", "vector", "vector.query"]);
  });

  it("puts the request id and tenant on every span, even when the tenant is learnt later", () => {
    const recorder = new SpanRecorder({ attributes: { request_id: "req-2" } });
    recorder.start("root");
    recorder.start("keyword").end();
    recorder.setAttribute("tenant", "t_0123456789abcdef");
    recorder.start("fuse", { attributes: { request_id: "req-override" } }).end();
    const [keyword, fuse] = recorder.finished();
    expect(keyword!.attributes).toEqual({ request_id: "req-2", tenant: "t_0123456789abcdef" });
    expect(fuse!.attributes).toEqual({ request_id: "req-override", tenant: "t_0123456789abcdef" });
  });

  it("continues an incoming trace: the root's parent is the caller's span", () => {
    const recorder = new SpanRecorder({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", parentSpanId: "00f067aa0ba902b7" });
    recorder.start("root").end();
    expect(recorder.finished()[0]).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", parentSpanId: "00f067aa0ba902b7" });
  });

  it("time() ends the span when the callback settles and labels a failure by code, never by message", async () => {
    const clock = manualClock();
    const recorder = new SpanRecorder({ now: clock.now });
    recorder.start("root");
    const value = await recorder.time("embed", async (span) => {
      clock.advance(7);
      span.setAttribute("texts", 1);
      return 42;
    });
    expect(value).toBe(42);
    const failure = recorder.time("generate", async () => {
      clock.advance(3);
      throw new AppError("UPSTREAM_UNAVAILABLE", "Authorization: Bearer sk-secret rejected the question 'my secret'");
    });
    await expect(failure).rejects.toBeInstanceOf(AppError);
    const [embed, generate] = recorder.stages();
    expect(embed).toMatchObject({ name: "embed", status: "unset", attributes: { texts: 1 } });
    expect(embed!.endMs - embed!.startMs).toBe(7);
    expect(generate).toMatchObject({ name: "generate", status: "error", statusMessage: "UPSTREAM_UNAVAILABLE" });
    expect(generate!.endMs - generate!.startMs).toBe(3);
    expect(JSON.stringify(recorder.finished())).not.toContain("secret");
  });

  it("labels errors by a safe code or name only", () => {
    expect(errorLabel(new TypeError("details"))).toBe("TypeError");
    expect(errorLabel({ code: "has spaces and text" , name: "Named" })).toBe("Named");
    expect(errorLabel("a string")).toBe("error");
  });

  it("end() is idempotent and endOpen() closes what is still open", () => {
    const clock = manualClock();
    const recorder = new SpanRecorder({ now: clock.now });
    const root = recorder.start("root");
    const generate = recorder.start("generate");
    clock.advance(4);
    root.end();
    clock.advance(4);
    root.end();
    expect(recorder.finished().map((span) => span.name)).toEqual(["root"]);
    expect(generate.ended).toBe(false);
    recorder.endOpen();
    const spans = recorder.finished();
    expect(spans[0]!.endMs - spans[0]!.startMs).toBe(4);
    expect(spans[1]).toMatchObject({ name: "generate", attributes: { unfinished: true } });
    expect(spans[1]!.endMs - spans[1]!.startMs).toBe(8);
  });

  it("adds spans measured elsewhere with record()", () => {
    const recorder = new SpanRecorder();
    const root = recorder.start("root");
    recorder.record("rerank", 1000, 1012.5, { attributes: { candidates: 20 } });
    recorder.record("backwards", 1000, 990);
    root.end();
    const [, rerank, backwards] = recorder.finished();
    expect(rerank).toMatchObject({ name: "rerank", startMs: 1000, endMs: 1012.5, parentSpanId: root.spanId, attributes: { candidates: 20 } });
    expect(backwards!.endMs).toBe(1000);
  });

  it("keeps at most maxSpans spans and counts the rest", () => {
    const recorder = new SpanRecorder({ maxSpans: 3 });
    recorder.start("root");
    for (let i = 0; i < 5; i++) recorder.start(`stage-${i}`).end();
    expect(recorder.finished().map((span) => span.name)).toEqual(["stage-0", "stage-1"]);
    expect(recorder.droppedSpans).toBe(3);
  });

  it("mirrors time() spans into a platform tracer, nested and with the same attributes", async () => {
    const opened: { name: string; attributes: Record<string, unknown>; depth: number }[] = [];
    let depth = 0;
    const platform: PlatformTracer = {
      enterSpan<T>(name: string, callback: (span: PlatformSpan) => T): T {
        const entry = { name, attributes: {} as Record<string, unknown>, depth };
        opened.push(entry);
        depth += 1;
        const result = callback({ setAttribute: (key, value) => void (entry.attributes[key] = value) });
        return Promise.resolve(result).finally(() => void (depth -= 1)) as T;
      },
    };
    const recorder = new SpanRecorder({ platform, attributes: { request_id: "req-3", tenant: "t_1" } });
    recorder.start("root");
    await recorder.time("search", async () => {
      await recorder.time("embed", async (span) => span.setAttribute("texts", 1));
    });
    await expect(recorder.time("generate", async () => Promise.reject(new AppError("UPSTREAM_UNAVAILABLE", "x")))).rejects.toThrow();
    expect(opened).toEqual([
      { name: "search", attributes: { request_id: "req-3", tenant: "t_1" }, depth: 0 },
      { name: "embed", attributes: { request_id: "req-3", tenant: "t_1", texts: 1 }, depth: 1 },
      { name: "generate", attributes: { request_id: "req-3", tenant: "t_1", error: true }, depth: 0 },
    ]);
  });

  it("runs time() callbacks without the platform tracer when it throws", async () => {
    const recorder = new SpanRecorder({
      platform: {
        enterSpan() {
          throw new Error("tracing unavailable");
        },
      },
    });
    recorder.start("root");
    expect(await recorder.time("embed", async () => "ran")).toBe("ran");
    expect(recorder.stages().map((span) => span.name)).toEqual(["embed"]);
  });
});
