import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import { CircuitBreaker } from "../core/resilience/circuit-breaker.js";
import { ManualClock } from "../core/resilience/manual-clock.js";
import { ProviderUnavailableError } from "../core/resilience/provider-errors.js";
import type { Embedder } from "../ports/embedder.js";
import { defaultEmbedDocumentsPolicy, defaultEmbedQueryPolicy, ResilientEmbedder } from "./resilient-embedder.js";

const overloaded = () => new AppError("UPSTREAM_UNAVAILABLE", "the embedding service is unavailable", { details: { status: 503 } });

/** An embedder whose calls play `script` in order: "hang" never settles, an Error is thrown, otherwise a vector. */
function scriptedEmbedder(script: Array<"ok" | "hang" | Error>) {
  const calls: string[] = [];
  const step = async (kind: string) => {
    calls.push(kind);
    const next = script[calls.length - 1] ?? "ok";
    if (next === "hang") return new Promise<never>(() => {});
    if (next instanceof Error) throw next;
  };
  const embedder: Embedder = {
    model: "m#cls",
    maxBatchSize: 7,
    describe: async () => ({ model: "m#cls", dimensions: 2 }),
    embedQuery: async () => (await step("query"), [1, 0]),
    embedDocuments: async (texts) => (await step("documents"), texts.map(() => [0, 1])),
  };
  return { embedder, calls };
}

const clockAndRandom = () => ({ clock: new ManualClock(), random: () => 0.5 });

describe("ResilientEmbedder", () => {
  it("passes model, batch size and describe() through", async () => {
    const { embedder, calls } = scriptedEmbedder([]);
    const resilient = new ResilientEmbedder(embedder);
    expect(resilient.model).toBe("m#cls");
    expect(resilient.maxBatchSize).toBe(7);
    expect(await resilient.describe()).toEqual({ model: "m#cls", dimensions: 2 });
    expect(calls).toEqual([]);
  });

  it("retries a query after a retryable failure", async () => {
    const { clock, random } = clockAndRandom();
    const { embedder, calls } = scriptedEmbedder([overloaded(), "ok"]);
    const result = new ResilientEmbedder(embedder, { clock, random }).embedQuery("q");
    await clock.fireNext((delay) => delay < defaultEmbedQueryPolicy.attemptTimeoutMs);
    expect(await result).toEqual([1, 0]);
    expect(calls).toEqual(["query", "query"]);
  });

  it("gives a query the short time limit and documents the long one", async () => {
    const { clock, random } = clockAndRandom();
    const query = scriptedEmbedder(["hang", "ok"]);
    const queried = new ResilientEmbedder(query.embedder, { clock, random }).embedQuery("q");
    expect(await clock.fireNext((delay) => delay === defaultEmbedQueryPolicy.attemptTimeoutMs)).toBe(5_000);
    await clock.fireNext((delay) => delay < 5_000);
    expect(await queried).toEqual([1, 0]);

    const documents = scriptedEmbedder(["hang", "ok"]);
    const embedded = new ResilientEmbedder(documents.embedder, { clock, random }).embedDocuments(["a", "b"]);
    expect(await clock.fireNext((delay) => delay === defaultEmbedDocumentsPolicy.attemptTimeoutMs)).toBe(30_000);
    await clock.fireNext((delay) => delay < 30_000);
    expect(await embedded).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it("takes configured policies, keeping defaults for unset fields", async () => {
    const { clock, random } = clockAndRandom();
    const { embedder, calls } = scriptedEmbedder(["hang", "ok"]);
    const resilient = new ResilientEmbedder(embedder, { clock, random, query: { attemptTimeoutMs: 750, maxAttempts: undefined } });
    const result = resilient.embedQuery("q");
    expect(await clock.fireNext((delay) => delay === 750)).toBe(750);
    await clock.fireNext((delay) => delay < 750);
    expect(await result).toEqual([1, 0]);
    expect(calls).toHaveLength(2);
  });

  it("does not retry a mismatch", async () => {
    const mismatch = new AppError("EMBEDDER_MISMATCH", "wrong size");
    const { embedder, calls } = scriptedEmbedder([mismatch]);
    await expect(new ResilientEmbedder(embedder, clockAndRandom()).embedDocuments(["a"])).rejects.toBe(mismatch);
    expect(calls).toHaveLength(1);
  });

  it("fails fast while the provider's breaker is open", async () => {
    const { clock, random } = clockAndRandom();
    const breaker = new CircuitBreaker({ name: "workers-ai:m", failureThreshold: 1, cooldownMs: 15_000, clock });
    breaker.tryAcquire()!.failure();
    const { embedder, calls } = scriptedEmbedder([]);
    const error = await new ResilientEmbedder(embedder, { clock, random, breaker }).embedQuery("q").catch((caught: unknown) => caught);
    expect(calls).toEqual([]);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as AppError).toJSON().error).toEqual({
      code: "UPSTREAM_UNAVAILABLE",
      message: "the embedding model is temporarily unavailable after repeated failures; try again later",
      details: { provider: "workers-ai:m", breaker: "open", attempts: 0, retry_after_seconds: 15 },
    });
  });

  it("embeds no documents without a call or a breaker permit", async () => {
    const { clock } = clockAndRandom();
    const breaker = new CircuitBreaker({ name: "x", failureThreshold: 1, clock });
    breaker.tryAcquire()!.failure();
    const { embedder } = scriptedEmbedder([]);
    expect(await new ResilientEmbedder(embedder, { clock, breaker }).embedDocuments([])).toEqual([]);
  });
});
