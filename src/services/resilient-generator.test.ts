import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import { CircuitBreaker } from "../core/resilience/circuit-breaker.js";
import { ManualClock } from "../core/resilience/manual-clock.js";
import { ProviderTimeoutError, ProviderUnavailableError } from "../core/resilience/provider-errors.js";
import type { GenerationEvent, GenerationRequest, Generator } from "../ports/generator.js";
import { ResilientGenerator, type GenerationPolicy } from "./resilient-generator.js";

const firstEventTimeoutMs = 1_000;
const idleTimeoutMs = 5_000;
const policy: GenerationPolicy = { firstEventTimeoutMs, idleTimeoutMs, maxAttempts: 2, baseDelayMs: 200, deadlineMs: 60_000 };
const isBackoff = (delay: number) => delay < firstEventTimeoutMs;

const overloaded = () => new AppError("UPSTREAM_UNAVAILABLE", "the language model is unavailable", { details: { status: 503 } });

/** A promise the test or a script resolves by hand. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((ok) => (resolve = ok));
  return { promise, resolve };
}

/** Rejects with the signal's reason once it fires. */
function aborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

type Script = (signal: AbortSignal | undefined) => AsyncGenerator<GenerationEvent>;

/** A generator whose n-th call plays `scripts[n]`, recording each call's signal. */
function scriptedGenerator(scripts: Script[]) {
  const signals: Array<AbortSignal | undefined> = [];
  const generator: Generator = {
    model: "llm",
    generate(request: GenerationRequest) {
      signals.push(request.signal);
      const script = scripts[signals.length - 1];
      if (!script) throw new Error("no script for this call");
      return script(request.signal);
    },
  };
  return { generator, signals };
}

const request = (signal?: AbortSignal): GenerationRequest => ({ messages: [{ role: "user", content: "q" }], question: "q", sources: [], ...(signal ? { signal } : {}) });

async function collect(stream: AsyncIterable<GenerationEvent>, seen: string[] = []): Promise<string[]> {
  for await (const event of stream) if (event.type === "text") seen.push(event.text);
  return seen;
}

function setup(scripts: Script[], extra: { breaker?: CircuitBreaker } = {}) {
  const clock = new ManualClock();
  const { generator, signals } = scriptedGenerator(scripts);
  const resilient = new ResilientGenerator(generator, { clock, random: () => 0.5, policy, ...extra });
  return { clock, signals, resilient };
}

