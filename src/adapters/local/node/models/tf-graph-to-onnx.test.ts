/**
 * The TF.js → ONNX converter on small hand-made graphs: a few of the ops the
 * Universal Sentence Encoder uses, checked against numbers computed by hand
 * on ONNX Runtime, and the refusal of what it does not handle. The whole USE
 * graph is checked against TF.js in `universal-sentence-encoder-parity.test.ts`.
 */
import { InferenceSession, Tensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { convertTfGraphToOnnx, UnsupportedTfGraphError } from "./tf-graph-to-onnx.js";
import type { TfNode, TfWeight } from "./use-model-files.js";

const float = { type: 1 };
const int32 = { type: 3 };

function weights(...list: TfWeight[]): Map<string, TfWeight> {
  return new Map(list.map((weight) => [weight.name, weight]));
}
const ints = (name: string, values: number[], shape = [values.length]): TfWeight => ({ name, shape, dtype: "int32", values: Int32Array.from(values) });
const floats = (name: string, values: number[], shape: number[]): TfWeight => ({ name, shape, dtype: "float32", values: Float32Array.from(values) });
const constNode = (name: string, dtype: { type: number }): TfNode => ({ name, op: "Const", attr: { dtype } });

describe("convertTfGraphToOnnx", () => {
  it("runs a 1×1 Conv2D as a dense layer, then a shrinking StridedSlice and a Where, in any node order", async () => {
    // x [n, 3] → [n, 1, 1, 3] → conv 3→2 → [n, 2] → column 1 → indices where > 0
    const nodes: TfNode[] = [
      { name: "where", op: "Where", input: ["positive"] },
      { name: "positive", op: "Greater", input: ["column", "zero"] },
      { name: "column", op: "StridedSlice", input: ["squeezed", "begin", "end", "strides"], attr: { shrink_axis_mask: { i: "2" }, begin_mask: { i: "1" }, end_mask: { i: "1" } } },
      { name: "squeezed", op: "Squeeze", input: ["conv"], attr: { squeeze_dims: { list: { i: ["1", "2"] } } } },
      { name: "conv", op: "Conv2D", input: ["x4", "kernel"], attr: { data_format: { s: [...Buffer.from("NHWC")] }, strides: { list: { i: ["1", "1", "1", "1"] } } } },
      { name: "x4", op: "ExpandDims", input: ["x3", "one"] },
      { name: "x3", op: "ExpandDims", input: ["x", "one"] },
      { name: "x", op: "Placeholder", attr: { dtype: float, shape: { shape: { dim: [{ size: "-1" }, { size: "3" }] } } } },
      constNode("one", int32),
      constNode("zero", float),
      constNode("kernel", float),
      constNode("begin", int32),
      constNode("end", int32),
      constNode("strides", int32),
    ];
    const converted = convertTfGraphToOnnx({
      nodes,
      weights: weights(
        ints("one", [1], []),
        floats("zero", [0], []),
        // column 0 = x·(1, 0, 0), column 1 = x·(1, -1, 2)
        floats("kernel", [1, 1, 0, -1, 0, 2], [1, 1, 3, 2]),
        ints("begin", [0, 1]),
        ints("end", [0, 2]),
        ints("strides", [1, 1]),
      ),
      outputs: ["column", "where"],
    });
    expect(converted.inputs).toEqual([{ name: "x", type: 1 }]);
    const session = await InferenceSession.create(converted.model);
    const x = [1, 2, 3, 4, 9, 1, 0, 0, -1];
    const result = await session.run({ x: new Tensor("float32", Float32Array.from(x), [3, 3]) });
    expect(Array.from(result.column!.data as Float32Array)).toEqual([1 - 2 + 6, 4 - 9 + 2, 0 - 0 - 2]);
    expect(Array.from(result.where!.data as BigInt64Array)).toEqual([0n]);
    await session.release();
  });

  it("refuses an op it does not know, naming it", () => {
    const nodes: TfNode[] = [
      { name: "x", op: "Placeholder", attr: { dtype: float } },
      { name: "y", op: "Erf", input: ["x"] },
    ];
    expect(() => convertTfGraphToOnnx({ nodes, weights: new Map(), outputs: ["y"] })).toThrow(UnsupportedTfGraphError);
    expect(() => convertTfGraphToOnnx({ nodes, weights: new Map(), outputs: ["y"] })).toThrow(/TF op Erf/);
  });

  it("refuses a convolution that is not a per-position dense layer", () => {
    const nodes: TfNode[] = [
      { name: "x", op: "Placeholder", attr: { dtype: float } },
      constNode("kernel", float),
      { name: "conv", op: "Conv2D", input: ["x", "kernel"], attr: { strides: { list: { i: ["1", "1", "1", "1"] } } } },
    ];
    const kernel = floats("kernel", new Array(3 * 3 * 2 * 2).fill(0.1), [3, 3, 2, 2]);
    expect(() => convertTfGraphToOnnx({ nodes, weights: weights(kernel), outputs: ["conv"] })).toThrow(/only 1x1/);
  });
});
