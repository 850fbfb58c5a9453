import { describe, expect, it } from "vitest";
import { stageDurations } from "./stage-durations.js";

describe("stageDurations", () => {
  it("adds sequential spans of one name and counts overlapping ones once", () => {
    const spans = [
      { name: "keyword", startMs: 0, endMs: 8 },
      { name: "embed", startMs: 0, endMs: 10 },
      // a second search running concurrently (chat with a rewritten query)
      { name: "embed", startMs: 5, endMs: 12 },
      { name: "embed", startMs: 20, endMs: 23.456 },
      { name: "fuse", startMs: 30, endMs: 30.004 },
    ];
    expect(stageDurations(spans)).toEqual({ keyword: 8, embed: 15.46, fuse: 0 });
    expect(Object.keys(stageDurations(spans))).toEqual(["keyword", "embed", "fuse"]);
  });

  it("handles spans given out of order, contained spans and nothing at all", () => {
    expect(stageDurations([{ name: "a", startMs: 10, endMs: 12 }, { name: "a", startMs: 0, endMs: 20 }])).toEqual({ a: 20 });
    expect(stageDurations([])).toEqual({});
  });
});