describe("ResilientGenerator", () => {
  it("retries a failure that comes before the first event", async () => {
    const { clock, signals, resilient } = setup([
      async function* () {
        throw overloaded();
      },
      async function* () {
        yield { type: "text", text: "Hello" };
        yield { type: "text", text: " world" };
      },
    ]);
    const answer = collect(resilient.generate(request()));
    expect(await clock.fireNext(isBackoff)).toBe(100);
    expect(await answer).toEqual(["Hello", " world"]);
    expect(signals).toHaveLength(2);
  });

  it("does not retry once text went out: the error propagates as it is", async () => {
    const midStream = overloaded();
    const { signals, resilient } = setup([
      async function* () {
        yield { type: "text", text: "Half an" };
        throw midStream;
      },
      async function* () {
        yield { type: "text", text: "never" };
      },
    ]);
    const seen: string[] = [];
    await expect(collect(resilient.generate(request()), seen)).rejects.toBe(midStream);
    expect(seen).toEqual(["Half an"]);
    expect(signals).toHaveLength(1);
  });

  it("aborts the upstream when the first event is late, then retries", async () => {
    const { clock, signals, resilient } = setup([
      async function* (signal) {
        await aborted(signal);
      },
      async function* () {
        yield { type: "text", text: "on time" };
      },
    ]);
    const answer = collect(resilient.generate(request()));
    expect(await clock.fireNext((delay) => delay === firstEventTimeoutMs)).toBe(firstEventTimeoutMs);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(ProviderTimeoutError);
    await clock.fireNext(isBackoff);
    expect(await answer).toEqual(["on time"]);
    expect(signals[1]!.aborted).toBe(false);
  });

  it("gives up with a ProviderUnavailableError when every attempt is late", async () => {
    const late: Script = async function* (signal) {
      await aborted(signal);
    };
    const { clock, resilient } = setup([late, late]);
    const answer = collect(resilient.generate(request())).catch((error: unknown) => error);
    await clock.fireNext((delay) => delay === firstEventTimeoutMs);
    await clock.fireNext(isBackoff);
    await clock.fireNext((delay) => delay === firstEventTimeoutMs);
    const error = await answer;
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ attempts: 2, message: "the language model is unavailable; try again later" });
  });

  it("aborts the upstream and fails sanitised when the stream goes quiet", async () => {
    const { clock, signals, resilient } = setup([
      async function* (signal) {
        yield { type: "text", text: "Start" };
        await aborted(signal);
      },
    ]);
    const seen: string[] = [];
    const answer = collect(resilient.generate(request()), seen).catch((error: unknown) => error);
    expect(await clock.fireNext((delay) => delay === idleTimeoutMs)).toBe(idleTimeoutMs);
    const error = await answer;
    expect(seen).toEqual(["Start"]);
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", message: "the language model stopped responding" });
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(ProviderTimeoutError);
    expect(signals).toHaveLength(1);
  });

  it("honours the caller's signal after the first event", async () => {
    const caller = new AbortController();
    const waiting = deferred();
    const { signals, resilient } = setup([
      async function* (signal) {
        yield { type: "text", text: "Start" };
        waiting.resolve(); // the consumer asked for the second event
        await aborted(signal);
      },
    ]);
    const seen: string[] = [];
    const answer = collect(resilient.generate(request(caller.signal)), seen).catch((error: unknown) => error);
    await waiting.promise;
    expect(seen).toEqual(["Start"]);
    const reason = new Error("client left");
    caller.abort(reason);
    expect(await answer).toBe(reason);
    expect(signals[0]!.aborted).toBe(true);
  });

  it("does not retry when the caller aborts before the first event", async () => {
    const caller = new AbortController();
    const started = deferred();
    const { signals, resilient } = setup([
      async function* (signal) {
        started.resolve();
        await aborted(signal);
      },
      async function* () {
        yield { type: "text", text: "never" };
      },
    ]);
    const answer = collect(resilient.generate(request(caller.signal))).catch((error: unknown) => error);
    await started.promise;
    const reason = new DOMException("the rewriter's time limit ran out", "TimeoutError"); // retryable if it were ours
    caller.abort(reason);
    expect(await answer).toBe(reason);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
  });

  it("aborts the upstream when the consumer stops early", async () => {
    let finished = false;
    const { signals, resilient } = setup([
      async function* () {
        try {
          yield { type: "text", text: "one" };
          yield { type: "text", text: "two" };
        } finally {
          finished = true;
        }
      },
    ]);
    for await (const event of resilient.generate(request())) {
      expect(event).toEqual({ type: "text", text: "one" });
      break;
    }
    expect(signals[0]!.aborted).toBe(true);
    await Promise.resolve();
    expect(finished).toBe(true);
  });

  it("passes usage events and an empty stream through", async () => {
    const { resilient } = setup([
      async function* () {
        yield { type: "usage", usage: { total_tokens: 3 } };
      },
      async function* () {},
    ]);
    const events: GenerationEvent[] = [];
    for await (const event of resilient.generate(request())) events.push(event);
    expect(events).toEqual([{ type: "usage", usage: { total_tokens: 3 } }]);
    expect(await collect(resilient.generate(request()))).toEqual([]);
  });

  it("does not retry a non-retryable failure", async () => {
    const misconfigured = new AppError("MISCONFIGURED", "the language model rejected the configured credentials");
    const { signals, resilient } = setup([
      async function* () {
        throw misconfigured;
      },
    ]);
    await expect(collect(resilient.generate(request()))).rejects.toBe(misconfigured);
    expect(signals).toHaveLength(1);
  });

  it("fails fast while the breaker is open, and counts the first event as the breaker's success", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ name: "openai:llm", failureThreshold: 1, cooldownMs: 10_000, clock });
    breaker.tryAcquire()!.failure();
    const { generator, signals } = scriptedGenerator([
      async function* () {
        yield { type: "text", text: "back" };
      },
    ]);
    const resilient = new ResilientGenerator(generator, { clock, breaker, policy });
    await expect(collect(resilient.generate(request()))).rejects.toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      details: { provider: "openai:llm", breaker: "open", retry_after_seconds: 10 },
    });
    expect(signals).toHaveLength(0);
    clock.advance(10_000);
    expect(await collect(resilient.generate(request()))).toEqual(["back"]);
    expect(breaker.state).toBe("closed");
  });
});
