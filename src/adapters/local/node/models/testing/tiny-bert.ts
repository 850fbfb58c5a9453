/**
 * Test fixture: writes a tiny BERT-shaped embedding model that transformers.js
 * loads exactly like a hub export (`config.json`, `tokenizer.json`,
 * `tokenizer_config.json`, `onnx/model.onnx`), with no Python and no network.
 *
 * The ONNX graph is one encoder layer with seeded random weights:
 * word + token-type + position embeddings → LayerNorm → single-head
 * self-attention masked by `attention_mask` → residual + LayerNorm → tanh
 * feed-forward → residual + LayerNorm → `last_hidden_state`. It takes the
 * same inputs as a real BERT export (`input_ids`, `attention_mask`,
 * `token_type_ids`, int64 `[batch, sequence]`), so the `feature-extraction`
 * pipeline, padding, truncation and CLS/mean pooling all run for real. The
 * vectors mean nothing; they are deterministic for a given seed.
 *
 * With `architecture: "BertForSequenceClassification"` the graph instead ends
 * in BERT's classification head — pooler (dense + tanh on the [CLS] state) →
 * linear layer to `num_labels` (1) — and outputs `logits` `[batch, 1]`, like
 * an exported cross-encoder (see `tiny-cross-encoder.ts`).
 *
 * The ONNX file is protobuf; a minimal encoder for the few ONNX messages used
 * (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, ...) is
 * written out below, field numbers from onnx/onnx.proto.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { seededRandom } from "../../../../../core/seeded-random.js";

export interface TinyBertOptions {
  /** Directory the model folder is created in (e.g. a temp `modelsDir`). */
  dir: string;
  /** Folder name under `dir`; may contain one `/` like a hub id. Default `tiny-bert`. */
  name?: string;
  /** Weight seed; the same seed gives the same weights. Default 1. */
  seed?: number;
  /** Hidden size. Default 16. */
  hiddenSize?: number;
  /** Write a sentence-transformers `1_Pooling/config.json` declaring this pooling. */
  sentenceTransformersPooling?: "cls" | "mean";
  /**
   * "BertModel" (default): outputs `last_hidden_state`, for feature extraction.
   * "BertForSequenceClassification": a single-label classification head on top,
   * outputs `logits` `[batch, 1]` (a cross-encoder / reranker shape).
   */
  architecture?: TinyBertArchitecture;
}

export type TinyBertArchitecture = "BertModel" | "BertForSequenceClassification";

export interface TinyBert {
  /** Absolute path of the model folder. */
  path: string;
  /** `name` as given (the path relative to `dir`). */
  name: string;
  hiddenSize: number;
  vocabSize: number;
  maxPositions: number;
  architecture: TinyBertArchitecture;
}

const specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] as const;
const letters = "abcdefghijklmnopqrstuvwxyz".split("");
const digits = "0123456789".split("");
const punctuation = [".", ",", "!", "?", "'", "-", ":", ";", "(", ")"];
const words = [
  "the", "cat", "dog", "sat", "on", "mat", "quick", "brown", "fox", "jumps",
  "over", "lazy", "edge", "search", "vector", "query", "cloud", "worker", "rag", "is",
];

/** ~100 tokens: any lowercase ASCII text tokenises without `[UNK]` (letters and `##` continuations). */
export function tinyBertVocabulary(): string[] {
  return [
    ...specialTokens,
    ...punctuation,
    ...digits,
    ...letters,
    ...letters.map((l) => `##${l}`),
    ...digits.map((d) => `##${d}`),
    ...words,
  ];
}

