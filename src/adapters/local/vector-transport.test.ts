import { describe, expect, it } from "vitest";
import { decodeMatrix, decodeVectorBatch, encodeMatrix, encodeVectorBatch } from "./vector-transport.js";

const fround = (values: ArrayLike<number>) => Array.from(values, (value) => Math.fround(value));

describe("vector transport", () => {
  it("round-trips a vector batch as float32, keeping ids, namespaces and metadata", () => {
    const vectors = [
      { id: "a", values: [0.1, -0.2, 1 / 3], namespace: "tenant-é", metadata: { doc: "x", n: 2 } },
      { id: "b-漢字", values: new Float64Array([1e-9, 2.5, -7]) },
      { id: "c", values: new Float32Array([0, 1, 2]), metadata: {} },
    ];
    const bytes = encodeVectorBatch(vectors)!;
    expect(bytes).not.toBeNull();
    const decoded = decodeVectorBatch(bytes.buffer);
    expect(decoded.map(({ values, ...rest }) => ({ ...rest, values: Array.from(values) }))).toEqual([
      { id: "a", values: fround([0.1, -0.2, 1 / 3]), namespace: "tenant-é", metadata: { doc: "x", n: 2 } },
      { id: "b-漢字", values: fround([1e-9, 2.5, -7]) },
      { id: "c", values: [0, 1, 2], metadata: {} },
    ]);
    // Each vector owns its values (not a view on one shared buffer).
    expect(decoded[0]!.values).toBeInstanceOf(Float32Array);
    expect((decoded[0]!.values as Float32Array).buffer).not.toBe((decoded[1]!.values as Float32Array).buffer);
  });

  it("leaves to JSON what the index must reject with its own message", () => {
    expect(encodeVectorBatch([{ id: "a", values: [1, 2] }, { id: "b", values: [1] }])).toBeNull(); // ragged
    expect(encodeVectorBatch([{ id: "a", values: [1, "2"] }])).toBeNull(); // not numbers
    expect(encodeVectorBatch([{ id: 7, values: [1] }])).toBeNull(); // id not a string
    expect(encodeVectorBatch([{ id: "a", values: [] }])).toBeNull(); // empty
    expect(encodeVectorBatch([null])).toBeNull();
    expect(encodeVectorBatch([])).toBeNull();
    // NaN is a number: it travels, and the index's validation rejects it as it would from JSON.
    expect(encodeVectorBatch([{ id: "a", values: [Number.NaN] }])).not.toBeNull();
  });

  it("rejects malformed batches", () => {
    const bytes = encodeVectorBatch([{ id: "a", values: [1, 2] }])!;
    expect(() => decodeVectorBatch(bytes.buffer.slice(0, bytes.length - 4))).toThrow(/does not match/);
    expect(() => decodeVectorBatch(new Uint8Array([255, 255, 0, 0, 1]).buffer)).toThrow(/overruns/);
    expect(() => decodeVectorBatch(new ArrayBuffer(2))).toThrow(/too short/);
  });

  it("round-trips a matrix and checks its shape", () => {
    const rows = [
      [0.1, 0.2],
      [0.3, -0.4],
      [5, 6],
    ];
    const { bytes, shape } = encodeMatrix(rows);
    expect(shape).toEqual([3, 2]);
    expect(decodeMatrix(bytes.buffer, shape.join(","))).toEqual(rows.map(fround));
    expect(() => decodeMatrix(bytes.buffer, "2,2")).toThrow(/does not match/);
    expect(() => decodeMatrix(bytes.buffer, null)).toThrow(/does not match/);
    expect(() => encodeMatrix([[1, 2], [3]])).toThrow(/differ/);
  });
});
