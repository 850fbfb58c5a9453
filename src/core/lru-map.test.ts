import { describe, expect, it } from "vitest";
import { LruMap } from "./lru-map.js";

describe("LruMap", () => {
  it("forgets the least recently used entry beyond capacity; a read counts as a use", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1);
    lru.set("c", 3);
    expect(lru.get("b")).toBeUndefined();
    expect(lru.get("a")).toBe(1);
    expect(lru.get("c")).toBe(3);
    expect(lru.size).toBe(2);
  });

  it("replacing a key keeps one entry; capacity 0 keeps nothing", () => {
    const lru = new LruMap<string, number>(2);
    lru.set("a", 1);
    lru.set("a", 2);
    expect(lru.size).toBe(1);
    expect(lru.get("a")).toBe(2);
    const none = new LruMap<string, number>(0);
    none.set("a", 1);
    expect(none.get("a")).toBeUndefined();
    expect(() => new LruMap(-1)).toThrow(RangeError);
  });
});
