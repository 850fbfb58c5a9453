import { describe, expect, it, vi } from "vitest";
import { AppError } from "../errors.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { ManualClock } from "./manual-clock.js";
import { ProviderTimeoutError, ProviderUnavailableError, retryAfterSecondsOf } from "./provider-errors.js";
import { mergeRetryPolicy, runWithRetry, type RetryAttempt, type RetryInfo, type RetryRunOptions } from "./retry-runner.js";

const attemptTimeoutMs = 60_000;
/** Backoff timers are the ones shorter than the attempt time limit. */
const isBackoff = (delayMs: number) => delayMs < attemptTimeoutMs;

const unavailable = (status = 503, retryAfter?: string) =>
  new AppError("UPSTREAM_UNAVAILABLE", "the service is unavailable", { details: { status, ...(retryAfter ? { retryAfter } : {}) } });

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

function setup(overrides: Partial<RetryRunOptions<string>> = {}) {
  const clock = new ManualClock(1_000_000);
  const retries: RetryInfo[] = [];
  const options: RetryRunOptions<string> = {
    provider: "test:model",
    what: "test model",
    clock,
    random: () => 0.5,
    attemptTimeoutMs,
    baseDelayMs: 200,
    maxDelayMs: 10_000,
    maxRetryAfterWaitMs: 5_000,
    onRetry: (info) => retries.push(info),
    ...overrides,
  };
  return { clock, options, retries };
}

/** An operation that plays `script` in order: an Error is thrown, a string returned. */
function scripted(script: Array<string | Error>) {
  const attempts: RetryAttempt[] = [];
  const operation = vi.fn(async (attempt: RetryAttempt) => {
    attempts.push(attempt);
    const step = script[attempts.length - 1];
    if (step === undefined) throw new Error("script ran out");
    if (step instanceof Error) throw step;
    return step;
  });
  return { operation, attempts };
}

