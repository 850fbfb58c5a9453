/**
 * Runs one provider call with a time limit per attempt, retries on retryable
 * failures with full-jitter backoff, an overall deadline, and a circuit
 * breaker. What it promises:
 *
 * - Each attempt gets its own AbortSignal, aborted when the attempt's time
 *   limit runs out (reason: ProviderTimeoutError) or when the caller's signal
 *   fires (the caller's reason). An attempt that outlives its limit is
 *   abandoned at once even if the operation ignores its signal; a value it
 *   delivers later goes to `discard`.
 * - Retries only what `classify` calls retryable (default: classifyFailure)
 *   and our own timeouts; waits `fullJitterBackoff`, or the provider's
 *   Retry-After when longer. A Retry-After beyond `maxRetryAfterWaitMs`, or
 *   one that would cross the deadline, ends the retries at once and is
 *   reported instead, so a queue can delay the message by it.
 * - The caller's abort is final: no retry, the caller's reason is thrown.
 * - Non-retryable errors are thrown as they are, after one attempt.
 * - With a breaker: a permit is taken before every attempt; a refused permit
 *   fails fast. Successes, retryable failures and timeouts are reported to
 *   the breaker; aborts and non-retryable errors are not (they say nothing
 *   about the provider's health).
 * - Giving up throws ProviderUnavailableError (UPSTREAM_UNAVAILABLE, safe
 *   message) with the provider, attempts made, breaker state and
 *   retryAfterSeconds (the provider's Retry-After or the breaker's cooldown,
 *   whichever is later), the last error as cause.
 *
 * Pure: time, timers and randomness are injected.
 */
import { fullJitterBackoff } from "./backoff.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import { abortReason, sleep, systemClock, type Clock } from "./clock.js";
import { classifyFailure, type FailureVerdict } from "./failure-classification.js";
import { ProviderTimeoutError, ProviderUnavailableError } from "./provider-errors.js";

/** How hard to try. Every field has a default; decorators pick their own. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 3). */
  maxAttempts?: number;
  /** Time limit of one attempt, in ms (default 10 000; Infinity for none). */
  attemptTimeoutMs?: number;
  /** Time limit of all attempts and waits together, in ms (default: none; Infinity for none). */
  deadlineMs?: number;
  /** Backoff ceiling of the first retry, in ms (default 200). */
  baseDelayMs?: number;
  /** Largest backoff ceiling, in ms (default 2 000). */
  maxDelayMs?: number;
  /** Longest provider Retry-After waited for in line, in ms (default 2 000); longer ones give up and report it. */
  maxRetryAfterWaitMs?: number;
}

export const defaultRetryPolicy: Required<Omit<RetryPolicy, "deadlineMs">> & { deadlineMs: number | undefined } = {
  maxAttempts: 3,
  attemptTimeoutMs: 10_000,
  deadlineMs: undefined,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  maxRetryAfterWaitMs: 2_000,
};

/**
 * `defaults` with every field of `overrides` that is not undefined (so an
 * unset configuration value keeps the default; use Infinity for "no limit").
 */
