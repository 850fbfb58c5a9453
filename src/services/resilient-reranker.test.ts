import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import { CircuitBreaker } from "../core/resilience/circuit-breaker.js";
import { ManualClock } from "../core/resilience/manual-clock.js";
import { ProviderTimeoutError, ProviderUnavailableError } from "../core/resilience/provider-errors.js";
import type { RerankScore, Reranker } from "../ports/reranker.js";
import { defaultRerankPolicy, ResilientReranker } from "./resilient-reranker.js";

/** A reranker that records the signal of each call and answers from `script` ("hang" waits for an abort). */
function scriptedReranker(script: Array<"ok" | "hang" | Error>) {
  const signals: Array<AbortSignal | undefined> = [];
  const reranker: Reranker = {
    model: "r",
    rerank: async (_query, passages, options) => {
      signals.push(options?.signal);
      const next = script[signals.length - 1] ?? "ok";
      if (next === "hang") {
        return new Promise<RerankScore[]>((_, reject) => options?.signal?.addEventListener("abort", () => reject(options.signal!.reason)));
      }
      if (next instanceof Error) throw next;
      return passages.map((_, index) => ({ index, score: -index }));
    },
  };
  return { reranker, signals };
}

describe("ResilientReranker", () => {
  it("aborts a timed-out attempt's call and retries", async () => {
    const clock = new ManualClock();
    const { reranker, signals } = scriptedReranker(["hang", "ok"]);
    const result = new ResilientReranker(reranker, { clock, random: () => 0.5 }).rerank("q", ["a", "b"]);
    expect(await clock.fireNext((delay) => delay === defaultRerankPolicy.attemptTimeoutMs)).toBe(5_000);
    expect(signals[0]?.reason).toBeInstanceOf(ProviderTimeoutError);
    await clock.fireNext((delay) => delay < 5_000);
    expect(await result).toEqual([
      { index: 0, score: -0 },
      { index: 1, score: -1 },
    ]);
    expect(signals).toHaveLength(2);
  });

  it("gives up after its attempts with a ProviderUnavailableError", async () => {
    const clock = new ManualClock();
    const overloaded = new AppError("UPSTREAM_UNAVAILABLE", "reranking model r failed", { details: { status: 503 } });
    const { reranker, signals } = scriptedReranker([overloaded, overloaded, "ok"]);
    const result = new ResilientReranker(reranker, { clock, random: () => 0.5, provider: "workers-ai:r" }).rerank("q", ["a"]).catch((caught: unknown) => caught);
    await clock.fireNext((delay) => delay < 5_000);
    const error = await result;
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ provider: "workers-ai:r", attempts: 2, message: "the reranking model is unavailable; try again later" });
    expect(signals).toHaveLength(2);
  });

  it("stops when the caller aborts, passing the abort down", async () => {
    const clock = new ManualClock();
    const { reranker, signals } = scriptedReranker(["hang", "ok"]);
    const caller = new AbortController();
    const result = new ResilientReranker(reranker, { clock }).rerank("q", ["a"], { signal: caller.signal });
    caller.abort(new Error("search cancelled"));
    await expect(result).rejects.toThrow("search cancelled");
    expect(signals[0]?.aborted).toBe(true);
    expect(signals).toHaveLength(1);
  });

  it("leaves no passages to the inner reranker, even while the breaker is open", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ name: "workers-ai:r", failureThreshold: 1, clock });
    breaker.tryAcquire()!.failure();
    const { reranker } = scriptedReranker([]);
    expect(await new ResilientReranker(reranker, { clock, breaker }).rerank("q", [])).toEqual([]);
    await expect(new ResilientReranker(reranker, { clock, breaker }).rerank("q", ["a"])).rejects.toMatchObject({ breakerOpen: true });
  });
});
