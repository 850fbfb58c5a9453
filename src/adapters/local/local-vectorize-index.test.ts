// Runs the vector index contract against the local stand-in over the
// LOCAL_SERVICES binding, plus what is specific to the local transport.
// The Node host is shared by every test file of a run: each test gets its
// own uniquely named index.
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { runVectorIndexContract } from "../../ports/vector-index.contract.js";
import { vectorBatchType } from "./vector-transport.js";
import { deleteLocalVectorIndex, ensureLocalVectorIndex, LocalVectorizeError, LocalVectorizeIndex } from "./local-vectorize-index.js";

function localServices(): Fetcher {
  const service = env.LOCAL_SERVICES;
  if (!service) throw new Error("LOCAL_SERVICES binding missing (vitest.config.ts adds it)");
  return service;
}

const created: string[] = [];
function uniqueName(prefix: string): string {
  const name = `${prefix}-${crypto.randomUUID()}`;
  created.push(name);
  return name;
}

afterAll(async () => {
  for (const name of created) await deleteLocalVectorIndex(localServices(), name);
});

runVectorIndexContract({
  newIndex: (config) => ensureLocalVectorIndex(localServices(), uniqueName("contract"), config),
});

async function rejection(promise: Promise<unknown>): Promise<LocalVectorizeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LocalVectorizeError);
  return error as LocalVectorizeError;
}