export function mergeRetryPolicy(defaults: Required<RetryPolicy>, overrides: RetryPolicy = {}): Required<RetryPolicy> {
  const merged = { ...defaults };
  for (const key of Object.keys(overrides) as (keyof RetryPolicy)[]) {
    const value = overrides[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

export interface RetryAttempt {
  /** Aborted when this attempt times out or the caller aborts. Pass it to the provider. */
  signal: AbortSignal;
  /** 1 for the first attempt. */
  number: number;
}

export interface RetryInfo {
  provider: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  /** Wait before the next attempt, in ms. */
  delayMs: number;
  verdict: FailureVerdict;
  error: unknown;
}

export interface RetryRunOptions<T> extends RetryPolicy {
  /** Names the provider in errors and details, e.g. the breaker's name. */
  provider: string;
  /** What the provider is, for messages: "the {what} is unavailable" (default "provider"). */
  what?: string;
  breaker?: CircuitBreaker;
  /** The caller's signal: aborting it stops the call and every retry. */
  signal?: AbortSignal;
  clock?: Clock;
  /** Values in [0, 1) (default Math.random). */
  random?: () => number;
  /** Default: classifyFailure. */
  classify?: (error: unknown, nowMs: number) => FailureVerdict;
  /** Receives a value that arrived after its attempt was abandoned, to release it (close a stream...). */
  discard?: (value: T) => void;
  /** Called before each retry (logs, metrics). Exceptions it throws are ignored. */
  onRetry?: (info: RetryInfo) => void;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown; timedOut: boolean; callerAborted: boolean };

/** Runs `operation` under `options` (see the module comment). */
export async function runWithRetry<T>(operation: (attempt: RetryAttempt) => Promise<T>, options: RetryRunOptions<T>): Promise<T> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const classify = options.classify ?? ((error: unknown, nowMs: number) => classifyFailure(error, { nowMs }));
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? defaultRetryPolicy.maxAttempts));
  const attemptTimeoutMs = options.attemptTimeoutMs ?? defaultRetryPolicy.attemptTimeoutMs;
  const backoff = { baseMs: options.baseDelayMs ?? defaultRetryPolicy.baseDelayMs, capMs: options.maxDelayMs ?? defaultRetryPolicy.maxDelayMs };
  const maxRetryAfterWaitMs = options.maxRetryAfterWaitMs ?? defaultRetryPolicy.maxRetryAfterWaitMs;
  const { provider, breaker, signal } = options;
  const what = options.what ?? "provider";
  const deadline = clock.now() + (options.deadlineMs ?? Number.POSITIVE_INFINITY);

  let lastError: unknown;
  let lastVerdict: FailureVerdict | undefined;
  let attempts = 0;

  const giveUp = (): ProviderUnavailableError => {
    const state = breaker?.state ?? "closed";
    const refusing = breaker !== undefined && breaker.retryAfterMs() > 0;
    const waits = [lastVerdict?.retryAfterMs, refusing ? breaker.retryAfterMs() : undefined].filter((ms): ms is number => ms !== undefined);
    const retryAfterMs = waits.length > 0 ? Math.max(...waits) : undefined;
    const message = refusing
      ? `the ${what} is temporarily unavailable after repeated failures; try again later`
      : lastVerdict?.reason === "rate-limited"
        ? `the ${what} is rate limited; try again later`
        : `the ${what} is unavailable; try again later`;
    return new ProviderUnavailableError(message, {
      provider,
      attempts,
      breaker: state,
      breakerOpen: refusing,
      ...(retryAfterMs === undefined ? {} : { retryAfterSeconds: retryAfterMs / 1000 }),
      cause: lastError,
    });
  };

  for (;;) {
    if (signal?.aborted) throw abortReason(signal);
    const permit = breaker?.tryAcquire();
    if (breaker && !permit) throw giveUp();
    const timeoutMs = Math.min(attemptTimeoutMs, deadline - clock.now());
    if (!(timeoutMs > 0)) {
      permit?.release();
      throw giveUp();
    }
    attempts += 1;
    const outcome = await runAttempt(operation, { number: attempts, timeoutMs, provider, clock, signal, discard: options.discard });
    if (outcome.ok) {
      permit?.success();
      return outcome.value;
    }
    if (outcome.callerAborted) {
      permit?.release();
      throw signal ? abortReason(signal) : outcome.error;
    }
    const now = clock.now();
    const verdict: FailureVerdict = outcome.timedOut ? { retryable: true, reason: "timeout" } : classify(outcome.error, now);
    if (!verdict.retryable) {
      permit?.release();
      throw outcome.error;
    }
    permit?.failure(verdict.retryAfterMs === undefined ? {} : { retryAfterMs: verdict.retryAfterMs });
    lastError = outcome.error;
    lastVerdict = verdict;

    if (attempts >= maxAttempts) throw giveUp();
    if (verdict.retryAfterMs !== undefined && verdict.retryAfterMs > maxRetryAfterWaitMs) throw giveUp();
    const delayMs = Math.max(fullJitterBackoff(attempts - 1, backoff, random), verdict.retryAfterMs ?? 0);
    if (now + delayMs >= deadline) throw giveUp();
    if (breaker && breaker.retryAfterMs() > delayMs) throw giveUp(); // our failures opened it: no point waiting here
    try {
      options.onRetry?.({ provider, attempt: attempts, delayMs, verdict, error: outcome.error });
    } catch {
      // Observers must not change the outcome.
    }
    await sleep(clock, delayMs, signal);
  }
}

/** One attempt: the operation raced against its time limit and the caller's signal. */
function runAttempt<T>(
  operation: (attempt: RetryAttempt) => Promise<T>,
  context: { number: number; timeoutMs: number; provider: string; clock: Clock; signal: AbortSignal | undefined; discard: ((value: T) => void) | undefined },
): Promise<Outcome<T>> {
  const { signal, clock } = context;
  const controller = new AbortController();
  return new Promise<Outcome<T>>((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome<T>) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      signal?.removeEventListener("abort", onCallerAbort);
      resolve(outcome);
    };
    const onCallerAbort = () => {
      const reason = abortReason(signal!);
      controller.abort(reason);
      finish({ ok: false, error: reason, timedOut: false, callerAborted: true });
    };
    // An infinite limit (attemptTimeoutMs: Infinity, no deadline) sets no timer.
    const cancelTimer = Number.isFinite(context.timeoutMs)
      ? clock.setTimer(() => {
          const reason = new ProviderTimeoutError(context.provider, context.timeoutMs);
          controller.abort(reason);
          finish({ ok: false, error: reason, timedOut: true, callerAborted: false });
        }, context.timeoutMs)
      : () => {};
    signal?.addEventListener("abort", onCallerAbort, { once: true });

    let pending: Promise<T>;
    try {
      pending = Promise.resolve(operation({ signal: controller.signal, number: context.number }));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => {
        if (settled) {
          try {
            context.discard?.(value);
          } catch {
            // Nothing more to do with an abandoned value.
          }
          return;
        }
        finish({ ok: true, value });
      },
      (error: unknown) => finish({ ok: false, error, timedOut: false, callerAborted: signal?.aborted ?? false }),
    );
  });
}
