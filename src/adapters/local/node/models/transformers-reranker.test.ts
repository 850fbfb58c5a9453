/**
 * transformers.js cross-encoders, end to end on generated tiny models (no hub,
 * no Python): scores checked against the ONNX model run directly on
 * hand-built token ids, segment ids, padding, truncation, registry ids, the
 * missing-model errors, and the reranker side of `POST /ai/run`.
 *
 * The tiny model has random weights: these tests prove the plumbing, not
 * ranking quality (which needs real weights; see transformers-reranker.ts).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalServices } from "../local-services.js";
import { createModelRegistry, UnknownModelError, type ModelRegistryOptions } from "./model-registry.js";
import { tinyBertVocabulary, writeTinyBert, type TinyBert } from "./testing/tiny-bert.js";
import { writeTinyCrossEncoder } from "./testing/tiny-cross-encoder.js";
import { createTransformersReranker, padAndTruncate } from "./transformers-reranker.js";

let root: string;
let modelsDir: string;
let cacheDir: string;
let cross: TinyBert; // the reranker under test
let otherSeed: TinyBert;
let bgeReranker: TinyBert; // stands in for Xenova/bge-reranker-base (random weights)
let options: ModelRegistryOptions;

const passages = ["the dog sat on the mat", "over the lazy fox", "cat", "edge search on a cloud worker", "the quick brown fox jumps"];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "edge-rag-reranker-"));
  modelsDir = join(root, "models");
  cacheDir = join(root, "cache");
  [cross, otherSeed, bgeReranker] = await Promise.all([
    writeTinyCrossEncoder({ dir: modelsDir, name: "test/tiny-cross", seed: 11 }),
    writeTinyCrossEncoder({ dir: modelsDir, name: "test/tiny-cross-other", seed: 12 }),
    writeTinyCrossEncoder({ dir: modelsDir, name: "Xenova/bge-reranker-base", seed: 13 }),
  ]);
  options = { modelsDir, transformersCacheDir: cacheDir, allowRemoteModels: false };
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const id = (model: TinyBert) => `@local/transformers-reranker/${model.name}`;

// ---------------------------------------------------------------------------
// The reference: the ONNX file run by ONNX Runtime on token ids built by hand.

const vocabulary = tinyBertVocabulary();
function tokenId(token: string): number {
  const index = vocabulary.indexOf(token);
  if (index < 0) throw new Error(`"${token}" is not a whole token of the tiny vocabulary`);
  return index;
}
const [cls, sep] = [tokenId("[CLS]"), tokenId("[SEP]")];

/** `[CLS] query [SEP] passage [SEP]`, segment 0 then 1, for texts made of whole vocabulary words. */
function pairTokens(query: string[], passage: string[]): { ids: number[]; types: number[] } {
  const first = [cls, ...query.map(tokenId), sep];
  const second = [...passage.map(tokenId), sep];
  return { ids: [...first, ...second], types: [...first.map(() => 0), ...second.map(() => 1)] };
}

const sessions = new Map<string, Promise<InferenceSession>>();
async function onnxLogit(model: TinyBert, tokens: { ids: number[]; types: number[] }): Promise<number> {
  const file = join(model.path, "onnx", "model.onnx");
  if (!sessions.has(file)) sessions.set(file, InferenceSession.create(file));
  const session = await sessions.get(file)!;
  const tensor = (values: number[]) => new OrtTensor("int64", BigInt64Array.from(values, BigInt), [1, values.length]);
  const output = await session.run({
    input_ids: tensor(tokens.ids),
    attention_mask: tensor(tokens.ids.map(() => 1)),
    token_type_ids: tensor(tokens.types),
  });
  const logits = output.logits!;
  expect(logits.dims).toEqual([1, 1]);
  return Number(logits.data[0]);
}

const words = (text: string) => text.split(" ");

// ---------------------------------------------------------------------------

