import { describe, expect, it } from "vitest";
import { formatTraceparent, isValidSpanId, isValidTraceId, newSpanId, newTraceId, parseTraceparent } from "./trace-ids.js";

describe("trace and span ids", () => {
  it("are lowercase hex of the W3C lengths", () => {
    for (let i = 0; i < 20; i++) {
      expect(newTraceId()).toMatch(/^[0-9a-f]{32}$/);
      expect(newSpanId()).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it("use the injected random source and are never all zeros", () => {
    const fixed = (length: number) => Uint8Array.from({ length }, (_, i) => i + 1);
    expect(newSpanId(fixed)).toBe("0102030405060708");
    const zeros = (length: number) => new Uint8Array(length);
    expect(isValidTraceId(newTraceId(zeros))).toBe(true);
    expect(isValidSpanId(newSpanId(zeros))).toBe(true);
  });

  it("reads a valid traceparent and refuses invalid ones", () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parent = "00f067aa0ba902b7";
    expect(parseTraceparent(`00-${traceId}-${parent}-01`)).toEqual({ traceId, parentSpanId: parent, sampled: true });
    expect(parseTraceparent(`00-${traceId}-${parent}-00`)).toEqual({ traceId, parentSpanId: parent, sampled: false });
    // A future version may carry more fields.
    expect(parseTraceparent(`01-${traceId}-${parent}-01-extra`)?.traceId).toBe(traceId);
    for (const bad of [
      null,
      "",
      "garbage",
      `00-${"0".repeat(32)}-${parent}-01`,
      `00-${traceId}-${"0".repeat(16)}-01`,
      `ff-${traceId}-${parent}-01`,
      `00-${traceId.toUpperCase()}-${parent}-01`,
      `00-${traceId}-${parent}-01-extra`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeNull();
    }
  });

  it("writes a traceparent that reads back", () => {
    const header = formatTraceparent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    expect(header).toBe("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    expect(parseTraceparent(header)?.sampled).toBe(true);
  });
});