describe("LocalVectorizeIndex", () => {
  it("sends well-formed writes as float32 rows and stores what JSON would have stored", async () => {
    const types: string[] = [];
    const recording = {
      fetch: (input: RequestInfo, init?: RequestInit) => {
        types.push(new Headers(init?.headers).get("content-type") ?? "");
        return localServices().fetch(input, init);
      },
    } as unknown as Fetcher;
    const index = await ensureLocalVectorIndex(recording, uniqueName("binary"), { dimensions: 3, metric: "cosine" });
    types.length = 0;
    const values = [0.1, -1 / 3, 2.000001];
    await index.upsert([{ id: "a", values, namespace: "ns", metadata: { k: "v" } }]);
    expect(types).toEqual([vectorBatchType]);
    const [stored] = await index.getByIds(["a"]);
    expect(stored).toMatchObject({ id: "a", namespace: "ns", metadata: { k: "v" } });
    expect(Array.from(stored!.values)).toEqual(values.map((value) => Math.fround(value)));
    // Ragged input goes as JSON and gets the index's own message.
    types.length = 0;
    const error = await rejection(
      index.upsert([
        { id: "b", values: [1, 2, 3] },
        { id: "b2", values: [1, 2] },
      ]),
    );
    expect(types).toEqual(["application/json"]);
    expect(error.message).toMatch(/expected 3 dimensions, and got 2 dimensions/);
    // A batch of the wrong (but one) length, and NaN, travel as float32 and are still refused by the index.
    expect((await rejection(index.upsert([{ id: "d", values: [1, 2] }]))).message).toMatch(/expected 3 dimensions, and got 2 dimensions/);
    expect((await rejection(index.insert([{ id: "c", values: [1, Number.NaN, 2] }]))).message).toMatch(/not a finite number/);
  });

  it("answers describe in both the current and the legacy shape", async () => {
    const name = uniqueName("describe");
    const index = await ensureLocalVectorIndex(localServices(), name, { dimensions: 3, metric: "euclidean" });
    const mutation = await index.upsert([{ id: "a", values: [1, 2, 3] }]);
    const info = await index.describe();
    expect(info).toMatchObject({ name, dimensions: 3, vectorCount: 1, vectorsCount: 1, config: { dimensions: 3, metric: "euclidean" } });
    expect(info.id).toEqual(expect.any(String));
    expect(info.processedUpToMutation).toBe(mutation.mutationId);
  });

  it("answers mutations with a mutation id and the ids it changed", async () => {
    const index = await ensureLocalVectorIndex(localServices(), uniqueName("mutations"), { dimensions: 2, metric: "cosine" });
    const upserted = await index.upsert([
      { id: "a", values: [1, 0] },
      { id: "b", values: [0, 1] },
    ]);
    expect(upserted).toEqual({ mutationId: expect.any(String), ids: ["a", "b"], count: 2 });
    const inserted = await index.insert([
      { id: "a", values: [1, 1] },
      { id: "c", values: [1, 1] },
    ]);
    expect(inserted).toMatchObject({ ids: ["c"], count: 1 });
    expect(inserted.mutationId).not.toBe(upserted.mutationId);
    expect(await index.deleteByIds(["a", "zzz"])).toMatchObject({ ids: ["a"], count: 1 });
  });

  it("accepts Float32Array and Float64Array values and queries", async () => {
    const index = await ensureLocalVectorIndex(localServices(), uniqueName("typed"), { dimensions: 3, metric: "cosine" });
    await index.upsert([
      { id: "f32", values: new Float32Array([0.5, 0.25, 1]) },
      { id: "f64", values: new Float64Array([-1, 0, 0]) },
    ]);
    const { matches } = await index.query(new Float32Array([0.5, 0.25, 1]), { topK: 2, returnValues: true });
    expect(matches.map((m) => m.id)).toEqual(["f32", "f64"]);
    expect(matches[0]!.values).toEqual([0.5, 0.25, 1]);
    expect(matches[0]!.score).toBeCloseTo(1, 6);
  });

  it("accepts the legacy boolean returnMetadata", async () => {
    const index = await ensureLocalVectorIndex(localServices(), uniqueName("legacy"), { dimensions: 2, metric: "cosine" });
    await index.upsert([{ id: "a", values: [1, 0], metadata: { k: "v" } }]);
    expect((await index.query([1, 0], { returnMetadata: true })).matches[0]!.metadata).toEqual({ k: "v" });
    expect((await index.query([1, 0], { returnMetadata: false })).matches[0]!.metadata).toBeUndefined();
  });

  it("carries the service's error code and message", async () => {
    const index = await ensureLocalVectorIndex(localServices(), uniqueName("errors"), { dimensions: 4, metric: "cosine" });
    const dims = await rejection(index.query([1, 2]));
    expect(dims.status).toBe(400);
    expect(dims.message).toBe("VECTOR_QUERY_ERROR: invalid query vector, expected 4 dimensions, and got 2 dimensions");
    const topK = await rejection(index.query([1, 2, 3, 4], { topK: 21, returnMetadata: "all" }));
    expect(topK.message).toMatch(/^VECTOR_QUERY_ERROR: invalid topK provided: 21/);
    const id = await rejection(index.upsert([{ id: "x".repeat(65), values: [1, 2, 3, 4] }]));
    expect(id.message).toMatch(/^VECTOR_UPSERT_ERROR: invalid vector id .* 1 to 64 bytes long, got 65/);
    const filter = await rejection(index.query([1, 2, 3, 4], { filter: { $bad: 1 } as never }));
    expect(filter.message).toContain('filter key "$bad" must not start with "$"');
  });

  it("reports a missing index as 404 and refuses to redefine an index", async () => {
    const missing = new LocalVectorizeIndex(localServices(), uniqueName("missing"));
    const notFound = await rejection(missing.describe());
    expect(notFound.status).toBe(404);
    expect(notFound.code).toBe("INDEX_NOT_FOUND");

    const name = uniqueName("conflict");
    const first = await ensureLocalVectorIndex(localServices(), name, { dimensions: 4, metric: "cosine" });
    await first.upsert([{ id: "kept", values: [1, 2, 3, 4] }]);
    const again = await ensureLocalVectorIndex(localServices(), name, { dimensions: 4, metric: "cosine" });
    expect((await again.getByIds(["kept"])).map((v) => v.id)).toEqual(["kept"]);
    const conflict = await rejection(ensureLocalVectorIndex(localServices(), name, { dimensions: 8, metric: "cosine" }));
    expect(conflict.status).toBe(409);
    expect(conflict.message).toContain("already exists with 4 dimensions");
  });

  it("deletes an index", async () => {
    const name = uniqueName("deleted");
    const index = await ensureLocalVectorIndex(localServices(), name, { dimensions: 2, metric: "cosine" });
    await index.upsert([{ id: "a", values: [1, 1] }]);
    expect(await deleteLocalVectorIndex(localServices(), name)).toBe(true);
    expect((await rejection(index.getByIds(["a"]))).status).toBe(404);
    expect(await deleteLocalVectorIndex(localServices(), name)).toBe(false);
  });

  it("rejects malformed requests to the service", async () => {
    const name = uniqueName("raw");
    await ensureLocalVectorIndex(localServices(), name, { dimensions: 2, metric: "cosine" });
    const post = (path: string, body: string) => localServices().fetch(`http://local/vectorize/${path}`, { method: "POST", body });
    const invalidJson = await post(`${name}/query`, "{not json");
    expect(invalidJson.status).toBe(400);
    expect(await invalidJson.json()).toMatchObject({ error: { code: "INVALID_JSON" } });
    expect((await post(`${name}/frobnicate`, "{}")).status).toBe(404);
    const noVectors = await post(`${name}/upsert`, "{}");
    expect(noVectors.status).toBe(400);
    expect(await noVectors.json()).toMatchObject({ error: { code: "VECTOR_UPSERT_ERROR" } });
  });
});