/** Writes the model folder and returns where it is. */
export async function writeTinyBert(options: TinyBertOptions): Promise<TinyBert> {
  const name = options.name ?? "tiny-bert";
  const hiddenSize = options.hiddenSize ?? 16;
  const seed = options.seed ?? 1;
  const vocab = tinyBertVocabulary();
  const maxPositions = 128;
  const intermediateSize = hiddenSize * 2;
  const architecture = options.architecture ?? "BertModel";
  const classifier = architecture === "BertForSequenceClassification";
  const path = join(options.dir, ...name.split("/"));

  await mkdir(join(path, "onnx"), { recursive: true });
  const config = {
    architectures: [architecture],
    model_type: "bert",
    hidden_size: hiddenSize,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    intermediate_size: intermediateSize,
    hidden_act: "tanh",
    max_position_embeddings: maxPositions,
    type_vocab_size: 2,
    vocab_size: vocab.length,
    pad_token_id: 0,
    layer_norm_eps: 1e-12,
    ...(classifier ? { num_labels: 1, id2label: { "0": "LABEL_0" }, label2id: { LABEL_0: 0 } } : {}),
  };
  await writeFile(join(path, "config.json"), JSON.stringify(config, null, 2));
  await writeFile(join(path, "tokenizer.json"), JSON.stringify(wordPieceTokenizer(vocab), null, 2));
  await writeFile(
    join(path, "tokenizer_config.json"),
    JSON.stringify(
      {
        tokenizer_class: "BertTokenizer",
        do_lower_case: true,
        model_max_length: maxPositions,
        cls_token: "[CLS]",
        sep_token: "[SEP]",
        pad_token: "[PAD]",
        unk_token: "[UNK]",
        mask_token: "[MASK]",
      },
      null,
      2,
    ),
  );
  if (options.sentenceTransformersPooling) {
    const cls = options.sentenceTransformersPooling === "cls";
    await mkdir(join(path, "1_Pooling"), { recursive: true });
    await writeFile(
      join(path, "1_Pooling", "config.json"),
      JSON.stringify({
        word_embedding_dimension: hiddenSize,
        pooling_mode_cls_token: cls,
        pooling_mode_mean_tokens: !cls,
        pooling_mode_max_tokens: false,
        pooling_mode_mean_sqrt_len_tokens: false,
      }),
    );
  }
  const onnx = encodeTinyBertOnnx({
    vocabSize: vocab.length,
    hiddenSize,
    intermediateSize,
    maxPositions,
    random: seededRandom(seed),
    classificationHead: classifier,
  });
  await writeFile(join(path, "onnx", "model.onnx"), onnx);
  return { path, name, hiddenSize, vocabSize: vocab.length, maxPositions, architecture };
}

/** A Hugging Face `tokenizers` WordPiece tokenizer.json, as `BertTokenizerFast` saves it. */
function wordPieceTokenizer(vocab: string[]) {
  const ids = Object.fromEntries(vocab.map((token, id) => [token, id]));
  const special = (token: string) => ({ id: token, type_id: 0 });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content) => ({
      id: ids[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: special("[CLS]") }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: special("[SEP]") }],
      pair: [
        { SpecialToken: special("[CLS]") },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: special("[SEP]") },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [ids["[CLS]"]], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [ids["[SEP]"]], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

// ---------------------------------------------------------------------------
// The ONNX graph

interface GraphSpec {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  maxPositions: number;
  random: () => number;
  /** End in BERT's sequence-classification head (`logits` [batch, 1]) instead of `last_hidden_state`. */
  classificationHead: boolean;
}

