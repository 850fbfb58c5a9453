/**
 * The contract of the vector index port: one vitest suite that every
 * implementation must pass (the local stand-in in
 * `adapters/local/local-vectorize-index.test.ts`, real Vectorize in
 * `adapters/cloudflare/vectorize-index.contract.test.ts`).
 *
 * It is written to hold against production Vectorize too:
 * - every write is followed by `settle`, because Vectorize applies mutations
 *   a few seconds after answering;
 * - every test writes into its own fresh namespace and queries within it, and
 *   vector counts are compared before and after, so a long-lived index with
 *   other data in it does not disturb the results;
 * - scores are checked with `returnValues: true`, which makes Vectorize score
 *   exactly (otherwise its scores are approximate);
 * - filters use the properties in `contractMetadataIndexes`, which a real
 *   index must have metadata indexes for before the suite runs.
 *
 * Expectations marked "assumed" encode behaviour the Vectorize docs do not
 * state (see `core/search/metadata-filter.ts`); running the suite against a
 * real index is how to check them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { describedDimensions, vectorizeLimits, type VectorIndex } from "./vector-index.js";
import { seededRandom } from "../core/seeded-random.js";

export interface VectorIndexContractOptions {
  /**
   * An index with this configuration for one test. It may hold other data
   * (the suite stays inside namespaces it invents), but nothing else may
   * write to the suite's namespaces while it runs.
   */
  newIndex(config: { dimensions: number; metric: VectorizeDistanceMetric }): Promise<VectorIndex>;
  /** Resolves once `mutation` is visible to reads (real Vectorize: poll `describe().processedUpToMutation`). Default: no wait. */
  settle?(index: VectorIndex, mutation: VectorizeAsyncMutation): Promise<void>;
  /** Metrics the implementation can provide (default: all three). */
  metrics?: readonly VectorizeDistanceMetric[];
  /** Dimensions of the indexes (default 8). */
  dimensions?: number;
  /** Per-test timeout in ms (default: the runner's). */
  timeout?: number;
}

/** Metadata properties the suite filters on; create these metadata indexes on a real index before running it. */
export const contractMetadataIndexes = [
  { propertyName: "category", type: "string" },
  { propertyName: "rank", type: "number" },
  { propertyName: "flag", type: "boolean" },
] as const;

const allMetrics: readonly VectorizeDistanceMetric[] = ["cosine", "euclidean", "dot-product"];

