import { describe, expect, it } from "vitest";
import { apiBatchLimits, BatchPacker, type BatchLimits } from "./batching.js";

function pack(sizes: number[], limits: BatchLimits): number[][] {
  const packer = new BatchPacker<number>(limits);
  const batches: number[][] = [];
  sizes.forEach((size, index) => batches.push(...packer.add(index, { contentBytes: size, bodyBytes: size * 2 })));
  const last = packer.flush();
  if (last) batches.push(last);
  return batches;
}

describe("BatchPacker", () => {
  it("follows the API's limits by default", () => {
    expect(apiBatchLimits.maxDocuments).toBe(100);
    expect(apiBatchLimits.maxContentBytes).toBe(10 * 1024 * 1024);
  });

  it("closes a batch at the document limit", () => {
    expect(pack([1, 1, 1, 1, 1], { maxDocuments: 2, maxContentBytes: 100, maxBodyBytes: 1000 })).toEqual([[0, 1], [2, 3], [4]]);
  });

  it("starts a new batch when the content would go over", () => {
    expect(pack([40, 40, 40, 10], { maxDocuments: 10, maxContentBytes: 100, maxBodyBytes: 1000 })).toEqual([[0, 1], [2, 3]]);
  });

  it("starts a new batch when the serialised body would go over", () => {
    expect(pack([30, 30, 30], { maxDocuments: 10, maxContentBytes: 1000, maxBodyBytes: 100 })).toEqual([[0], [1], [2]]);
  });

  it("sends an item larger than a batch alone", () => {
    expect(pack([10, 500, 10], { maxDocuments: 10, maxContentBytes: 100, maxBodyBytes: 10_000 })).toEqual([[0], [1], [2]]);
  });

  it("with one document per batch, completes two batches in one call when the second item does not fit", () => {
    const packer = new BatchPacker<string>({ maxDocuments: 1, maxContentBytes: 10, maxBodyBytes: 10 });
    expect(packer.add("a", { contentBytes: 1, bodyBytes: 1 })).toEqual([["a"]]);
    expect(packer.add("b", { contentBytes: 50, bodyBytes: 50 })).toEqual([["b"]]);
    expect(packer.flush()).toBeUndefined();
  });

  it("never loses or reorders items", () => {
    const sizes = Array.from({ length: 250 }, (_, i) => (i * 7919) % 97);
    const batches = pack(sizes, { maxDocuments: 17, maxContentBytes: 300, maxBodyBytes: 500 });
    expect(batches.flat()).toEqual(sizes.map((_, i) => i));
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(17);
      if (batch.length > 1) expect(batch.reduce((sum, i) => sum + sizes[i]!, 0)).toBeLessThanOrEqual(250);
    }
  });
});