describe("@local/transformers-reranker/<path>", () => {
  it("scores each pair exactly as the ONNX model scores [CLS] query [SEP] passage [SEP] with segment ids 0 / 1", async () => {
    const scores = await createModelRegistry(options).resolveReranker(id(cross)).rerank("the cat", passages);
    expect(scores).toHaveLength(passages.length);
    for (const [i, passage] of passages.entries()) {
      const tokens = pairTokens(["the", "cat"], words(passage));
      expect(scores[i]).toBeCloseTo(await onnxLogit(cross, tokens), 5);
      // The segment ids matter to this model, so the check above would catch a reranker that dropped them.
      const withoutSegments = await onnxLogit(cross, { ids: tokens.ids, types: tokens.ids.map(() => 0) });
      expect(Math.abs(scores[i]! - withoutSegments)).toBeGreaterThan(1e-3);
    }
  });

  it("gives different passages different scores, and different weights different scores", async () => {
    const registry = createModelRegistry(options);
    const scores = await registry.resolveReranker(id(cross)).rerank("the cat", passages);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(new Set(scores.map((score) => score.toFixed(4))).size).toBe(passages.length);
    const other = await registry.resolveReranker(id(otherSeed)).rerank("the cat", passages);
    expect(Math.max(...other.map((score, i) => Math.abs(score - scores[i]!)))).toBeGreaterThan(1e-3);
  });

  it("is deterministic across calls and registries", async () => {
    const first = await createModelRegistry(options).resolveReranker(id(cross)).rerank("quick fox", passages);
    const model = createModelRegistry(options).resolveReranker(id(cross));
    expect(await model.rerank("quick fox", passages)).toEqual(first);
    expect(await model.rerank("quick fox", passages)).toEqual(first);
  });

  it("scores a pair the same alone as in a padded batch, across several passes, in order", async () => {
    const model = createModelRegistry(options).resolveReranker(id(cross));
    const many = Array.from({ length: 19 }, (_, i) => `${passages[i % passages.length]} ${"cat ".repeat(i)}`.trim());
    const batched = await model.rerank("lazy dog", many);
    expect(batched).toHaveLength(many.length);
    for (const [i, passage] of many.entries()) {
      const [alone] = await model.rerank("lazy dog", [passage]);
      expect(batched[i]).toBeCloseTo(alone!, 5);
    }
  });

  it("depends on which text is the query and which the passage", async () => {
    const model = createModelRegistry(options).resolveReranker(id(cross));
    const [forward] = await model.rerank("the cat sat", ["the lazy dog"]);
    const [backward] = await model.rerank("the lazy dog", ["the cat sat"]);
    expect(Math.abs(forward! - backward!)).toBeGreaterThan(1e-3);
    expect(backward).toBeCloseTo(await onnxLogit(cross, pairTokens(words("the lazy dog"), words("the cat sat"))), 5);
  });

  it("cuts a long passage to the model's maximum length, keeping the closing [SEP]", async () => {
    const model = createModelRegistry(options).resolveReranker(id(cross));
    const long = "cat ".repeat(300).trim();
    const [score] = await model.rerank("the dog", [long, "cat"]);
    // 128 tokens: [CLS] the dog [SEP] + 123 × cat + [SEP].
    const kept = 128 - 5;
    const expected = pairTokens(["the", "dog"], Array<string>(kept).fill("cat"));
    expect(expected.ids).toHaveLength(cross.maxPositions);
    expect(score).toBeCloseTo(await onnxLogit(cross, expected), 5);
    // Plain right truncation (dropping the [SEP]) would score differently.
    const plain = pairTokens(["the", "dog"], Array<string>(kept + 1).fill("cat"));
    const cutPlain = { ids: plain.ids.slice(0, 128), types: plain.types.slice(0, 128) };
    expect(Math.abs(score! - (await onnxLogit(cross, cutPlain)))).toBeGreaterThan(1e-4);
  });

  it("returns [] for no passages", async () => {
    expect(await createModelRegistry(options).resolveReranker(id(cross)).rerank("cat", [])).toEqual([]);
  });

  it("refuses a model without a classification head", async () => {
    const dir = join(root, "feature-only");
    const plain = await writeTinyBert({ dir, name: "org/plain-bert" });
    const model = createModelRegistry({ ...options, modelsDir: dir }).resolveReranker(id(plain));
    await expect(model.rerank("cat", ["dog"])).rejects.toThrow(/no "logits" output/);
  });

  it("refuses a classifier with more than one label", async () => {
    const dir = join(root, "two-labels");
    const model = await writeTinyCrossEncoder({ dir, name: "org/two-labels" });
    const configFile = join(model.path, "config.json");
    const config = JSON.parse(await readFile(configFile, "utf8")) as Record<string, unknown>;
    delete config.num_labels;
    config.id2label = { "0": "irrelevant", "1": "relevant" };
    await writeFile(configFile, JSON.stringify(config));
    const reranker = createModelRegistry({ ...options, modelsDir: dir }).resolveReranker(id(model));
    await expect(reranker.rerank("cat", ["dog"])).rejects.toThrow(/declares 2 labels; a reranker must be a single-label cross-encoder/);
  });

  it("loads from an explicit directory with createTransformersReranker", async () => {
    const direct = createTransformersReranker({ id: "direct", modelPath: cross.path, cacheDir });
    const viaRegistry = createModelRegistry(options).resolveReranker(id(cross));
    expect(await direct.rerank("the cat", passages)).toEqual(await viaRegistry.rerank("the cat", passages));
  });
});

