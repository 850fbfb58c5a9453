// Tests for the local Vectorize stand-in's store: exact search against a
// brute-force reference (with and without the int8 pre-scan), delete-by-swap,
// persistence, torn logs, compaction.
import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { matchesMetadataFilter, parseMetadataFilter } from "../../../core/search/metadata-filter.js";
import { LocalVectorStore, VectorStoreError, truncateUtf8, type DistanceMetric, type Match, type VectorInput } from "./vector-store.js";
import { seededRandom as random } from "../../../core/seeded-random.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "vector-store-test-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openStore(
  dir: string,
  compaction?: { ratio?: number; minBytes?: number },
  search?: { int8?: boolean; prescanMinCandidates?: number },
): LocalVectorStore {
  const store = new LocalVectorStore({ dataDir: dir, compaction, search });
  cleanups.push(() => store.close());
  return store;
}


const categories = ["news", "blog", "docs", "wiki"];

function randomVectors(count: number, dims: number, seed: number, prefix = "v"): VectorInput[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const metadata: Record<string, unknown> = { rank: Math.floor(next() * 10) };
    if (next() < 0.8) metadata.category = categories[Math.floor(next() * categories.length)];
    if (next() < 0.5) metadata.flag = next() < 0.5;
    return {
      id: `${prefix}${i}`,
      values: Array.from({ length: dims }, () => next() * 2 - 1),
      namespace: next() < 0.3 ? undefined : `ns${Math.floor(next() * 3)}`,
      metadata,
    };
  });
}

/** Vectorize's documented score for a stored (float32) vector. */
function referenceScore(metric: DistanceMetric, query: number[], stored: number[]): number {
  let dot = 0;
  let qq = 0;
  let ss = 0;
  let squared = 0;
  for (let j = 0; j < query.length; j++) {
    const s = Math.fround(stored[j]!);
    dot += query[j]! * s;
    qq += query[j]! * query[j]!;
    ss += s * s;
    squared += (query[j]! - s) ** 2;
  }
  if (metric === "cosine") return dot / Math.sqrt(qq * ss);
  if (metric === "euclidean") return Math.sqrt(squared);
  return -dot;
}

/** Brute force: score everything that passes, full sort, best first. */
function bruteForce(
  metric: DistanceMetric,
  live: Map<string, VectorInput>,
  query: number[],
  options: { topK: number; namespace?: string; filter?: Record<string, unknown> },
): { id: string; score: number }[] {
  const filter = options.filter ? parseMetadataFilter(options.filter) : undefined;
  const scored = [...live.values()]
    .filter((v) => options.namespace === undefined || v.namespace === options.namespace)
    .filter((v) => !filter || matchesMetadataFilter(v.metadata ?? undefined, filter))
    .map((v) => ({ id: v.id, score: referenceScore(metric, query, Array.from(v.values)) }));
  const higherIsBetter = metric === "cosine";
  scored.sort((a, b) => (a.score === b.score ? (a.id < b.id ? -1 : 1) : higherIsBetter ? b.score - a.score : a.score - b.score));
  return scored.slice(0, options.topK);
}

function expectSameRanking(actual: Match[], expected: { id: string; score: number }[]): void {
  expect(actual.map((m) => m.id)).toEqual(expected.map((m) => m.id));
  actual.forEach((match, i) => expect(match.score).toBeCloseTo(expected[i]!.score, 9));
}

function storeError(run: () => unknown): VectorStoreError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(VectorStoreError);
    return error as VectorStoreError;
  }
  throw new Error("expected a VectorStoreError");
}

const metrics: DistanceMetric[] = ["cosine", "euclidean", "dot-product"];

