// The hand-assembled WASM kernel against a plain integer dot product:
// listed rows in any order, padding, and sums at the edge of the i32 range.
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../../core/seeded-random.js";
import { createInt8DotKernel } from "./int8-dot-kernel.js";

function setUp(rows: number, stride: number) {
  const kernel = createInt8DotKernel(Math.ceil((rows * stride + rows * 8 + stride * 2) / 65536) + 1);
  if (!kernel) throw new Error("this runtime has no WASM SIMD");
  const listOffset = rows * stride;
  const outOffset = listOffset + rows * 4;
  const queryOffset = outOffset + rows * 4;
  const buffer = kernel.memory.buffer;
  return {
    kernel,
    values: new Int8Array(buffer, 0, rows * stride),
    list: new Int32Array(buffer, listOffset, rows),
    out: new Int32Array(buffer, outOffset, rows),
    query: new Int16Array(buffer, queryOffset, stride),
    run: (count: number) => kernel.dots(0, stride, listOffset, count, queryOffset, outOffset),
  };
}

describe("int8 dot kernel", () => {
  it("equals the integer dot product for every listed row, in list order", () => {
    const rows = 300;
    const stride = 48; // 3 SIMD steps per row
    const k = setUp(rows, stride);
    const next = seededRandom(5);
    for (let i = 0; i < k.values.length; i++) k.values[i] = Math.floor(next() * 255) - 127;
    for (let j = 0; j < stride; j++) k.query[j] = Math.floor(next() * 65535) - 32767;
    const order = Array.from({ length: 200 }, () => Math.floor(next() * rows));
    k.list.set(order);
    k.run(order.length);
    order.forEach((row, i) => {
      let expected = 0;
      for (let j = 0; j < stride; j++) expected += k.values[row * stride + j]! * k.query[j]!;
      expect(k.out[i]).toBe(expected);
    });
  });

  it("is exact at the largest sums the store allows (1536 dims, query scale 11008)", () => {
    const stride = 1536;
    const k = setUp(2, stride);
    k.values.fill(127, 0, stride);
    k.values.fill(-127, stride, 2 * stride);
    k.query.fill(11008);
    k.list.set([0, 1]);
    k.run(2);
    expect(k.out[0]).toBe(1536 * 127 * 11008);
    expect(k.out[1]).toBe(-1536 * 127 * 11008);
    expect(1536 * 127 * 11008).toBeLessThan(2 ** 31);
  });

  it("does nothing for an empty list", () => {
    const k = setUp(4, 16);
    k.out.fill(7);
    k.run(0);
    expect(Array.from(k.out)).toEqual([7, 7, 7, 7]);
  });
});