describe("padAndTruncate", () => {
  const encoded = { input_ids: [[2, 7, 3, 8, 9, 3], [2, 7, 3]], attention_mask: [[1, 1, 1, 1, 1, 1], [1, 1, 1]] };
  const special = new Set([2, 3]);

  it("pads to the longest row on the tokenizer's side", () => {
    expect(padAndTruncate(encoded, { maxLength: 10, padTokenId: 0, paddingSide: "right", specialIds: special })).toEqual({
      input_ids: [[2, 7, 3, 8, 9, 3], [2, 7, 3, 0, 0, 0]],
      attention_mask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]],
    });
    expect(padAndTruncate(encoded, { maxLength: 10, padTokenId: 5, paddingSide: "left", specialIds: special }).input_ids).toEqual([
      [2, 7, 3, 8, 9, 3],
      [5, 5, 5, 2, 7, 3],
    ]);
  });

  it("keeps a closing special token when cutting, and cuts plainly otherwise", () => {
    expect(padAndTruncate(encoded, { maxLength: 4, padTokenId: 0, paddingSide: "right", specialIds: special }).input_ids).toEqual([
      [2, 7, 3, 3],
      [2, 7, 3, 0],
    ]);
    const noClosingSpecial = { input_ids: [[2, 7, 3, 8, 9]] };
    expect(padAndTruncate(noClosingSpecial, { maxLength: 4, padTokenId: 0, paddingSide: "right", specialIds: special }).input_ids).toEqual([
      [2, 7, 3, 8],
    ]);
  });
});

describe("reranker ids", () => {
  it("serve @cf/baai/bge-reranker-base from models/Xenova/bge-reranker-base", async () => {
    const registry = createModelRegistry(options);
    const model = registry.resolveReranker("@cf/baai/bge-reranker-base");
    expect(model.id).toBe("@cf/baai/bge-reranker-base");
    const scores = await model.rerank("the cat", passages);
    expect(scores).toEqual(await registry.resolveReranker(id(bgeReranker)).rerank("the cat", passages));
    expect(scores[0]).toBeCloseTo(await onnxLogit(bgeReranker, pairTokens(["the", "cat"], words(passages[0]!))), 5);
  });

  it("name the folder and files to provide when the Workers AI reranker is not downloaded", () => {
    let error: unknown;
    try {
      createModelRegistry({ ...options, modelsDir: join(root, "empty") }).resolveReranker("@cf/baai/bge-reranker-base");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownModelError);
    const message = (error as Error).message;
    expect(message).toContain("the ONNX export of Xenova/bge-reranker-base");
    expect(message).toContain(join(root, "empty", "Xenova", "bge-reranker-base"));
    for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) expect(message).toContain(file);
    expect(message).toContain("LOCAL_ALLOW_REMOTE_MODELS=1");
  });

  it("fail rerank with UnknownModelError when the files vanish before the first load", async () => {
    const dir = join(root, "vanishing");
    const vanishing = await writeTinyCrossEncoder({ dir, name: "org/vanishing" });
    const model = createModelRegistry({ ...options, modelsDir: dir }).resolveReranker(id(vanishing));
    await rm(join(vanishing.path, "onnx"), { recursive: true });
    const failure = model.rerank("cat", ["dog"]);
    await expect(failure).rejects.toBeInstanceOf(UnknownModelError);
    await expect(failure).rejects.toThrow(/missing: onnx\/model\.onnx\)/);
  });

  it("are resolved once per registry", () => {
    const registry = createModelRegistry(options);
    expect(registry.resolveReranker(id(cross))).toBe(registry.resolveReranker(id(cross)));
  });

  it("reject unknown ids and paths that leave the models directory", () => {
    const registry = createModelRegistry(options);
    expect(() => registry.resolveReranker("@cf/baai/bge-reranker-v2-m3")).toThrow(/reranker "@cf\/baai\/bge-reranker-v2-m3" is not available in local mode; available: @cf\/baai\/bge-reranker-base/);
    expect(() => registry.resolveReranker("@local/transformers-reranker/../outside")).toThrow(UnknownModelError);
    expect(() => registry.resolveReranker("@local/transformers-reranker/")).toThrow(UnknownModelError);
    expect(() => registry.resolveReranker("@local/transformers-reranker/a//b")).toThrow(UnknownModelError);
  });

  it("are kept apart from embedding ids, with a hint in both directions", () => {
    const registry = createModelRegistry(options);
    expect(() => registry.resolveReranker("@cf/baai/bge-small-en-v1.5")).toThrow(/is an embedding model, not a reranker/);
    expect(() => registry.resolveReranker("@local/transformers/test/tiny-cross")).toThrow(/is an embedding model, not a reranker/);
    expect(() => registry.resolve("@cf/baai/bge-reranker-base")).toThrow(/is a reranker: send \{query, contexts\}/);
    expect(() => registry.resolve(id(cross))).toThrow(/is a reranker/);
  });
});