describe("runWithRetry", () => {
  it("retries retryable failures with full-jitter backoff, then succeeds", async () => {
    const { clock, options, retries } = setup();
    const { operation } = scripted([unavailable(), unavailable(502), "ok"]);
    const result = runWithRetry(operation, options);
    expect(await clock.fireNext(isBackoff)).toBe(100); // 0.5 * 200
    expect(await clock.fireNext(isBackoff)).toBe(200); // 0.5 * 400
    await expect(result).resolves.toBe("ok");
    expect(operation).toHaveBeenCalledTimes(3);
    expect(retries.map((retry) => [retry.attempt, retry.delayMs, retry.verdict.reason])).toEqual([
      [1, 100, "server-error"],
      [2, 200, "server-error"],
    ]);
  });

  it("throws a non-retryable error as it is, after one call", async () => {
    const { options } = setup();
    const misconfigured = new AppError("MISCONFIGURED", "bad key", { details: { status: 401 } });
    const { operation } = scripted([misconfigured, "never"]);
    await expect(runWithRetry(operation, options)).rejects.toBe(misconfigured);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it("gives up after maxAttempts with a ProviderUnavailableError that says who and how often", async () => {
    const { clock, options } = setup({ maxAttempts: 2 });
    const last = unavailable();
    const { operation } = scripted([unavailable(), last, "never"]);
    const result = runWithRetry(operation, options).catch((error: unknown) => error);
    await clock.fireNext(isBackoff);
    const error = (await result) as ProviderUnavailableError;
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", provider: "test:model", attempts: 2, breakerOpen: false, message: "the test model is unavailable; try again later" });
    expect(error.retryAfterSeconds).toBeUndefined();
    expect(error.cause).toBe(last);
    expect(error.details).toEqual({ provider: "test:model", breaker: "closed", attempts: 2 });
    expect(operation).toHaveBeenCalledTimes(2);
  });

  it("times out an attempt, aborts its signal and retries", async () => {
    const { clock, options, retries } = setup({ attemptTimeoutMs: 1_000 });
    const hanging = deferred<string>();
    const signals: AbortSignal[] = [];
    const operation = vi.fn(async ({ signal }: RetryAttempt) => {
      signals.push(signal);
      return signals.length === 1 ? hanging.promise : "second";
    });
    const result = runWithRetry(operation, options);
    expect(await clock.fireNext((delay) => delay === 1_000)).toBe(1_000); // the first attempt's time limit
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(ProviderTimeoutError);
    await clock.fireNext((delay) => delay < 1_000); // backoff
    await expect(result).resolves.toBe("second");
    expect(retries[0]!.verdict.reason).toBe("timeout");
    expect(signals[1]!.aborted).toBe(false);
  });

  it("hands a value that arrives after its attempt timed out to discard", async () => {
    const discarded: string[] = [];
    const { clock, options } = setup({ attemptTimeoutMs: 1_000, discard: (value) => discarded.push(value) });
    const late = deferred<string>();
    let calls = 0;
    const result = runWithRetry(async () => (++calls === 1 ? late.promise : "fresh"), options);
    await clock.fireNext((delay) => delay === 1_000);
    await clock.fireNext((delay) => delay < 1_000);
    await expect(result).resolves.toBe("fresh");
    late.resolve("stale");
    await late.promise;
    await Promise.resolve();
    expect(discarded).toEqual(["stale"]);
  });

  it("stops at once when the caller aborts during an attempt, aborting the attempt, with no retry", async () => {
    const { options, clock, retries } = setup();
    const breaker = new CircuitBreaker({ name: "test:model", failureThreshold: 1, clock });
    const caller = new AbortController();
    const hanging = deferred<string>();
    let attemptSignal: AbortSignal | undefined;
    const operation = vi.fn(async ({ signal }: RetryAttempt) => {
      attemptSignal = signal;
      return hanging.promise;
    });
    const result = runWithRetry(operation, { ...options, breaker, signal: caller.signal });
    expect(attemptSignal).toBeDefined(); // the first attempt starts synchronously
    // A caller's own time limit (AbortSignal.timeout) fires with a TimeoutError: still final, never retried.
    const reason = new DOMException("The caller's time limit ran out", "TimeoutError");
    caller.abort(reason);
    await expect(result).rejects.toBe(reason);
    expect(attemptSignal!.aborted).toBe(true);
    expect(operation).toHaveBeenCalledTimes(1);
    expect(retries).toEqual([]);
    expect(breaker.state).toBe("closed"); // the caller leaving says nothing about the provider
  });

  it("stops when the caller aborts during the backoff wait", async () => {
    const { clock, options } = setup();
    const caller = new AbortController();
    const { operation } = scripted([unavailable(), "never"]);
    const result = runWithRetry(operation, { ...options, signal: caller.signal });
    await clock.untilTimer(isBackoff);
    caller.abort(new Error("bye"));
    await expect(result).rejects.toThrow("bye");
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it("does not retry an error thrown after the caller aborted, and does not start when already aborted", async () => {
    const { options } = setup();
    const caller = new AbortController();
    const gone = new Error("gone");
    const operation = vi.fn(async () => {
      caller.abort(gone);
      throw unavailable(); // retryable on its own
    });
    await expect(runWithRetry(operation, { ...options, signal: caller.signal })).rejects.toBe(gone);
    expect(operation).toHaveBeenCalledTimes(1);
    await expect(runWithRetry(operation, { ...options, signal: caller.signal })).rejects.toBe(gone);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it("waits for a short Retry-After instead of the backoff", async () => {
    const { clock, options } = setup();
    const { operation } = scripted([unavailable(429, "3"), "ok"]);
    const result = runWithRetry(operation, options);
    expect(await clock.fireNext(isBackoff)).toBe(3_000);
    await expect(result).resolves.toBe("ok");
  });

  it("gives up at once on a Retry-After longer than it may wait, and reports it", async () => {
    const { options } = setup({ maxRetryAfterWaitMs: 5_000 });
    const { operation } = scripted([unavailable(429, "120"), "never"]);
    const error = (await runWithRetry(operation, options).catch((caught: unknown) => caught)) as ProviderUnavailableError;
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.retryAfterSeconds).toBe(120);
    expect(retryAfterSecondsOf(error)).toBe(120);
    expect(error.message).toBe("the test model is rate limited; try again later");
    expect(error.details).toMatchObject({ retry_after_seconds: 120, attempts: 1 });
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it("gives up when the next wait would cross the deadline", async () => {
    const { clock, options } = setup({ deadlineMs: 250, maxAttempts: 10 });
    const { operation } = scripted([unavailable(), unavailable(), unavailable(), "never"]);
    const result = runWithRetry(operation, options).catch((error: unknown) => error);
    // Each attempt's time limit is cut to the deadline (250 at first), so pick the backoff timer by its length.
    expect(await clock.fireNext((delay) => delay === 100)).toBe(100); // t = 100; the next wait (200) would end at 300 > 250
    const error = await result;
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(operation).toHaveBeenCalledTimes(2);
  });

  it("shortens the last attempt's time limit to the deadline", async () => {
    const { clock, options } = setup({ deadlineMs: 5_000 });
    const operation = vi.fn(() => new Promise<string>(() => {}));
    const result = runWithRetry(operation, options).catch((error: unknown) => error);
    expect(await clock.fireNext()).toBe(5_000);
    expect(await result).toBeInstanceOf(ProviderUnavailableError);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  describe("with a circuit breaker", () => {
    const breakerFor = (clock: ManualClock, failureThreshold = 2) =>
      new CircuitBreaker({ name: "test:model", failureThreshold, windowMs: 60_000, cooldownMs: 30_000, clock });

    it("fails fast without calling while the breaker is open", async () => {
      const { clock, options } = setup();
      const breaker = breakerFor(clock);
      breaker.tryAcquire()!.failure();
      breaker.tryAcquire()!.failure();
      clock.advance(10_000);
      const operation = vi.fn(async () => "never");
      const error = (await runWithRetry(operation, { ...options, breaker }).catch((caught: unknown) => caught)) as ProviderUnavailableError;
      expect(operation).not.toHaveBeenCalled();
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", breakerOpen: true, attempts: 0, retryAfterSeconds: 20 });
      expect(error.toJSON()).toEqual({
        error: {
          code: "UPSTREAM_UNAVAILABLE",
          message: "the test model is temporarily unavailable after repeated failures; try again later",
          details: { provider: "test:model", breaker: "open", attempts: 0, retry_after_seconds: 20 },
        },
      });
    });

    it("stops retrying when its own failures open the breaker", async () => {
      const { clock, options } = setup({ maxAttempts: 5 });
      const breaker = breakerFor(clock);
      const { operation } = scripted([unavailable(), unavailable(), "never"]);
      const result = runWithRetry(operation, { ...options, breaker }).catch((error: unknown) => error);
      await clock.fireNext(isBackoff);
      const error = (await result) as ProviderUnavailableError;
      expect(operation).toHaveBeenCalledTimes(2);
      expect(error).toMatchObject({ breakerOpen: true, retryAfterSeconds: 30 });
      expect(breaker.state).toBe("open");
    });

    it("does not count non-retryable failures or aborts against the provider", async () => {
      const { options, clock } = setup();
      const breaker = breakerFor(clock, 1);
      const { operation } = scripted([new AppError("BAD_REQUEST", "no")]);
      await expect(runWithRetry(operation, { ...options, breaker })).rejects.toMatchObject({ code: "BAD_REQUEST" });
      const caller = new AbortController();
      caller.abort();
      await expect(runWithRetry(operation, { ...options, breaker, signal: caller.signal })).rejects.toBeDefined();
      expect(breaker.state).toBe("closed");
    });

    it("sends one probe when half-open; its success closes the breaker", async () => {
      const { clock, options } = setup();
      const breaker = breakerFor(clock);
      breaker.tryAcquire()!.failure();
      breaker.tryAcquire()!.failure();
      clock.advance(30_000);
      const probe = deferred<string>();
      const first = runWithRetry(() => probe.promise, { ...options, breaker });
      await expect(runWithRetry(async () => "second", { ...options, breaker })).rejects.toMatchObject({ breakerOpen: true, details: { breaker: "half-open" } });
      probe.resolve("probed");
      await expect(first).resolves.toBe("probed");
      expect(breaker.state).toBe("closed");
    });
  });
});

describe("mergeRetryPolicy", () => {
  it("keeps defaults for fields left undefined", () => {
    const defaults = { maxAttempts: 3, attemptTimeoutMs: 5_000, deadlineMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterWaitMs: 1_000 };
    expect(mergeRetryPolicy(defaults, { maxAttempts: 5, attemptTimeoutMs: undefined })).toEqual({ ...defaults, maxAttempts: 5 });
  });
});