describe("exact top-K", () => {
  it.each(metrics)("equals a brute-force sort for %s, with namespaces and filters", (metric) => {
    const dims = 24;
    const store = openStore(tempDir());
    const index = store.createIndex("exact", { dimensions: dims, metric });
    const vectors = randomVectors(700, dims, 7);
    for (let start = 0; start < vectors.length; start += 250) index.upsert(vectors.slice(start, start + 250));
    const live = new Map(vectors.map((v) => [v.id, v]));
    const next = random(99);
    const filters = [undefined, { category: "news" }, { rank: { $gte: 3, $lt: 7 } }, { flag: { $ne: true } }, { category: { $in: ["blog", "wiki"] } }];
    let compared = 0;
    for (const namespace of [undefined, "ns0", "ns2", "missing"]) {
      for (const filter of filters) {
        for (const topK of [1, 7, 100]) {
          const query = Array.from({ length: dims }, () => next() * 2 - 1);
          const expected = bruteForce(metric, live, query, { topK, namespace, filter });
          expectSameRanking(index.query(query, { topK, namespace, filter }), expected);
          compared += expected.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it("orders cosine and dot-product best first by their documented direction", () => {
    const store = openStore(tempDir());
    const cosine = store.createIndex("cos", { dimensions: 2, metric: "cosine" });
    const dot = store.createIndex("dot", { dimensions: 2, metric: "dot-product" });
    const euclid = store.createIndex("l2", { dimensions: 2, metric: "euclidean" });
    const vectors = [
      { id: "near", values: [1, 0.1] },
      { id: "long", values: [10, 10] },
      { id: "far", values: [-1, 0] },
    ];
    for (const index of [cosine, dot, euclid]) index.upsert(vectors);
    expect(cosine.query([1, 0]).map((m) => m.id)).toEqual(["near", "long", "far"]);
    // Negative dot product: -10 (long) is "more similar" than -1 (near).
    expect(dot.query([1, 0]).map((m) => [m.id, m.score])).toEqual([["long", -10], ["near", -1], ["far", 1]]);
    expect(euclid.query([1, 0])[0]).toMatchObject({ id: "near" });
    expect(euclid.query([1, 0])[0]!.score).toBeCloseTo(0.1, 6);
  });

  it("returns the first 5 by default and honours namespaces on queryById", () => {
    const store = openStore(tempDir());
    const index = store.createIndex("defaults", { dimensions: 4, metric: "cosine" });
    index.upsert(randomVectors(30, 4, 3).map((v) => ({ ...v, namespace: "a" })));
    index.upsert([{ id: "other", values: [1, 2, 3, 4], namespace: "b" }]);
    expect(index.query([1, 0, 0, 0])).toHaveLength(5);
    const byId = index.queryById("v0", { topK: 3, namespace: "a" });
    expect(byId[0]).toMatchObject({ id: "v0", namespace: "a" });
    expect(byId[0]!.score).toBeCloseTo(1, 6);
    expect(index.queryById("other", { namespace: "a" }).map((m) => m.id)).not.toContain("other");
    expect(index.queryById("nope")).toEqual([]);
  });
});

describe("mutations", () => {
  it("deletes by moving the last row into the hole, keeping every other vector intact", () => {
    const dims = 5;
    const store = openStore(tempDir());
    const index = store.createIndex("swap", { dimensions: dims, metric: "euclidean" });
    const vectors = randomVectors(50, dims, 11);
    index.upsert(vectors);
    const live = new Map(vectors.map((v) => [v.id, v]));
    const doomed = ["v0", "v49", "v25", "v24", "v1", "v30", "absent"];
    const result = index.deleteByIds(doomed);
    expect(result.ids.sort()).toEqual(doomed.filter((id) => id !== "absent").sort());
    for (const id of doomed) live.delete(id);
    expect(index.vectorCount).toBe(live.size);
    const stored = index.getByIds([...live.keys(), ...doomed]);
    expect(stored.map((v) => v.id)).toEqual([...live.keys()]);
    for (const vector of stored) {
      const original = live.get(vector.id)!;
      expect(vector.values).toEqual(Array.from(original.values, Math.fround));
      expect(vector.metadata).toEqual(original.metadata);
      expect(vector.namespace).toEqual(original.namespace);
    }
    const query = [0.3, -0.2, 0.1, 0.5, -0.9];
    expectSameRanking(index.query(query, { topK: 100 }), bruteForce("euclidean", live, query, { topK: 100 }));
  });

  it("upsert replaces values, namespace and metadata whole; insert keeps the first vector", () => {
    const store = openStore(tempDir());
    const index = store.createIndex("replace", { dimensions: 3, metric: "cosine" });
    index.upsert([{ id: "a", values: [1, 0, 0], namespace: "x", metadata: { keep: "no", n: 1 } }]);
    index.upsert([{ id: "a", values: [0, 1, 0], namespace: "y", metadata: { n: 2 } }]);
    expect(index.getByIds(["a"])).toEqual([{ id: "a", values: [0, 1, 0], namespace: "y", metadata: { n: 2 } }]);
    expect(index.query([0, 1, 0], { namespace: "x" })).toEqual([]);

    const inserted = index.insert([
      { id: "a", values: [0, 0, 1] },
      { id: "b", values: [1, 1, 0] },
      { id: "b", values: [0, 0, 1] },
    ]);
    expect(inserted).toMatchObject({ ids: ["b"], count: 1 });
    expect(index.getByIds(["a", "b"]).map((v) => v.values)).toEqual([
      [0, 1, 0],
      [1, 1, 0],
    ]);
    expect(index.vectorCount).toBe(2);
  });

  it("returns a fresh mutation id per call and reports the last in describe", () => {
    const store = openStore(tempDir());
    const index = store.createIndex("mutations", { dimensions: 2, metric: "cosine" });
    expect(index.describe()).toMatchObject({ vectorCount: 0, dimensions: 2, metric: "cosine", processedUpToMutation: null });
    const first = index.upsert([{ id: "a", values: [1, 2] }]);
    const second = index.deleteByIds(["a"]);
    expect(first.mutationId).not.toEqual(second.mutationId);
    expect(index.describe().processedUpToMutation).toBe(second.mutationId);
  });
});

describe("validation", () => {
  const store = () => openStore(tempDir()).createIndex("checks", { dimensions: 3, metric: "cosine" });

  it.each([
    ["wrong dimensions", (i: ReturnType<typeof store>) => i.upsert([{ id: "a", values: [1, 2] }]), 'invalid vector for id="a", expected 3 dimensions, and got 2 dimensions'],
    ["an empty id", (i: ReturnType<typeof store>) => i.upsert([{ id: "", values: [1, 2, 3] }]), "1 to 64 bytes"],
    ["an id over 64 bytes", (i: ReturnType<typeof store>) => i.upsert([{ id: "é".repeat(33), values: [1, 2, 3] }]), "got 66"],
    ["NaN values", (i: ReturnType<typeof store>) => i.upsert([{ id: "a", values: [1, Number.NaN, 3] }]), "values[1] is NaN"],
    ["a long namespace", (i: ReturnType<typeof store>) => i.upsert([{ id: "a", values: [1, 2, 3], namespace: "n".repeat(65) }]), "65 bytes"],
    ["a dotted metadata key", (i: ReturnType<typeof store>) => i.upsert([{ id: "a", values: [1, 2, 3], metadata: { "a.b": 1 } }]), 'key "a.b" is not allowed'],
    ["a nested $ key", (i: ReturnType<typeof store>) => i.upsert([{ id: "a", values: [1, 2, 3], metadata: { o: { $x: 1 } } }]), 'key "$x"'],
    ["metadata over 10 KiB", (i: ReturnType<typeof store>) => i.upsert([{ id: "a", values: [1, 2, 3], metadata: { t: "x".repeat(10240) } }]), "more than the 10240 bytes"],
    ["an empty batch", (i: ReturnType<typeof store>) => i.upsert([]), "at least one vector"],
    ["1001 vectors", (i: ReturnType<typeof store>) => i.insert(Array.from({ length: 1001 }, (_, n) => ({ id: `${n}`, values: [1, 2, 3] }))), "at most 1000"],
    ["a query of the wrong size", (i: ReturnType<typeof store>) => i.query([1, 2]), "invalid query vector, expected 3 dimensions, and got 2 dimensions"],
    ["topK 0", (i: ReturnType<typeof store>) => i.query([1, 2, 3], { topK: 0 }), "invalid topK provided: 0"],
    ["topK 101", (i: ReturnType<typeof store>) => i.query([1, 2, 3], { topK: 101 }), "invalid topK provided: 101"],
    ["topK 2.5", (i: ReturnType<typeof store>) => i.query([1, 2, 3], { topK: 2.5 }), "must be an integer"],
    ["topK 21 with values", (i: ReturnType<typeof store>) => i.query([1, 2, 3], { topK: 21, returnValues: true }), "at most 20"],
    ["topK 21 with all metadata", (i: ReturnType<typeof store>) => i.query([1, 2, 3], { topK: 21, returnMetadata: "all" }), "at most 20"],
    ["topK 21 with returnMetadata true", (i: ReturnType<typeof store>) => i.query([1, 2, 3], { topK: 21, returnMetadata: true }), "at most 20"],
    ["an unknown returnMetadata", (i: ReturnType<typeof store>) => i.query([1, 2, 3], { returnMetadata: "some" as never }), "returnMetadata must be"],
    ["an invalid filter", (i: ReturnType<typeof store>) => i.query([1, 2, 3], { filter: { a: { $regex: "x" } } }), 'invalid filter: filter key "a": unknown operator "$regex"'],
    ["an empty filter", (i: ReturnType<typeof store>) => i.query([1, 2, 3], { filter: {} }), "must not be empty"],
  ])("rejects %s", (_name, run, message) => {
    const index = store();
    const error = storeError(() => run(index));
    expect(error.kind).toBe("invalid");
    expect(error.message).toContain(message);
    expect(index.vectorCount).toBe(0);
  });

  it("accepts topK 100 with indexed metadata and 20 with values", () => {
    const index = store();
    index.upsert([{ id: "a", values: [1, 2, 3], metadata: { k: "v" } }]);
    expect(index.query([1, 2, 3], { topK: 100, returnMetadata: "indexed" })).toHaveLength(1);
    expect(index.query([1, 2, 3], { topK: 20, returnValues: true, returnMetadata: "all" })).toHaveLength(1);
  });

  it("applies no part of a batch that holds an invalid vector", () => {
    const index = store();
    storeError(() => index.upsert([{ id: "ok", values: [1, 2, 3] }, { id: "bad", values: [1] }]));
    expect(index.getByIds(["ok"])).toEqual([]);
  });

  it("creates indexes idempotently and refuses a clashing configuration", () => {
    const s = openStore(tempDir());
    const first = s.createIndex("same", { dimensions: 4, metric: "cosine" });
    expect(s.createIndex("same", { dimensions: 4, metric: "cosine" })).toBe(first);
    const conflict = storeError(() => s.createIndex("same", { dimensions: 8, metric: "cosine" }));
    expect(conflict.kind).toBe("conflict");
    expect(conflict.message).toContain("already exists with 4 dimensions and metric cosine");
    expect(storeError(() => s.createIndex("../escape", { dimensions: 4, metric: "cosine" })).kind).toBe("invalid");
    expect(storeError(() => s.createIndex("x", { dimensions: 0, metric: "cosine" })).message).toContain("dimensions");
    expect(storeError(() => s.createIndex("x", { dimensions: 4, metric: "manhattan" as never })).message).toContain("metric");
  });
});

describe("returned fields", () => {
  it("returns values and metadata only when asked, and indexed metadata cut to 64 bytes", () => {
    const store = openStore(tempDir());
    const index = store.createIndex("fields", { dimensions: 2, metric: "cosine" });
    const long = "ä".repeat(40); // 80 bytes
    index.upsert([{ id: "a", values: [0.1, 0.2], namespace: "n", metadata: { long, n: 3, b: false, nested: { x: 1 }, list: ["q"] } }]);
    const [plain] = index.query([1, 1]);
    expect(plain).toEqual({ id: "a", namespace: "n", score: plain!.score });
    const [all] = index.query([1, 1], { returnValues: true, returnMetadata: "all" });
    expect(all!.values).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect(all!.metadata).toEqual({ long, n: 3, b: false, nested: { x: 1 }, list: ["q"] });
    const [indexed] = index.query([1, 1], { returnMetadata: "indexed" });
    expect(indexed!.metadata).toEqual({ long: "ä".repeat(32), n: 3, b: false });
    expect(index.query([1, 1], { returnMetadata: false })[0]!.metadata).toBeUndefined();
    expect(index.query([1, 1], { returnMetadata: true })[0]!.metadata).toEqual(all!.metadata);
  });

  it("cuts UTF-8 on character boundaries", () => {
    expect(truncateUtf8("ab😀c", 5)).toBe("ab");
    expect(truncateUtf8("ab😀c", 6)).toBe("ab😀");
    expect(truncateUtf8("short", 64)).toBe("short");
  });

  it("hands out copies, not its own metadata objects", () => {
    const store = openStore(tempDir());
    const index = store.createIndex("copies", { dimensions: 2, metric: "cosine" });
    const metadata = { k: "v" };
    index.upsert([{ id: "a", values: [1, 0], metadata }]);
    metadata.k = "changed";
    index.getByIds(["a"])[0]!.metadata!.k = "mutated";
    expect(index.query([1, 0], { returnMetadata: "all" })[0]!.metadata).toEqual({ k: "v" });
  });
});

describe("persistence", () => {
  function populate(store: LocalVectorStore, metric: DistanceMetric) {
    const index = store.createIndex("persisted", { dimensions: 16, metric });
    const vectors = randomVectors(300, 16, 21);
    index.upsert(vectors.slice(0, 200));
    index.insert(vectors.slice(150, 300));
    index.deleteByIds(vectors.filter((_, i) => i % 7 === 0).map((v) => v.id));
    index.upsert(randomVectors(40, 16, 22).map((v, i) => ({ ...v, id: `v${i * 3}` })));
    return index;
  }

  function snapshot(store: LocalVectorStore) {
    const index = store.getIndex("persisted")!;
    const queries = [0, 1, 2].map((seed) => {
      const next = random(seed + 500);
      return Array.from({ length: 16 }, () => next() * 2 - 1);
    });
    return {
      describe: { ...index.describe(), processedUpToMutation: undefined, processedUpToDatetime: undefined },
      results: queries.map((query) => index.query(query, { topK: 20, returnValues: true, returnMetadata: "all" })),
      filtered: queries.map((query) => index.query(query, { topK: 50, namespace: "ns1", filter: { rank: { $lt: 5 } } })),
      all: index.getByIds(Array.from({ length: 320 }, (_, i) => `v${i}`)),
    };
  }

  it.each(metrics)("answers the same after reopening (%s)", (metric) => {
    const dir = tempDir();
    const first = openStore(dir);
    populate(first, metric);
    const before = snapshot(first);
    expect(before.all.length).toBeGreaterThan(200);
    first.close();

    const second = openStore(dir);
    expect(snapshot(second)).toEqual(before);
  });

  it("keeps every completed mutation when the process dies without closing", () => {
    const dir = tempDir();
    const first = new LocalVectorStore({ dataDir: dir });
    populate(first, "cosine");
    const before = snapshot(first);
    // No close(): a new store reads what the first has written so far.
    const second = openStore(dir);
    expect(snapshot(second)).toEqual(before);
    first.close();
  });

  it("drops a torn record at the end of the log and keeps the rest", () => {
    const dir = tempDir();
    const first = openStore(dir);
    const index = first.createIndex("torn", { dimensions: 4, metric: "cosine" });
    index.upsert([{ id: "kept", values: [1, 2, 3, 4], metadata: { a: 1 } }]);
    first.close();
    const log = join(dir, "torn", "vectors.log");
    const goodSize = statSync(log).size;
    appendFileSync(log, Buffer.from([200, 0, 0, 0, 1, 9, 9])); // claims 200 bytes, has 3
    const second = openStore(dir);
    const reopened = second.getIndex("torn")!;
    expect(reopened.getByIds(["kept"])).toEqual([{ id: "kept", values: [1, 2, 3, 4], metadata: { a: 1 } }]);
    expect(statSync(log).size).toBe(goodSize);
    reopened.upsert([{ id: "after", values: [4, 3, 2, 1] }]);
    second.close();
    expect(openStore(dir).getIndex("torn")!.getByIds(["kept", "after"]).map((v) => v.id)).toEqual(["kept", "after"]);
  });

  it("compacts the log once it outgrows the live data, without changing answers", () => {
    const dir = tempDir();
    const store = openStore(dir, { ratio: 2, minBytes: 16 * 1024 });
    const index = store.createIndex("compact", { dimensions: 32, metric: "euclidean" });
    const vectors = randomVectors(100, 32, 5);
    index.upsert(vectors);
    const liveSize = index.logSize;
    let maxSeen = 0;
    for (let round = 0; round < 10; round++) {
      index.upsert(randomVectors(100, 32, 100 + round));
      maxSeen = Math.max(maxSeen, index.logSize);
    }
    index.deleteByIds(vectors.slice(0, 50).map((v) => v.id));
    // Eleven full rewrites were logged; compaction kept the file within the ratio.
    expect(maxSeen).toBeLessThanOrEqual(2 * liveSize + 100 * 200);
    expect(index.logSize).toBeLessThan(3 * liveSize);
    const query = Array.from({ length: 32 }, (_, j) => Math.sin(j));
    const before = index.query(query, { topK: 20, returnValues: true });
    const count = index.vectorCount;
    store.close();
    const reopened = openStore(dir).getIndex("compact")!;
    expect(reopened.vectorCount).toBe(count);
    expect(reopened.query(query, { topK: 20, returnValues: true })).toEqual(before);
  });

  it("deletes an index with its files", () => {
    const dir = tempDir();
    const store = openStore(dir);
    store.createIndex("gone", { dimensions: 2, metric: "cosine" }).upsert([{ id: "a", values: [1, 1] }]);
    expect(store.deleteIndex("gone")).toBe(true);
    expect(existsSync(join(dir, "gone"))).toBe(false);
    expect(store.getIndex("gone")).toBeUndefined();
    expect(store.deleteIndex("gone")).toBe(false);
    expect(store.createIndex("gone", { dimensions: 3, metric: "cosine" }).vectorCount).toBe(0);
  });
});

describe("scale", () => {
  it("grows its matrix past many doublings and still finds exact neighbours", () => {
    const dims = 64;
    const store = openStore(tempDir());
    const index = store.createIndex("scale", { dimensions: dims, metric: "cosine" });
    const vectors = randomVectors(5000, dims, 77);
    for (let start = 0; start < vectors.length; start += 1000) index.upsert(vectors.slice(start, start + 1000));
    const live = new Map(vectors.map((v) => [v.id, v]));
    const query = Array.from(vectors[1234]!.values);
    const result = index.query(query, { topK: 10 });
    expect(result[0]!.id).toBe("v1234");
    expectSameRanking(result, bruteForce("cosine", live, query, { topK: 10 }));
  });
});

describe("int8 pre-scan", () => {
  /** Pre-scan every query with more candidates than topK, however few. */
  const always = { prescanMinCandidates: 0 };

  it.each(metrics)("equals a brute-force sort for %s with namespaces and filters when every query is pre-scanned", (metric) => {
    const dims = 24;
    const store = openStore(tempDir(), undefined, always);
    const index = store.createIndex("prescan", { dimensions: dims, metric });
    const vectors = randomVectors(1500, dims, 8);
    for (let start = 0; start < vectors.length; start += 500) index.upsert(vectors.slice(start, start + 500));
    const live = new Map(vectors.map((v) => [v.id, v]));
    const next = random(98);
    const filters = [undefined, { category: "news" }, { rank: { $gte: 3, $lt: 7 } }, { flag: { $ne: true } }, { category: { $in: ["blog", "wiki"] } }];
    let prescanned = 0;
    let candidates = 0;
    let scored = 0;
    for (const namespace of [undefined, "ns0", "ns2"]) {
      for (const filter of filters) {
        for (const topK of [1, 7, 100]) {
          const query = Array.from({ length: dims }, () => next() * 2 - 1);
          expectSameRanking(index.query(query, { topK, namespace, filter }), bruteForce(metric, live, query, { topK, namespace, filter }));
          const stats = index.lastSearch!;
          // With no more candidates than topK, all of them are returned: nothing to rule out.
          expect(stats.prescan).toBe(stats.candidates > topK);
          if (stats.prescan) {
            prescanned++;
            candidates += stats.candidates;
            scored += stats.scoredExactly;
          }
        }
      }
    }
    expect(prescanned).toBeGreaterThan(40);
    // It saved work: most candidates were ruled out without exact scoring.
    expect(scored).toBeLessThan(candidates / 2);
  });

  it("gives the same answers with and without the int8 copy", () => {
    const dims = 16;
    const vectors = randomVectors(900, dims, 31);
    const withInt8 = openStore(tempDir(), undefined, always).createIndex("a", { dimensions: dims, metric: "cosine" });
    const floatOnly = openStore(tempDir(), undefined, { int8: false }).createIndex("b", { dimensions: dims, metric: "cosine" });
    for (const index of [withInt8, floatOnly]) index.upsert(vectors);
    const next = random(32);
    for (let q = 0; q < 20; q++) {
      const query = Array.from({ length: dims }, () => next() * 2 - 1);
      const options = { topK: 20, returnValues: true, returnMetadata: "all" as const, namespace: q % 2 ? "ns1" : undefined };
      expect(withInt8.query(query, options)).toEqual(floatOnly.query(query, options));
      expect(withInt8.lastSearch!.prescan).toBe(true);
      expect(floatOnly.lastSearch!.prescan).toBe(false);
    }
  });

  it("follows upserts that replace a vector, and deletes that move rows", () => {
    const dims = 32;
    const store = openStore(tempDir(), undefined, always);
    const index = store.createIndex("moves", { dimensions: dims, metric: "cosine" });
    const vectors = randomVectors(3000, dims, 41).map((v) => ({ ...v, namespace: undefined }));
    for (let start = 0; start < vectors.length; start += 1000) index.upsert(vectors.slice(start, start + 1000));
    const live = new Map<string, VectorInput>(vectors.map((v) => [v.id, v]));
    const query = Array.from({ length: dims }, (_, j) => Math.cos(j));
    const best = index.query(query, { topK: 1 })[0]!.id;

    // The best match moves far away, and another vector becomes the query itself.
    const replaced = [
      { id: best, values: query.map((x) => -x) },
      { id: "v2999", values: query.map((x) => 3 * x) },
    ];
    index.upsert(replaced);
    for (const vector of replaced) live.set(vector.id, vector);
    const afterUpsert = index.query(query, { topK: 10 });
    expect(afterUpsert[0]).toMatchObject({ id: "v2999" });
    expect(afterUpsert[0]!.score).toBeCloseTo(1, 6);
    expect(afterUpsert.map((m) => m.id)).not.toContain(best);
    expectSameRanking(afterUpsert, bruteForce("cosine", live, query, { topK: 10 }));

    // Delete a third of the rows, v2999 among them: the last rows move into the holes.
    const doomed = vectors.filter((_, i) => i % 3 === 1).map((v) => v.id);
    index.deleteByIds([...doomed, "v2999"]);
    for (const id of [...doomed, "v2999"]) live.delete(id);
    expect(index.vectorCount).toBe(live.size);
    const next = random(42);
    for (let q = 0; q < 10; q++) {
      const probe = Array.from({ length: dims }, () => next() * 2 - 1);
      expectSameRanking(index.query(probe, { topK: 10 }), bruteForce("cosine", live, probe, { topK: 10 }));
      expect(index.lastSearch).toMatchObject({ prescan: true, candidates: live.size });
    }
  });

  it("rebuilds the int8 rows when the log is replayed", () => {
    const dims = 16;
    const dir = tempDir();
    const first = openStore(dir, undefined, always);
    const index = first.createIndex("replayed", { dimensions: dims, metric: "euclidean" });
    const vectors = randomVectors(1200, dims, 51);
    index.upsert(vectors.slice(0, 1000));
    index.upsert(vectors.slice(1000));
    index.upsert(randomVectors(100, dims, 52)); // replaces v0..v99
    index.deleteByIds(vectors.slice(500, 600).map((v) => v.id));
    const queries = [0, 1, 2, 3].map((seed) => {
      const next = random(seed + 700);
      return Array.from({ length: dims }, () => next() * 2 - 1);
    });
    const before = queries.map((query) => index.query(query, { topK: 20, namespace: "ns1", returnValues: true }));
    first.close();

    const reopened = openStore(dir, undefined, always).getIndex("replayed")!;
    queries.forEach((query, i) => {
      expect(reopened.query(query, { topK: 20, namespace: "ns1", returnValues: true })).toEqual(before[i]);
      const stats = reopened.lastSearch!;
      expect(stats.prescan).toBe(true);
      expect(stats.scoredExactly).toBeLessThan(stats.candidates);
    });
  });
});

describe("int8 pre-scan at scale (512 dimensions)", () => {
  const dims = 512;
  const count = 20_000;

  /** Rows as a matrix: uniform in [-1, 1), or tight clusters (near-duplicates, the hard case for int8). */
  function matrixOf(kind: "random" | "clustered", seed: number): Float32Array {
    const next = random(seed);
    const matrix = new Float32Array(count * dims);
    if (kind === "random") {
      for (let i = 0; i < matrix.length; i++) matrix[i] = next() * 2 - 1;
      return matrix;
    }
    const centroids = Array.from({ length: 40 }, () => Float32Array.from({ length: dims }, () => next() * 2 - 1));
    for (let row = 0; row < count; row++) {
      const centroid = centroids[Math.floor(next() * centroids.length)]!;
      for (let j = 0; j < dims; j++) matrix[row * dims + j] = centroid[j]! + (next() * 2 - 1) * 0.03;
    }
    return matrix;
  }

  /** Exact top K over the matrix, scored as the store documents, ties to the smaller id. */
  function reference(metric: DistanceMetric, matrix: Float32Array, query: number[], k: number): { id: string; score: number }[] {
    let qq = 0;
    for (const x of query) qq += x * x;
    const scored: { id: string; score: number }[] = [];
    for (let row = 0; row < count; row++) {
      const base = row * dims;
      let dot = 0;
      let rr = 0;
      let squared = 0;
      for (let j = 0; j < dims; j++) {
        const x = matrix[base + j]!;
        dot += query[j]! * x;
        rr += x * x;
        squared += (query[j]! - x) ** 2;
      }
      const score = metric === "cosine" ? dot / Math.sqrt(qq * rr) : metric === "euclidean" ? Math.sqrt(squared) : -dot;
      scored.push({ id: `v${row}`, score });
    }
    const higherIsBetter = metric === "cosine";
    scored.sort((a, b) => (a.score === b.score ? (a.id < b.id ? -1 : 1) : higherIsBetter ? b.score - a.score : a.score - b.score));
    return scored.slice(0, k);
  }

  it.each([
    ["random", "cosine"],
    ["clustered", "cosine"],
    ["clustered", "euclidean"],
    ["clustered", "dot-product"],
  ] as const)("returns the exact top 10 of %s vectors (%s): recall@10 of 1 and exact scores", (kind, metric) => {
    const matrix = matrixOf(kind, kind === "random" ? 61 : 62);
    const index = openStore(tempDir()).createIndex("scale512", { dimensions: dims, metric });
    for (let start = 0; start < count; start += 1000) {
      const batch: VectorInput[] = [];
      for (let row = start; row < start + 1000; row++) batch.push({ id: `v${row}`, values: matrix.subarray(row * dims, (row + 1) * dims), namespace: "n" });
      index.upsert(batch);
    }
    const next = random(63);
    let found = 0;
    let scored = 0;
    const queries = 8;
    for (let q = 0; q < queries; q++) {
      // Queries near a stored row (as in a real search) for clustered data, anywhere for random data.
      const anchor = Math.floor(next() * count);
      const query = Array.from({ length: dims }, (_, j) => (kind === "random" ? next() * 2 - 1 : matrix[anchor * dims + j]! + (next() * 2 - 1) * 0.03));
      const expected = reference(metric, matrix, query, 10);
      const actual = index.query(query, { topK: 10, namespace: "n" });
      const expectedIds = new Set(expected.map((m) => m.id));
      found += actual.filter((m) => expectedIds.has(m.id)).length;
      expectSameRanking(actual, expected);
      expect(index.lastSearch).toMatchObject({ prescan: true, candidates: count });
      scored += index.lastSearch!.scoredExactly;
    }
    expect(found / (queries * 10)).toBe(1);
    if (kind === "random") expect(scored / queries).toBeLessThan(200);
    else expect(scored / queries).toBeLessThan(count / 2);
  });
});
