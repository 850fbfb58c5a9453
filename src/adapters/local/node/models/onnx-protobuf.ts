/**
 * A minimal writer for the ONNX protobuf messages a converted graph needs
 * (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto), field numbers from onnx/onnx.proto. It only writes; ONNX
 * Runtime reads the result. Used by `tf-graph-to-onnx.ts`.
 *
 * Promises: messages are plain byte arrays in protobuf wire format; tensors
 * carry their data as little-endian `raw_data`; int64 values keep their full
 * range (negative ones as 10-byte varints, as protobuf writes int64).
 */

/** TensorProto.DataType values used here. */
export const onnxType = { float: 1, int32: 6, int64: 7, bool: 9 } as const;
export type OnnxType = (typeof onnxType)[keyof typeof onnxType];

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5. */
export function onnxNode(opType: string, inputs: string[], outputs: string[], name: string, attributes: Uint8Array[] = []): Uint8Array {
  return concat(
    ...inputs.map((input) => stringField(1, input)),
    ...outputs.map((output) => stringField(2, output)),
    stringField(3, name),
    stringField(4, opType),
    ...attributes.map((attribute) => bytesField(5, attribute)),
  );
}

/** AttributeProto: name=1, i=3, s=4, t=5, ints=8, type=20 (INT=2, STRING=3, TENSOR=4, INTS=7). */
export function intAttribute(name: string, value: number): Uint8Array {
  return concat(stringField(1, name), varintField(3, value), varintField(20, 2));
}
export function intsAttribute(name: string, values: readonly number[]): Uint8Array {
  return concat(stringField(1, name), ...values.map((value) => varintField(8, value)), varintField(20, 7));
}
export function stringAttribute(name: string, value: string): Uint8Array {
  return concat(stringField(1, name), stringField(4, value), varintField(20, 3));
}
export function tensorAttribute(name: string, tensor: Uint8Array): Uint8Array {
  return concat(stringField(1, name), bytesField(5, tensor), varintField(20, 4));
}

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9. */
export function onnxTensor(name: string, dims: readonly number[], type: OnnxType, raw: Uint8Array): Uint8Array {
  return concat(...dims.map((dim) => varintField(1, dim)), varintField(2, type), stringField(8, name), bytesField(9, raw));
}

/** An int64 tensor from JS numbers (all integers within ±2^53). */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): Uint8Array {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
  return onnxTensor(name, dims, onnxType.int64, raw);
}

/** A float32 tensor from a Float32Array (copied as little-endian bytes). */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): Uint8Array {
  let raw: Uint8Array;
  if (littleEndian) {
    raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  } else {
    raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  }
  return onnxTensor(name, dims, onnxType.float, raw);
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1: {elem_type=1, shape=2: {dim=1}}}};
 * a dimension is a number (dim_value=1) or a symbolic name (dim_param=2); no
 * `dims` leaves the shape (and rank) unstated.
 */
export function valueInfo(name: string, type: OnnxType, dims?: ReadonlyArray<number | string>): Uint8Array {
  const shape = dims && concat(...dims.map((dim) => bytesField(1, typeof dim === "number" ? varintField(1, dim) : stringField(2, dim))));
  const tensorType = concat(varintField(1, type), ...(shape ? [bytesField(2, shape)] : []));
  return concat(stringField(1, name), bytesField(2, bytesField(1, tensorType)));
}

export interface OnnxGraph {
  name: string;
  nodes: Uint8Array[];
  initializers: Uint8Array[];
  inputs: Uint8Array[];
  outputs: Uint8Array[];
}

/**
 * ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8 (OperatorSetIdProto: domain=1, version=2).
 * GraphProto: node=1, name=2, initializer=5, input=11, output=12.
 */
export function onnxModel(graph: OnnxGraph, opset: number, producer: string): Uint8Array {
  const graphBytes = concat(
    ...graph.nodes.map((node) => bytesField(1, node)),
    stringField(2, graph.name),
    ...graph.initializers.map((tensor) => bytesField(5, tensor)),
    ...graph.inputs.map((input) => bytesField(11, input)),
    ...graph.outputs.map((output) => bytesField(12, output)),
  );
  const irVersion = 8; // ONNX 1.13+ (opset 17 needs IR >= 8)
  return concat(varintField(1, irVersion), stringField(2, producer), bytesField(7, graphBytes), bytesField(8, concat(stringField(1, ""), varintField(2, opset))));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Base-128 varint; negative numbers as 64-bit two's complement (10 bytes), as protobuf does for int64. */
function varint(value: number | bigint): Uint8Array {
  let rest = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return Uint8Array.from(bytes);
}

const tag = (field: number, wireType: 0 | 2) => varint((field << 3) | wireType);

function varintField(field: number, value: number | bigint): Uint8Array {
  return concat(tag(field, 0), varint(value));
}
function bytesField(field: number, bytes: Uint8Array): Uint8Array {
  return concat(tag(field, 2), varint(bytes.length), bytes);
}
function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, new TextEncoder().encode(text));
}