function encodeTinyBertOnnx(spec: GraphSpec): Uint8Array {
  const { vocabSize: v, hiddenSize: h, intermediateSize: m, maxPositions: p, random, classificationHead } = spec;
  const gaussian = (scale: number) => () => {
    // Box-Muller on the seeded uniform source.
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random()) * scale;
  };
  const filled = (n: number, value: () => number) => Array.from({ length: n }, value);
  const matrixScale = 1 / Math.sqrt(h);

  const initializers = [
    floatTensor("word_embeddings", [v, h], filled(v * h, gaussian(1))),
    floatTensor("position_embeddings", [p, h], filled(p * h, gaussian(0.3))),
    floatTensor("token_type_embeddings", [2, h], filled(2 * h, gaussian(0.3))),
    ...layerNormWeights("embeddings_ln", h),
    floatTensor("wq", [h, h], filled(h * h, gaussian(matrixScale * 2))),
    floatTensor("wk", [h, h], filled(h * h, gaussian(matrixScale * 2))),
    floatTensor("wv", [h, h], filled(h * h, gaussian(matrixScale))),
    floatTensor("wo", [h, h], filled(h * h, gaussian(matrixScale))),
    ...layerNormWeights("attention_ln", h),
    floatTensor("w1", [h, m], filled(h * m, gaussian(matrixScale))),
    floatTensor("b1", [m], filled(m, gaussian(0.1))),
    floatTensor("w2", [m, h], filled(m * h, gaussian(1 / Math.sqrt(m)))),
    floatTensor("b2", [h], filled(h, gaussian(0.1))),
    ...layerNormWeights("output_ln", h),
    int64Tensor("one_i64", [], [1n]),
    int64Tensor("axis_1", [], [1n]),
    int64Tensor("axes_1", [1], [1n]),
    floatTensor("one_f", [], [1]),
    floatTensor("mask_scale", [], [10000]),
    floatTensor("score_scale", [], [1 / Math.sqrt(h)]),
  ];

  const nodes = [
    // Embeddings. Position ids = cumsum(attention_mask) - 1 (valid indices for right and left padding).
    node("Gather", ["word_embeddings", "input_ids"], ["word_emb"]),
    node("Gather", ["token_type_embeddings", "token_type_ids"], ["type_emb"]),
    node("CumSum", ["attention_mask", "axis_1"], ["mask_cumsum"]),
    node("Sub", ["mask_cumsum", "one_i64"], ["position_ids"]),
    node("Gather", ["position_embeddings", "position_ids"], ["pos_emb"]),
    node("Add", ["word_emb", "type_emb"], ["emb_sum_1"]),
    node("Add", ["emb_sum_1", "pos_emb"], ["emb_sum"]),
    layerNorm("emb_sum", "embeddings_ln", "x0"),
    // Single-head self-attention; padded keys get -10000 before the softmax.
    node("MatMul", ["x0", "wq"], ["q"]),
    node("MatMul", ["x0", "wk"], ["k"]),
    node("MatMul", ["x0", "wv"], ["v"]),
    node("Transpose", ["k"], ["k_t"], [intsAttribute("perm", [0, 2, 1])]),
    node("MatMul", ["q", "k_t"], ["scores_raw"]),
    node("Mul", ["scores_raw", "score_scale"], ["scores_scaled"]),
    node("Cast", ["attention_mask"], ["mask_f"], [intAttribute("to", onnxFloat)]),
    node("Sub", ["mask_f", "one_f"], ["mask_neg"]),
    node("Mul", ["mask_neg", "mask_scale"], ["mask_bias_2d"]),
    node("Unsqueeze", ["mask_bias_2d", "axes_1"], ["mask_bias"]),
    node("Add", ["scores_scaled", "mask_bias"], ["scores"]),
    node("Softmax", ["scores"], ["probs"], [intAttribute("axis", -1)]),
    node("MatMul", ["probs", "v"], ["context"]),
    node("MatMul", ["context", "wo"], ["attention_out"]),
    node("Add", ["x0", "attention_out"], ["residual_1"]),
    layerNorm("residual_1", "attention_ln", "x1"),
    // Feed-forward.
    node("MatMul", ["x1", "w1"], ["ff_1"]),
    node("Add", ["ff_1", "b1"], ["ff_2"]),
    node("Tanh", ["ff_2"], ["ff_3"]),
    node("MatMul", ["ff_3", "w2"], ["ff_4"]),
    node("Add", ["ff_4", "b2"], ["ff_5"]),
    node("Add", ["x1", "ff_5"], ["residual_2"]),
    layerNorm("residual_2", "output_ln", "last_hidden_state"),
  ];

  if (classificationHead) {
    // Drawn after the encoder weights, so a seed gives the same encoder with or without the head.
    initializers.push(
      floatTensor("pooler_w", [h, h], filled(h * h, gaussian(matrixScale))),
      floatTensor("pooler_b", [h], filled(h, gaussian(0.1))),
      floatTensor("classifier_w", [h, 1], filled(h, gaussian(1))),
      floatTensor("classifier_b", [1], filled(1, gaussian(0.1))),
      int64Tensor("zero_i64", [], [0n]),
    );
    nodes.push(
      // BertPooler: dense + tanh on the first ([CLS]) token; then BertForSequenceClassification's linear layer.
      node("Gather", ["last_hidden_state", "zero_i64"], ["cls_state"], [intAttribute("axis", 1)]),
      node("MatMul", ["cls_state", "pooler_w"], ["pooler_1"]),
      node("Add", ["pooler_1", "pooler_b"], ["pooler_2"]),
      node("Tanh", ["pooler_2"], ["pooled"]),
      node("MatMul", ["pooled", "classifier_w"], ["classifier_1"]),
      node("Add", ["classifier_1", "classifier_b"], ["logits"]),
    );
  }

  const tokens = [dimParam("batch_size"), dimParam("sequence_length")];
  const output = classificationHead
    ? valueInfo("logits", onnxFloat, [dimParam("batch_size"), dimValue(1)])
    : valueInfo("last_hidden_state", onnxFloat, [...tokens, dimValue(h)]);
  const graph = message(
    ...nodes.map((n) => messageField(1, n)),
    stringField(2, "tiny_bert"),
    ...initializers.map((t) => messageField(5, t)),
    messageField(11, valueInfo("input_ids", onnxInt64, tokens)),
    messageField(11, valueInfo("attention_mask", onnxInt64, tokens)),
    messageField(11, valueInfo("token_type_ids", onnxInt64, tokens)),
    messageField(12, output),
  );
  return message(
    varintField(1, 8), // ir_version
    stringField(2, "edge-rag tiny-bert fixture"), // producer_name
    messageField(7, graph),
    messageField(8, message(stringField(1, ""), varintField(2, 17))), // opset_import: ai.onnx 17
  );
}

