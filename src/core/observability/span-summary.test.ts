import { describe, expect, it } from "vitest";
import { SpanRecorder } from "./span-recorder.js";
import { summarizeSpans } from "./span-summary.js";

describe("summarizeSpans", () => {
  it("gives offsets from the first span, durations, parents and the non-common attributes", () => {
    let now = 5000;
    const recorder = new SpanRecorder({ now: () => now, attributes: { request_id: "r", tenant: "t" } });
    const root = recorder.start("root");
    now += 3;
    const stage = recorder.start("embed", { attributes: { texts: 2 } });
    now += 4.5;
    stage.fail("TIMEOUT");
    stage.end();
    root.end();
    expect(summarizeSpans(recorder.finished(), { omitAttributes: ["request_id", "tenant"] })).toEqual([
      { name: "root", span_id: root.spanId, start_ms: 0, duration_ms: 7.5 },
      { name: "embed", span_id: stage.spanId, parent_span_id: root.spanId, start_ms: 3, duration_ms: 4.5, status: "error", status_message: "TIMEOUT", attributes: { texts: 2 } },
    ]);
    expect(summarizeSpans([])).toEqual([]);
  });
});
