/**
 * WorkersAiReranker end to end through the real local stand-in: LocalAi →
 * LOCAL_SERVICES → `POST /ai/run` in the Node host → a transformers.js
 * cross-encoder. The test pool's Node host serves a generated tiny
 * cross-encoder (random weights, `writeTinyCrossEncoder` in vitest.config.ts)
 * as `@local/transformers-reranker/tiny-test`, so these tests check the
 * protocol and plumbing, not ranking quality.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LocalAi } from "../local/local-ai.js";
import { WorkersAiReranker } from "./workers-ai-reranker.js";

const tinyTest = "@local/transformers-reranker/tiny-test";
const passages = [
  "the cat sat on the mat",
  "the quick brown fox jumps over the lazy dog",
  "edge search on a cloud worker",
  "rag is vector search",
  "a dog",
];

function reranker(options?: { maxContextsPerCall?: number }, model = tinyTest) {
  return new WorkersAiReranker(new LocalAi(env.LOCAL_SERVICES!), model, options);
}

describe("WorkersAiReranker with the local stand-in (tiny cross-encoder in Node)", () => {
  it("returns every passage exactly once, best first, with finite scores that tell passages apart", async () => {
    const ranked = await reranker().rerank("where is the cat", passages);
    expect(ranked.map((entry) => entry.index).sort()).toEqual([0, 1, 2, 3, 4]);
    const scores = ranked.map((entry) => entry.score);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(new Set(scores.map((score) => score.toFixed(4))).size).toBe(passages.length);
  });

  it("is deterministic, and the score of a pair does not depend on the other passages or the batching", async () => {
    const whole = await reranker().rerank("lazy fox", passages);
    expect(await reranker().rerank("lazy fox", passages)).toEqual(whole);

    const many = Array.from({ length: 130 }, (_, i) => `${passages[i % passages.length]} ${"cat ".repeat(i % 11)}`.trim());
    const defaultBatches = await reranker().rerank("lazy fox", many); // 100 + 30 contexts per call
    const smallBatches = await reranker({ maxContextsPerCall: 7 }).rerank("lazy fox", many);
    const scoreOf = (ranked: { index: number; score: number }[]) => new Map(ranked.map((entry) => [entry.index, entry.score]));
    const [byDefault, bySmall] = [scoreOf(defaultBatches), scoreOf(smallBatches)];
    expect(byDefault.size).toBe(many.length);
    for (let i = 0; i < many.length; i++) expect(bySmall.get(i)).toBeCloseTo(byDefault.get(i)!, 5);
    // The same text in different calls of one rerank (index 0 and index 110) scores the same.
    expect(many[110]).toBe(many[0]);
    expect(byDefault.get(110)).toBeCloseTo(byDefault.get(0)!, 5);
    // And the same as scored on its own.
    const [alone] = await reranker().rerank("lazy fox", [many[0]!]);
    expect(alone!.score).toBeCloseTo(byDefault.get(0)!, 5);
  });

  it("depends on the query", async () => {
    const first = await reranker().rerank("the cat", passages);
    const second = await reranker().rerank("cloud worker", passages);
    const scoreOf = (ranked: { index: number; score: number }[], index: number) => ranked.find((entry) => entry.index === index)!.score;
    expect(Math.abs(scoreOf(first, 0) - scoreOf(second, 0))).toBeGreaterThan(1e-4);
  });

  it("ranks blank passages last without sending them, and answers [] for no passages", async () => {
    const ranked = await reranker().rerank("the cat", ["", "a dog", " ", "the cat"]);
    expect(ranked.slice(2)).toEqual([
      { index: 0, score: Number.NEGATIVE_INFINITY },
      { index: 2, score: Number.NEGATIVE_INFINITY },
    ]);
    expect(ranked.slice(0, 2).map((entry) => entry.index).sort()).toEqual([1, 3]);
    expect(await reranker().rerank("the cat", [])).toEqual([]);
  });

  it("reports an unknown local reranker as UPSTREAM_UNAVAILABLE, the local error kept as cause", async () => {
    const error = await reranker(undefined, "@local/transformers-reranker/not-there").rerank("x", ["y"]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", message: "reranking model @local/transformers-reranker/not-there failed" });
    expect((error as { cause: Error }).cause.message).toMatch(/UNKNOWN_MODEL/);
    // The local status reaches details, so the resilience layer does not retry a bad request.
    expect((error as { details: unknown }).details).toEqual({ status: 400 });
  });

  it("refuses to serve an embedding model as a reranker", async () => {
    const error = await reranker(undefined, "@local/universal-sentence-encoder").rerank("x", ["y"]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    // The local service's own words stay in the cause chain, out of every message.
    expect((error as { cause: Error }).cause.message).not.toMatch(/is an embedding model/);
    expect((error as { cause: { cause: Error } }).cause.cause.message).toMatch(/is an embedding model, not a reranker/);
  });
});
