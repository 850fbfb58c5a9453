import { describe, expect, it } from "vitest";
import { toOtlpJson, unixNanos } from "./otlp-json.js";
import { SpanRecorder } from "./span-recorder.js";

describe("OTLP/JSON mapping", () => {
  it("maps recorded spans to resourceSpans → scopeSpans → spans with hex ids, nanosecond strings and typed attributes", () => {
    let now = 1_700_000_000_000;
    const recorder = new SpanRecorder({ now: () => now, attributes: { request_id: "req-9" } });
    const root = recorder.start("POST /v1/search", { attributes: { "http.response.status_code": 200 } });
    now += 1.5;
    const embed = recorder.start("embed", { attributes: { texts: 1, degraded: false, score: 0.25, model: "m" } });
    now += 10;
    embed.fail("TIMEOUT");
    embed.end();
    root.end();

    const body = toOtlpJson(recorder.finished(), { serviceName: "edge-rag", attributes: { "deployment.environment": "local" }, scope: { name: "edge-rag", version: "0.1.0" } });
    expect(body.resourceSpans).toHaveLength(1);
    const [resourceSpans] = body.resourceSpans;
    expect(resourceSpans!.resource.attributes).toEqual([
      { key: "service.name", value: { stringValue: "edge-rag" } },
      { key: "deployment.environment", value: { stringValue: "local" } },
    ]);
    expect(resourceSpans!.scopeSpans).toHaveLength(1);
    expect(resourceSpans!.scopeSpans[0]!.scope).toEqual({ name: "edge-rag", version: "0.1.0" });
    const [rootSpan, embedSpan] = resourceSpans!.scopeSpans[0]!.spans;
    expect(rootSpan).toEqual({
      traceId: recorder.traceId,
      spanId: root.spanId,
      name: "POST /v1/search",
      kind: 2,
      startTimeUnixNano: "1700000000000000000",
      endTimeUnixNano: "1700000000011500000",
      attributes: [
        { key: "request_id", value: { stringValue: "req-9" } },
        { key: "http.response.status_code", value: { intValue: "200" } },
      ],
      status: { code: 0 },
    });
    expect(rootSpan).not.toHaveProperty("parentSpanId");
    expect(embedSpan).toMatchObject({
      traceId: recorder.traceId,
      spanId: embed.spanId,
      parentSpanId: root.spanId,
      kind: 1,
      startTimeUnixNano: "1700000000001500000",
      endTimeUnixNano: "1700000000011500000",
      status: { code: 2, message: "TIMEOUT" },
    });
    expect(embedSpan!.attributes).toEqual([
      { key: "request_id", value: { stringValue: "req-9" } },
      { key: "texts", value: { intValue: "1" } },
      { key: "degraded", value: { boolValue: false } },
      { key: "score", value: { doubleValue: 0.25 } },
      { key: "model", value: { stringValue: "m" } },
    ]);
    for (const span of [rootSpan!, embedSpan!]) {
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    }
    // Survives JSON (what gets posted) unchanged.
    expect(JSON.parse(JSON.stringify(body))).toEqual(body);
  });

  it("converts milliseconds to nanoseconds without losing the whole milliseconds beyond 2^53", () => {
    // 1.7e18 ns is past 2^53: a plain multiplication would round the result.
    expect(unixNanos(1_700_000_000_123.5)).toBe("1700000000123500000");
    expect(unixNanos(1_700_000_000_123)).toBe("1700000000123000000");
    expect(unixNanos(0.000001)).toBe("1");
    expect(unixNanos(0)).toBe("0");
    expect(unixNanos(Number.NaN)).toBe("0");
  });
});
