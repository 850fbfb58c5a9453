import { describe, expect, it } from "vitest";
import { formatCount, formatDuration, formatRate, RateMeter, renderBar, renderProgress } from "./progress.js";
import { createProgressReporter } from "./progress-reporter.js";

describe("formatting", () => {
  it("durations", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(59.4)).toBe("59s");
    expect(formatDuration(65)).toBe("1m 05s");
    expect(formatDuration(3725)).toBe("1h 02m");
    expect(formatDuration(-3)).toBe("0s");
  });

  it("counts and rates", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatRate(0.25)).toBe("0.25");
    expect(formatRate(3.46)).toBe("3.5");
    expect(formatRate(42.4)).toBe("42");
  });

  it("bars", () => {
    expect(renderBar(0, 4)).toBe("░░░░");
    expect(renderBar(0.5, 4)).toBe("██░░");
    expect(renderBar(2, 4)).toBe("████");
    expect(renderBar(Number.NaN, 2)).toBe("░░");
  });
});

describe("RateMeter", () => {
  it("is unknown until a second of data, then counts over the window", () => {
    const meter = new RateMeter(10_000, 1_000);
    meter.record(0, 0);
    expect(meter.rate(500)).toBeUndefined();
    meter.record(2_000, 10);
    expect(meter.rate(2_000)).toBe(5);
    expect(meter.eta(20, 2_000)).toBe(4);
    expect(meter.eta(0, 2_000)).toBe(0);
  });

  it("slows down while nothing finishes, and has no ETA when stalled from the start", () => {
    const meter = new RateMeter(10_000, 1_000);
    meter.record(0, 0);
    meter.record(1_000, 10);
    expect(meter.rate(1_000)).toBe(10);
    expect(meter.rate(5_000)).toBe(2);
    const stalled = new RateMeter(10_000, 1_000);
    stalled.record(0, 0);
    stalled.record(3_000, 0);
    expect(stalled.eta(5, 3_000)).toBeUndefined();
  });

  it("forgets what is older than the window", () => {
    const meter = new RateMeter(10_000, 1_000);
    meter.record(0, 0);
    meter.record(1_000, 100); // a burst at the start
    for (let at = 2_000; at <= 30_000; at += 1_000) meter.record(at, 100 + (at - 1_000) / 1_000);
    // One item a second lately, not the burst's hundred.
    expect(meter.rate(30_000)).toBeCloseTo(1, 1);
  });
});

describe("renderProgress", () => {
  const snapshot = { phase: "indexing" as const, done: 120, total: 400, chunks: 1234, failed: 2, rate: 35.2, etaSeconds: 8 };

  it("a terminal line with a bar, within the width", () => {
    const line = renderProgress(snapshot, 100);
    expect(line).toMatch(/^indexing █+░+ 120\/400 files · 1,234 chunks · 2 failed · 35 files\/s · ETA 8s$/);
    expect(line.length).toBeLessThan(100);
    const narrow = renderProgress(snapshot, 40);
    expect(narrow.length).toBeLessThan(40);
    expect(narrow).not.toContain("█");
  });

  it("a plain line for logs", () => {
    expect(renderProgress(snapshot)).toBe("indexing: 120/400 files, 1,234 chunks, 2 failed, 35 files/s, ETA 8s (30%)");
    expect(renderProgress({ phase: "sending", done: 3, total: 3, failed: 0 })).toBe("sending: 3/3 files (100%)");
    expect(renderProgress({ phase: "sending", done: 0, total: 3, failed: 0 })).toBe("sending: 0/3 files, ETA ? (0%)");
  });
});

describe("createProgressReporter", () => {
  function recorder(tty: boolean) {
    const writes: string[] = [];
    return { writes, out: { write: (text: string) => writes.push(text), isTTY: tty, columns: 80 } };
  }

  it("redraws one line in place on a terminal, at most every interval, and keeps messages above it", () => {
    let now = 0;
    const { writes, out } = recorder(true);
    const reporter = createProgressReporter(out, { now: () => now, redrawIntervalMs: 100 });
    reporter.update({ phase: "sending", done: 1, total: 10, failed: 0 });
    now = 50;
    reporter.update({ phase: "sending", done: 2, total: 10, failed: 0 }); // too soon: not drawn
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^\r\x1b\[2Ksending .*1\/10 files/);
    reporter.log("a message");
    expect(writes.slice(1)).toEqual(["\r\x1b[2Ka message\n", writes[0]!.slice("\r\x1b[2K".length)]);
    reporter.finish(); // draws the latest state, then ends the line
    expect(writes.at(-2)).toMatch(/2\/10 files/);
    expect(writes.at(-1)).toBe("\n");
  });

  it("prints plain lines on a phase change and every interval otherwise", () => {
    let now = 0;
    const { writes, out } = recorder(false);
    const reporter = createProgressReporter(out, { now: () => now, plainIntervalMs: 5_000 });
    reporter.update({ phase: "sending", done: 1, total: 10, failed: 0 });
    now = 1_000;
    reporter.update({ phase: "sending", done: 2, total: 10, failed: 0 });
    now = 2_000;
    reporter.update({ phase: "indexing", done: 3, total: 10, failed: 0 });
    now = 8_000;
    reporter.update({ phase: "indexing", done: 9, total: 10, failed: 0 });
    reporter.update({ phase: "indexing", done: 10, total: 10, failed: 0 });
    reporter.finish();
    reporter.finish(); // the same line is not repeated
    expect(writes).toEqual([
      "sending: 1/10 files, ETA ? (10%)\n",
      "indexing: 3/10 files, ETA ? (30%)\n",
      "indexing: 9/10 files, ETA ? (90%)\n",
      "indexing: 10/10 files (100%)\n",
    ]);
    expect(writes.join("")).not.toContain("\r");
  });
});