describe("POST /ai/run with {query, contexts} through the local services", () => {
  const post = (body: unknown) =>
    new Request("http://local-services/ai/run", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  async function withServices(run: (services: ReturnType<typeof createLocalServices>) => Promise<void>) {
    const services = createLocalServices({ dataDir: join(root, "data"), ...options });
    try {
      await run(services);
    } finally {
      await services.close();
    }
  }

  const contexts = passages.map((text) => ({ text }));

  it("answers like Workers AI: {response: [{id, score}]}, every context once, best first", async () => {
    await withServices(async (services) => {
      const response = await services.fetch(post({ model: id(cross), inputs: { query: "the cat", contexts } }));
      expect(response.status).toBe(200);
      const body = (await response.json()) as { response: { id: number; score: number }[] };
      expect(Object.keys(body)).toEqual(["response"]);
      expect(body.response.map((item) => item.id).sort()).toEqual([0, 1, 2, 3, 4]);
      const scores = body.response.map((item) => item.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      const expected = await createModelRegistry(options).resolveReranker(id(cross)).rerank("the cat", passages);
      for (const item of body.response) expect(item.score).toBeCloseTo(expected[item.id]!, 6);
    });
  });

  it("keeps only the best top_k", async () => {
    await withServices(async (services) => {
      const all = (await (await services.fetch(post({ model: id(cross), inputs: { query: "fox", contexts } }))).json()) as {
        response: unknown[];
      };
      const top = (await (await services.fetch(post({ model: id(cross), inputs: { query: "fox", contexts, top_k: 2 } }))).json()) as {
        response: unknown[];
      };
      expect(top.response).toEqual(all.response.slice(0, 2));
      const more = (await (await services.fetch(post({ model: id(cross), inputs: { query: "fox", contexts, top_k: 50 } }))).json()) as {
        response: unknown[];
      };
      expect(more.response).toEqual(all.response);
    });
  });

  it("answers an empty context list with an empty response", async () => {
    await withServices(async (services) => {
      const response = await services.fetch(post({ model: id(cross), inputs: { query: "fox", contexts: [] } }));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ response: [] });
    });
  });

  const badInputs: [string, Record<string, unknown>, RegExp][] = [
    ["no query", { contexts }, /inputs\.query must be a non-empty string/],
    ["an empty query", { query: "", contexts }, /inputs\.query must be a non-empty string/],
    ["a query that is not a string", { query: 5, contexts }, /inputs\.query/],
    ["no contexts", { query: "cat" }, /inputs\.contexts must be an array of \{text\} objects/],
    ["contexts that are not an array", { query: "cat", contexts: "cat" }, /inputs\.contexts/],
    ["plain strings as contexts", { query: "cat", contexts: ["cat"] }, /inputs\.contexts/],
    ["a context without text", { query: "cat", contexts: [{ text: "cat" }, {}] }, /inputs\.contexts/],
    ["a context with empty text", { query: "cat", contexts: [{ text: "" }] }, /non-empty text/],
    ["a null context", { query: "cat", contexts: [null] }, /inputs\.contexts/],
    ["top_k 0", { query: "cat", contexts, top_k: 0 }, /inputs\.top_k must be an integer of at least 1/],
    ["a fractional top_k", { query: "cat", contexts, top_k: 1.5 }, /inputs\.top_k/],
    ["top_k as a string", { query: "cat", contexts, top_k: "2" }, /inputs\.top_k/],
  ];
  for (const [name, inputs, message] of badInputs) {
    it(`answers 400 BAD_REQUEST for ${name}`, async () => {
      await withServices(async (services) => {
        const response = await services.fetch(post({ model: id(cross), inputs }));
        expect(response.status).toBe(400);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("BAD_REQUEST");
        expect(body.error.message).toMatch(message);
      });
    });
  }

  it("answers 400 UNKNOWN_MODEL for unknown or missing rerankers and for embedding models", async () => {
    await withServices(async (services) => {
      const cases: [string, RegExp][] = [
        ["@local/transformers-reranker/org/nothing-here", /is not available locally: put an ONNX model export|the ONNX export of org\/nothing-here/],
        ["@cf/baai/bge-reranker-v2-m3", /is not available in local mode/],
        ["@local/universal-sentence-encoder", /is an embedding model, not a reranker/],
      ];
      for (const [model, message] of cases) {
        const response = await services.fetch(post({ model, inputs: { query: "cat", contexts } }));
        expect(response.status).toBe(400);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("UNKNOWN_MODEL");
        expect(body.error.message).toMatch(message);
      }
    });
  });

  it("tells a caller who sends {text} to a reranker what to send", async () => {
    await withServices(async (services) => {
      const response = await services.fetch(post({ model: id(cross), inputs: { text: ["cat"] } }));
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("UNKNOWN_MODEL");
      expect(body.error.message).toMatch(/is a reranker: send \{query, contexts\}/);
    });
  });
});
