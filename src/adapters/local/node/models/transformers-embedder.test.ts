/**
 * transformers.js embedding models, end to end on generated tiny BERT models
 * (no hub, no Python): registry ids, pooling, normalisation, batching, the
 * missing-model errors, and the `POST /ai/run` route of the local services.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalServices } from "../local-services.js";
import { createModelRegistry, UnknownModelError, type ModelRegistryOptions } from "./model-registry.js";
import { writeTinyBert, type TinyBert } from "./testing/tiny-bert.js";
import { createTransformersEmbedder } from "./transformers-embedder.js";

let root: string;
let modelsDir: string;
let cacheDir: string;
let mean: TinyBert; // no pooling config → mean pooling
let cls: TinyBert; // same weights, sentence-transformers config declaring CLS pooling
let other: TinyBert; // other seed
let bgeSmall: TinyBert; // stands in for Xenova/bge-small-en-v1.5 (384-d, random weights)
let options: ModelRegistryOptions;

const texts = ["the quick brown fox jumps over the lazy dog", "edge search on a cloud worker", "cat", "2024: rag!"];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "edge-rag-transformers-"));
  modelsDir = join(root, "models");
  cacheDir = join(root, "cache");
  [mean, cls, other, bgeSmall] = await Promise.all([
    writeTinyBert({ dir: modelsDir, name: "test/tiny-bert", seed: 7 }),
    writeTinyBert({ dir: modelsDir, name: "test/tiny-bert-cls", seed: 7, sentenceTransformersPooling: "cls" }),
    writeTinyBert({ dir: modelsDir, name: "test/tiny-bert-other", seed: 8 }),
    writeTinyBert({ dir: modelsDir, name: "Xenova/bge-small-en-v1.5", seed: 9, hiddenSize: 384 }),
  ]);
  options = { modelsDir, transformersCacheDir: cacheDir, allowRemoteModels: false };
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const id = (model: TinyBert) => `@local/transformers/${model.name}`;
const norm = (v: number[]) => Math.hypot(...v);
const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - (b[i] ?? Number.NaN))));

function expectClose(actual: number[][], expected: number[][], tolerance = 1e-5) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    expect(row.length).toBe(expected[i]!.length);
    expect(maxAbsDiff(row, expected[i]!)).toBeLessThan(tolerance);
  });
}

describe("@local/transformers/<path>", () => {
  it("returns one L2-normalised hidden-size vector per text", async () => {
    const model = createModelRegistry(options).resolve(id(mean));
    expect(model.id).toBe(id(mean));
    expect(model.dimensions).toBe(16); // read from config.json before loading
    const vectors = await model.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    for (const vector of vectors) {
      expect(vector).toHaveLength(16);
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
  });

  it("is deterministic across calls and across registries", async () => {
    const first = await createModelRegistry(options).resolve(id(mean)).embed(texts);
    const again = await createModelRegistry(options).resolve(id(mean)).embed(texts);
    expect(again).toEqual(first);
  });

  it("gives different texts different vectors, and different weights different vectors", async () => {
    const registry = createModelRegistry(options);
    const vectors = await registry.resolve(id(mean)).embed(texts);
    for (let i = 0; i < vectors.length; i++) {
      for (let j = i + 1; j < vectors.length; j++) expect(maxAbsDiff(vectors[i]!, vectors[j]!)).toBeGreaterThan(1e-3);
    }
    const otherVectors = await registry.resolve(id(other)).embed(texts);
    expect(maxAbsDiff(otherVectors[0]!, vectors[0]!)).toBeGreaterThan(1e-3);
  });

  it("embeds a text the same alone as in a padded batch, across several passes, in order", async () => {
    const model = createModelRegistry(options).resolve(id(cls));
    const many = Array.from({ length: 19 }, (_, i) => `${texts[i % texts.length]} ${"cat ".repeat(i)}`);
    const batched = await model.embed(many);
    const alone = await Promise.all(many.map(async (text) => (await model.embed([text]))[0]!));
    expectClose(batched, alone);
  });

  it("truncates texts longer than the model's maximum length instead of failing", async () => {
    const model = createModelRegistry(options).resolve(id(mean));
    const [vector] = await model.embed(["the cat sat on the mat ".repeat(200)]);
    expect(vector).toHaveLength(16);
    expect(norm(vector!)).toBeCloseTo(1, 5);
  });

  it("pools by mean without a pooling config and by CLS when 1_Pooling/config.json says so", async () => {
    const registry = createModelRegistry(options);
    const meanVectors = await registry.resolve(id(mean)).embed(texts);
    const clsVectors = await registry.resolve(id(cls)).embed(texts);
    // Same weights, different pooling.
    meanVectors.forEach((vector, i) => expect(maxAbsDiff(vector, clsVectors[i]!)).toBeGreaterThan(1e-3));

    // Check both against the raw token states of the same weights.
    const { pipeline } = await import("@huggingface/transformers");
    const raw = await pipeline("feature-extraction", mean.path, { local_files_only: true, dtype: "fp32" });
    for (const [i, text] of texts.entries()) {
      const tokens = ((await raw([text])).tolist() as number[][][])[0]!;
      const normalise = (v: number[]) => v.map((x) => x / norm(v));
      const meanOfTokens = tokens[0]!.map((_, d) => tokens.reduce((sum, token) => sum + token[d]!, 0) / tokens.length);
      expectClose([meanVectors[i]!], [normalise(meanOfTokens)]);
      expectClose([clsVectors[i]!], [normalise(tokens[0]!)]);
    }
  });

  it("honours explicit pooling and normalize options of createTransformersEmbedder", async () => {
    const common = { modelPath: mean.path, cacheDir, allowRemoteModels: false };
    const viaCls = await createTransformersEmbedder({ ...common, id: "a", pooling: "cls", normalize: true }).embed(texts);
    const viaRegistry = await createModelRegistry(options).resolve(id(cls)).embed(texts);
    expectClose(viaCls, viaRegistry);

    const unnormalised = await createTransformersEmbedder({ ...common, id: "b", pooling: "mean", normalize: false }).embed(texts);
    expect(unnormalised.some((v) => Math.abs(norm(v) - 1) > 1e-2)).toBe(true);
  });

  it("loads a model found in the download cache when remote loading is off", async () => {
    const cached = await writeTinyBert({ dir: cacheDir, name: "cached-org/tiny-bert", seed: 7 });
    const registry = createModelRegistry(options);
    const fromCache = await registry.resolve(id(cached)).embed(texts);
    const fromModelsDir = await registry.resolve(id(mean)).embed(texts);
    expectClose(fromCache, fromModelsDir);
  });
});

describe("Workers AI bge names", () => {
  it("serve @cf/baai/bge-small-en-v1.5 from models/Xenova/bge-small-en-v1.5 with CLS pooling", async () => {
    const model = createModelRegistry(options).resolve("@cf/baai/bge-small-en-v1.5");
    expect(model.dimensions).toBe(384);
    const vectors = await model.embed(texts);
    expect(vectors.map((v) => v.length)).toEqual([384, 384, 384, 384]);
    vectors.forEach((v) => expect(norm(v)).toBeCloseTo(1, 5));
    const expected = await createTransformersEmbedder({
      id: "cls",
      modelPath: bgeSmall.path,
      cacheDir,
      pooling: "cls",
      normalize: true,
    }).embed(texts);
    expectClose(vectors, expected);
  });

  it("refuse weights of the wrong size for the Workers AI model", async () => {
    const dir = join(root, "wrong-size");
    await writeTinyBert({ dir, name: "Xenova/bge-base-en-v1.5" }); // 16-d, not 768
    const model = createModelRegistry({ ...options, modelsDir: dir }).resolve("@cf/baai/bge-base-en-v1.5");
    await expect(model.embed(["cat"])).rejects.toThrow(/16-d vectors; expected 768/);
  });
});

describe("missing and unknown models", () => {
  it("names the folder and files to provide when a Workers AI model is not downloaded", () => {
    const registry = createModelRegistry(options);
    let error: unknown;
    try {
      registry.resolve("@cf/baai/bge-large-en-v1.5");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownModelError);
    const message = (error as Error).message;
    expect(message).toContain("the ONNX export of Xenova/bge-large-en-v1.5");
    expect(message).toContain(join(modelsDir, "Xenova", "bge-large-en-v1.5"));
    expect(message).toContain("onnx/model.onnx");
    expect(message).toContain("tokenizer.json");
    expect(message).toContain("config.json");
    expect(message).toContain("LOCAL_ALLOW_REMOTE_MODELS=1");
  });

  it("lists only the files that are missing from a partial folder", async () => {
    const dir = join(root, "partial");
    const partial = await writeTinyBert({ dir, name: "org/partial" });
    await rm(join(partial.path, "onnx"), { recursive: true });
    expect(() => createModelRegistry({ ...options, modelsDir: dir }).resolve(id(partial))).toThrow(
      /missing: onnx\/model\.onnx\)/,
    );
  });

  it("fails embed with the same error when the files vanish before the first load", async () => {
    const dir = join(root, "vanishing");
    const vanishing = await writeTinyBert({ dir, name: "org/vanishing" });
    const model = createModelRegistry({ ...options, modelsDir: dir }).resolve(id(vanishing));
    await rm(join(vanishing.path, "tokenizer.json"));
    const failure = model.embed(["cat"]);
    await expect(failure).rejects.toBeInstanceOf(UnknownModelError);
    await expect(failure).rejects.toThrow(/missing: tokenizer\.json\)/);
  });

  it("with remote loading on, uses local folders as they are and explains a failed download", async () => {
    const { env } = await import("@huggingface/transformers");
    const remoteHost = env.remoteHost;
    env.remoteHost = "http://127.0.0.1:9/"; // nothing listens here: the "hub" refuses at once
    try {
      const registry = createModelRegistry({ ...options, allowRemoteModels: true });
      const local = await registry.resolve(id(other)).embed(["cat"]);
      expectClose(local, await createModelRegistry(options).resolve(id(other)).embed(["cat"]));

      const remote = registry.resolve("@cf/baai/bge-large-en-v1.5"); // allowed: may be downloaded
      const failure = remote.embed(["cat"]);
      await expect(failure).rejects.toBeInstanceOf(UnknownModelError);
      await expect(failure).rejects.toThrow(/downloading Xenova\/bge-large-en-v1\.5 from the Hugging Face hub failed/);
      await expect(failure).rejects.toThrow(join(modelsDir, "Xenova", "bge-large-en-v1.5"));
    } finally {
      env.remoteHost = remoteHost;
    }
  });

  it("asks for the quantized file when dtype is q8", () => {
    expect(() => createModelRegistry({ ...options, transformersDtype: "q8" }).resolve(id(mean))).toThrow(
      /missing: onnx\/model_quantized\.onnx/,
    );
  });

  it("rejects unknown ids and paths that leave the models directory", () => {
    const registry = createModelRegistry(options);
    expect(() => registry.resolve("@cf/baai/nonexistent")).toThrow(UnknownModelError);
    expect(() => registry.resolve("@local/transformers/../outside")).toThrow(UnknownModelError);
    expect(() => registry.resolve("@local/transformers/")).toThrow(UnknownModelError);
  });

  it("keeps the Universal Sentence Encoder available without loading it", () => {
    const model = createModelRegistry(options).resolve("@local/universal-sentence-encoder");
    expect(model.dimensions).toBe(512);
  });
});

describe("POST /ai/run through the local services", () => {
  const post = (body: unknown) =>
    new Request("http://local-services/ai/run", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("returns {shape, data} from a transformers.js model", async () => {
    const services = createLocalServices({ dataDir: join(root, "data"), ...options });
    try {
      const response = await services.fetch(post({ model: id(mean), inputs: { text: ["cat", "the lazy dog"] } }));
      expect(response.status).toBe(200);
      const body = (await response.json()) as { shape: number[]; data: number[][] };
      expect(body.shape).toEqual([2, 16]);
      expect(body.data).toHaveLength(2);
      expectClose(body.data, await createModelRegistry(options).resolve(id(mean)).embed(["cat", "the lazy dog"]));
    } finally {
      await services.close();
    }
  });

  it("answers 400 UNKNOWN_MODEL with the hint when the weights are missing", async () => {
    const services = createLocalServices({ dataDir: join(root, "data"), ...options });
    try {
      const response = await services.fetch(post({ model: "@cf/baai/bge-base-en-v1.5", inputs: { text: ["cat"] } }));
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("UNKNOWN_MODEL");
      expect(body.error.message).toContain("Xenova/bge-base-en-v1.5");
    } finally {
      await services.close();
    }
  });
});