/** Registers the contract suite for one implementation. */
export function runVectorIndexContract(options: VectorIndexContractOptions): void {
  const dimensions = options.dimensions ?? 8;
  const metrics = options.metrics ?? allMetrics;
  const primaryMetric = metrics[0] ?? "cosine";
  const timeout = options.timeout;
  const settle = options.settle ?? (async () => {});

  /** A fresh namespace in an index, with writes that wait until they are visible. */
  async function fixture(metric: VectorizeDistanceMetric = primaryMetric) {
    const index = await options.newIndex({ dimensions, metric });
    const namespace = `contract-${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    return {
      index,
      namespace,
      id: (name: string) => `${namespace}-${name}`,
      async upsert(vectors: VectorizeVector[]) {
        const mutation = await index.upsert(vectors);
        await settle(index, mutation);
        return mutation;
      },
      async insert(vectors: VectorizeVector[]) {
        const mutation = await index.insert(vectors);
        await settle(index, mutation);
        return mutation;
      },
      async deleteByIds(ids: string[]) {
        const mutation = await index.deleteByIds(ids);
        await settle(index, mutation);
        return mutation;
      },
    };
  }

  const next = seededRandom(20240611);
  const randomVector = () => Array.from({ length: dimensions }, () => Math.round((next() * 2 - 1) * 1000) / 1000);

  describe("vector index contract", () => {
    describe.each(metrics)("ranking with %s", (metric) => {
      it(
        "query ranks a namespace's vectors by the documented score, best first",
        async () => {
          const f = await fixture(metric);
          const vectors = Array.from({ length: 12 }, (_, i) => ({ id: f.id(`v${i}`), values: randomVector(), namespace: f.namespace }));
          await f.upsert(vectors);
          const query = randomVector();
          const { matches, count } = await f.index.query(query, { topK: 12, namespace: f.namespace, returnValues: true });
          const expected = referenceRanking(metric, query, vectors);
          expect(count).toBe(12);
          expect(matches.map((m) => m.id)).toEqual(expected.map((m) => m.id));
          matches.forEach((match, i) => expect(match.score).toBeCloseTo(expected[i]!.score, 4));
        },
        timeout,
      );

      it(
        "queryById searches with the stored vector",
        async () => {
          const f = await fixture(metric);
          const vectors = Array.from({ length: 6 }, (_, i) => ({ id: f.id(`v${i}`), values: randomVector(), namespace: f.namespace }));
          await f.upsert(vectors);
          const { matches } = await f.index.queryById(vectors[2]!.id, { topK: 6, namespace: f.namespace, returnValues: true });
          const expected = referenceRanking(metric, vectors[2]!.values, vectors);
          expect(matches.map((m) => m.id)).toEqual(expected.map((m) => m.id));
          matches.forEach((match, i) => expect(match.score).toBeCloseTo(expected[i]!.score, 4));
        },
        timeout,
      );
    });

    it(
      "topK defaults to 5 and bounds the number of matches",
      async () => {
        const f = await fixture();
        await f.upsert(Array.from({ length: 8 }, (_, i) => ({ id: f.id(`v${i}`), values: randomVector(), namespace: f.namespace })));
        const query = randomVector();
        expect((await f.index.query(query, { namespace: f.namespace })).matches).toHaveLength(5);
        expect((await f.index.query(query, { namespace: f.namespace, topK: 3 })).matches).toHaveLength(3);
        const all = await f.index.query(query, { namespace: f.namespace, topK: vectorizeLimits.maxTopK });
        expect(all.matches).toHaveLength(8);
        expect(all.count).toBe(8);
      },
      timeout,
    );

    it(
      "accepts the largest topK each return level allows",
      async () => {
        const f = await fixture();
        await f.upsert([{ id: f.id("only"), values: randomVector(), namespace: f.namespace }]);
        const query = randomVector();
        const small = vectorizeLimits.maxTopKWithValuesOrAllMetadata;
        const large = vectorizeLimits.maxTopK;
        for (const queryOptions of [
          { topK: large },
          { topK: large, returnMetadata: "none" as const },
          { topK: large, returnMetadata: "indexed" as const },
          { topK: small, returnValues: true },
          { topK: small, returnMetadata: "all" as const },
        ]) {
          const { matches } = await f.index.query(query, { ...queryOptions, namespace: f.namespace });
          expect(matches.map((m) => m.id)).toEqual([f.id("only")]);
        }
      },
      timeout,
    );

    it(
      "keeps namespaces apart",
      async () => {
        const f = await fixture();
        const other = `${f.namespace}-b`;
        const shared = randomVector();
        await f.upsert([
          { id: f.id("a1"), values: shared, namespace: f.namespace },
          { id: f.id("a2"), values: randomVector(), namespace: f.namespace },
          { id: f.id("b1"), values: shared, namespace: other },
        ]);
        const inA = await f.index.query(shared, { namespace: f.namespace, topK: 10 });
        expect(inA.matches.map((m) => m.id).sort()).toEqual([f.id("a1"), f.id("a2")]);
        const inB = await f.index.query(shared, { namespace: other, topK: 10 });
        expect(inB.matches.map((m) => m.id)).toEqual([f.id("b1")]);
        const none = await f.index.query(shared, { namespace: `${f.namespace}-empty`, topK: 10 });
        expect(none.matches).toEqual([]);
        const [stored] = await f.index.getByIds([f.id("b1")]);
        expect(stored?.namespace).toBe(other);
      },
      timeout,
    );

    describe("metadata filters", () => {
      // a..g, chosen so each operator splits them differently.
      const rows: Record<string, Record<string, VectorizeVectorMetadata>> = {
        a: { category: "news", rank: 1, flag: true },
        b: { category: "blog", rank: 5, flag: false },
        c: { category: "docs", rank: 10 },
        d: { category: "netflix", rank: 3, flag: true },
        e: { rank: 7 },
        f: { category: "neu", flag: false },
        g: { category: "g", rank: "5" },
      };
      let f: Awaited<ReturnType<typeof fixture>>;
      const query = randomVector();

      beforeAll(async () => {
        f = await fixture();
        await f.upsert(Object.entries(rows).map(([name, metadata]) => ({ id: f.id(name), values: randomVector(), namespace: f.namespace, metadata })));
      }, timeout);

      const cases: [string, VectorizeVectorMetadataFilter, string[]][] = [
        ["implicit $eq", { category: "news" }, ["a"]],
        ["$eq", { category: { $eq: "blog" } }, ["b"]],
        ["$eq on a number is type-strict (assumed)", { rank: 5 }, ["b"]],
        ["$eq on a boolean", { flag: true }, ["a", "d"]],
        ["$ne, missing keys included (assumed)", { category: { $ne: "news" } }, ["b", "c", "d", "e", "f", "g"]],
        ["$ne on a boolean, missing keys included (assumed)", { flag: { $ne: true } }, ["b", "c", "e", "f", "g"]],
        ["$in", { category: { $in: ["news", "docs"] } }, ["a", "c"]],
        ["$nin, missing keys included (assumed)", { category: { $nin: ["news", "docs"] } }, ["b", "d", "e", "f", "g"]],
        ["$lt", { rank: { $lt: 5 } }, ["a", "d"]],
        ["$lte", { rank: { $lte: 5 } }, ["a", "b", "d"]],
        ["$gt", { rank: { $gt: 5 } }, ["c", "e"]],
        ["$gte", { rank: { $gte: 5 } }, ["b", "c", "e"]],
        ["a two-sided numeric range", { rank: { $gte: 3, $lt: 10 } }, ["b", "d", "e"]],
        ["a string prefix range", { category: { $gte: "net", $lt: "neu" } }, ["d"]],
        ["several keys are ANDed", { category: "news", flag: true }, ["a"]],
        ["an AND that nothing satisfies", { category: "news", flag: false }, []],
      ];

      it.each(cases)(
        "%s",
        async (_name, filter, expected) => {
          const { matches } = await f.index.query(query, { namespace: f.namespace, topK: vectorizeLimits.maxTopK, filter });
          expect(matches.map((m) => m.id).sort()).toEqual(expected.map((name) => f.id(name)).sort());
        },
        timeout,
      );
    });

    it(
      "returns values and metadata only at the requested level",
      async () => {
        const f = await fixture();
        const values = randomVector();
        const metadata = { category: "docs", rank: 2, note: "n".repeat(100), nested: { x: 1 } };
        await f.upsert([{ id: f.id("v"), values, namespace: f.namespace, metadata }]);
        const ask = async (extra: VectorizeQueryOptions) => (await f.index.query(values, { namespace: f.namespace, topK: 1, ...extra })).matches[0]!;

        const plain = await ask({});
        expect(plain.id).toBe(f.id("v"));
        expect(plain.values).toBeUndefined();
        expect(plain.metadata).toBeUndefined();
        expect((await ask({ returnMetadata: "none" })).metadata).toBeUndefined();

        const withValues = await ask({ returnValues: true });
        expect(withValues.values).toHaveLength(dimensions);
        Array.from(withValues.values!).forEach((value, i) => expect(value).toBeCloseTo(values[i]!, 5));

        expect((await ask({ returnMetadata: "all" })).metadata).toEqual(metadata);

        const indexed = (await ask({ returnMetadata: "indexed" })).metadata ?? {};
        expect(indexed).toMatchObject({ category: "docs", rank: 2 });
        expect(indexed).not.toHaveProperty("nested");
        if (typeof indexed.note === "string") {
          expect(metadata.note.startsWith(indexed.note)).toBe(true);
          expect(indexed.note.length).toBeLessThanOrEqual(64);
        }
      },
      timeout,
    );

    it(
      "getByIds returns stored values, namespace and metadata, skipping unknown ids",
      async () => {
        const f = await fixture();
        const values = randomVector();
        await f.upsert([{ id: f.id("v"), values, namespace: f.namespace, metadata: { category: "x", rank: 4 } }]);
        const found = await f.index.getByIds([f.id("v"), f.id("unknown")]);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({ id: f.id("v"), namespace: f.namespace, metadata: { category: "x", rank: 4 } });
        Array.from(found[0]!.values).forEach((value, i) => expect(value).toBeCloseTo(values[i]!, 5));
      },
      timeout,
    );

    it(
      "upsert replaces a vector whole: values, namespace and metadata",
      async () => {
        const f = await fixture();
        const other = `${f.namespace}-b`;
        const [first, second] = [randomVector(), randomVector()];
        await f.upsert([{ id: f.id("v"), values: first, namespace: f.namespace, metadata: { category: "old", rank: 1 } }]);
        await f.upsert([{ id: f.id("v"), values: second, namespace: other, metadata: { rank: 2 } }]);
        const [stored] = await f.index.getByIds([f.id("v")]);
        expect(stored?.namespace).toBe(other);
        expect(stored?.metadata).toEqual({ rank: 2 });
        Array.from(stored!.values).forEach((value, i) => expect(value).toBeCloseTo(second[i]!, 5));
        expect((await f.index.query(first, { namespace: f.namespace })).matches).toEqual([]);
        expect((await f.index.query(second, { namespace: other })).matches.map((m) => m.id)).toEqual([f.id("v")]);
      },
      timeout,
    );

    it(
      "insert keeps the existing vector for an id that is already present",
      async () => {
        const f = await fixture();
        const [first, second] = [randomVector(), randomVector()];
        await f.insert([{ id: f.id("v"), values: first, namespace: f.namespace, metadata: { rank: 1 } }]);
        await f.insert([
          { id: f.id("v"), values: second, namespace: f.namespace, metadata: { rank: 2 } },
          { id: f.id("w"), values: second, namespace: f.namespace },
        ]);
        const found = await f.index.getByIds([f.id("v"), f.id("w")]);
        expect(found.map((v) => v.id).sort()).toEqual([f.id("v"), f.id("w")]);
        const kept = found.find((v) => v.id === f.id("v"))!;
        expect(kept.metadata).toEqual({ rank: 1 });
        Array.from(kept.values).forEach((value, i) => expect(value).toBeCloseTo(first[i]!, 5));
      },
      timeout,
    );

    it(
      "deleteByIds removes vectors from queries and getByIds, and ignores unknown ids",
      async () => {
        const f = await fixture();
        const vectors = ["a", "b", "c"].map((name) => ({ id: f.id(name), values: randomVector(), namespace: f.namespace }));
        await f.upsert(vectors);
        await f.deleteByIds([f.id("b"), f.id("never-existed")]);
        expect((await f.index.getByIds(vectors.map((v) => v.id))).map((v) => v.id).sort()).toEqual([f.id("a"), f.id("c")]);
        const { matches } = await f.index.query(vectors[1]!.values, { namespace: f.namespace, topK: 10 });
        expect(matches.map((m) => m.id).sort()).toEqual([f.id("a"), f.id("c")]);
      },
      timeout,
    );

    it(
      "describe reports the dimensions and counts vectors",
      async () => {
        const f = await fixture();
        const before = await f.index.describe();
        expect(describedDimensions(before)).toBe(dimensions);
        await f.upsert(["a", "b", "c"].map((name) => ({ id: f.id(name), values: randomVector(), namespace: f.namespace })));
        await f.upsert([{ id: f.id("a"), values: randomVector(), namespace: f.namespace }]);
        expect(vectorCount(await f.index.describe()) - vectorCount(before)).toBe(3);
        await f.deleteByIds([f.id("a")]);
        expect(vectorCount(await f.index.describe()) - vectorCount(before)).toBe(2);
      },
      timeout,
    );

    it(
      "rejects invalid input",
      async () => {
        const f = await fixture();
        await f.upsert([{ id: f.id("ok"), values: randomVector(), namespace: f.namespace }]);
        const query = randomVector();
        await expect(f.index.query(query.slice(1), { namespace: f.namespace })).rejects.toThrow(/dimension/i);
        await expect(f.index.upsert([{ id: f.id("short"), values: query.slice(1), namespace: f.namespace }])).rejects.toThrow(/dimension/i);
        // 33 two-byte characters: 66 bytes, over the 64-byte id limit.
        await expect(f.index.upsert([{ id: "é".repeat(33), values: query, namespace: f.namespace }])).rejects.toThrow();
        await expect(f.index.query(query, { namespace: f.namespace, topK: vectorizeLimits.maxTopK + 1 })).rejects.toThrow(/top ?K/i);
        const overValues = vectorizeLimits.maxTopKWithValuesOrAllMetadata + 1;
        await expect(f.index.query(query, { namespace: f.namespace, topK: overValues, returnValues: true })).rejects.toThrow(/top ?K/i);
        // The rejected upsert wrote nothing.
        expect(await f.index.getByIds([f.id("short")])).toEqual([]);
      },
      timeout,
    );
  });
}

function vectorCount(info: unknown): number {
  const record = info as { vectorCount?: number; vectorsCount?: number };
  return record.vectorCount ?? record.vectorsCount ?? Number.NaN;
}

/**
 * Vectorize's documented scores for float32-stored vectors, best first:
 * cosine similarity (descending), euclidean distance (ascending) and the
 * negative dot product (ascending).
 */
export function referenceRanking(
  metric: VectorizeDistanceMetric,
  query: ArrayLike<number>,
  vectors: { id: string; values: ArrayLike<number> }[],
): { id: string; score: number }[] {
  const scored = vectors.map(({ id, values }) => {
    let dot = 0;
    let queryNorm = 0;
    let storedNorm = 0;
    let squared = 0;
    for (let j = 0; j < query.length; j++) {
      const stored = Math.fround(values[j]!);
      dot += query[j]! * stored;
      queryNorm += query[j]! * query[j]!;
      storedNorm += stored * stored;
      squared += (query[j]! - stored) ** 2;
    }
    const score = metric === "cosine" ? dot / Math.sqrt(queryNorm * storedNorm) : metric === "euclidean" ? Math.sqrt(squared) : -dot;
    return { id, score };
  });
  const descending = metric === "cosine";
  return scored.sort((a, b) => (descending ? b.score - a.score : a.score - b.score) || (a.id < b.id ? -1 : 1));
}