function layerNormWeights(prefix: string, h: number): Uint8Array[] {
  return [floatTensor(`${prefix}_scale`, [h], Array(h).fill(1)), floatTensor(`${prefix}_bias`, [h], Array(h).fill(0))];
}

function layerNorm(input: string, prefix: string, output: string): Uint8Array {
  return node(
    "LayerNormalization",
    [input, `${prefix}_scale`, `${prefix}_bias`],
    [output],
    [intAttribute("axis", -1), floatAttribute("epsilon", 1e-12)],
  );
}

// ---------------------------------------------------------------------------
// Minimal protobuf encoding of the ONNX messages used above.

const onnxFloat = 1; // TensorProto.DataType.FLOAT
const onnxInt64 = 7; // TensorProto.DataType.INT64

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5. */
function node(opType: string, inputs: string[], outputs: string[], attributes: Uint8Array[] = []): Uint8Array {
  return message(
    ...inputs.map((name) => stringField(1, name)),
    ...outputs.map((name) => stringField(2, name)),
    stringField(3, `${opType}_${outputs[0]}`),
    stringField(4, opType),
    ...attributes.map((a) => messageField(5, a)),
  );
}

/** AttributeProto: name=1, f=2, i=3, ints=8, type=20 (FLOAT=1, INT=2, INTS=7). */
function intAttribute(name: string, value: number): Uint8Array {
  return message(stringField(1, name), varintField(3, value), varintField(20, 2));
}
function floatAttribute(name: string, value: number): Uint8Array {
  return message(stringField(1, name), float32Field(2, value), varintField(20, 1));
}
function intsAttribute(name: string, values: number[]): Uint8Array {
  return message(stringField(1, name), ...values.map((v) => varintField(8, v)), varintField(20, 7));
}

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian). */
function floatTensor(name: string, dims: number[], values: number[]): Uint8Array {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return tensor(name, dims, onnxFloat, raw);
}
function int64Tensor(name: string, dims: number[], values: bigint[]): Uint8Array {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((value, i) => view.setBigInt64(i * 8, value, true));
  return tensor(name, dims, onnxInt64, raw);
}
function tensor(name: string, dims: number[], dataType: number, raw: Uint8Array): Uint8Array {
  return message(...dims.map((d) => varintField(1, d)), varintField(2, dataType), stringField(8, name), bytesField(9, raw));
}

/** ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1: {elem_type=1, shape=2: {dim=1}}}}. */
function valueInfo(name: string, elemType: number, dims: Uint8Array[]): Uint8Array {
  const shape = message(...dims.map((d) => messageField(1, d)));
  const tensorType = message(varintField(1, elemType), messageField(2, shape));
  return message(stringField(1, name), messageField(2, message(messageField(1, tensorType))));
}
/** TensorShapeProto.Dimension: dim_value=1, dim_param=2. */
function dimValue(value: number): Uint8Array {
  return message(varintField(1, value));
}
function dimParam(name: string): Uint8Array {
  return message(stringField(2, name));
}

function message(...fields: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, f) => n + f.length, 0));
  let offset = 0;
  for (const field of fields) {
    out.set(field, offset);
    offset += field.length;
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

const wireVarint = 0;
const wireLengthDelimited = 2;
const wireFixed32 = 5;
const tag = (field: number, wireType: number) => varint((field << 3) | wireType);

function varintField(field: number, value: number | bigint): Uint8Array {
  return message(tag(field, wireVarint), varint(value));
}
function float32Field(field: number, value: number): Uint8Array {
  const raw = new Uint8Array(4);
  new DataView(raw.buffer).setFloat32(0, value, true);
  return message(tag(field, wireFixed32), raw);
}
function bytesField(field: number, bytes: Uint8Array): Uint8Array {
  return message(tag(field, wireLengthDelimited), varint(bytes.length), bytes);
}
function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, new TextEncoder().encode(text));
}
function messageField(field: number, body: Uint8Array): Uint8Array {
  return bytesField(field, body);
}

