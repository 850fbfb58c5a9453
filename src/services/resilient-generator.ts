/**
 * A Generator that puts another one under the resilience layer. A stream
 * cannot be replayed once text went out, so:
 *
 * - Until the first event arrives, the call is an ordinary retried call
 *   (core/resilience/retry-runner.ts): `firstEventTimeoutMs` per attempt,
 *   retries of retryable failures with full-jitter backoff, an overall
 *   `deadlineMs`, the provider's circuit breaker (the first event counts as
 *   the breaker's success). A timed-out attempt's upstream is aborted.
 * - After the first event nothing is retried: errors propagate as the inner
 *   generator raised them. Between events, `idleTimeoutMs` bounds the wait;
 *   when it runs out the upstream is aborted and the stream fails with
 *   UPSTREAM_UNAVAILABLE ("the language model stopped responding").
 * - The caller's `request.signal` is honoured throughout: the upstream is
 *   aborted and the caller's reason is thrown, never retried.
 * - When the consumer stops early (break / return()), the upstream is
 *   aborted.
 * - When the breaker is open, generation fails at once with a
 *   ProviderUnavailableError (UPSTREAM_UNAVAILABLE, details {provider,
 *   breaker, attempts, retry_after_seconds}).
 */
import { AppError } from "../core/errors.js";
import type { CircuitBreaker } from "../core/resilience/circuit-breaker.js";
import { abortReason, systemClock, type Clock } from "../core/resilience/clock.js";
import { ProviderTimeoutError } from "../core/resilience/provider-errors.js";
import { runWithRetry, type RetryInfo } from "../core/resilience/retry-runner.js";
import type { GenerationEvent, GenerationRequest, Generator } from "../ports/generator.js";

export interface GenerationPolicy {
  /** Attempts in all, before the first event (default 2). */
  maxAttempts?: number;
  /** Time limit for the first event of one attempt, in ms (default 20 000; Infinity for none). */
  firstEventTimeoutMs?: number;
  /** Time limit between two events after the first, in ms (default 30 000; 0 or Infinity for none). */
  idleTimeoutMs?: number;
  /** Time limit of all attempts until the first event, in ms (default 30 000; Infinity for none). */
  deadlineMs?: number;
  /** Backoff ceiling of the first retry, in ms (default 250). */
  baseDelayMs?: number;
  /** Largest backoff ceiling, in ms (default 2 000). */
  maxDelayMs?: number;
  /** Longest provider Retry-After waited for in line, in ms (default 2 000). */
  maxRetryAfterWaitMs?: number;
}

/** Defaults for answering (chat). */
export const defaultGenerationPolicy: Required<GenerationPolicy> = {
  maxAttempts: 2,
  firstEventTimeoutMs: 20_000,
  idleTimeoutMs: 30_000,
  deadlineMs: 30_000,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  maxRetryAfterWaitMs: 2_000,
};

/**
 * A suggested policy for the query rewriter's model calls: one quick try
 * within the rewriter's own 4 s budget (it falls back to rules on failure).
 */
export const queryRewriteGenerationPolicy: Required<GenerationPolicy> = {
  maxAttempts: 1,
  firstEventTimeoutMs: 4_000,
  idleTimeoutMs: 4_000,
  deadlineMs: 4_000,
  baseDelayMs: 100,
  maxDelayMs: 500,
  maxRetryAfterWaitMs: 0,
};

export interface ResilientGeneratorOptions {
  /** The provider's breaker (providerBreakers.get(kind, model)); none: retries and timeouts only. */
  breaker?: CircuitBreaker;
  /** Names the provider in errors (default: the breaker's name, else the model). */
  provider?: string;
  /** Overrides of defaultGenerationPolicy (undefined fields keep the default). */
  policy?: GenerationPolicy;
  clock?: Clock;
  random?: () => number;
  onRetry?: (info: RetryInfo) => void;
}

/** An upstream stream whose first event has arrived. */
interface Started {
  iterator: AsyncIterator<GenerationEvent>;
  first: IteratorResult<GenerationEvent>;
  upstream: AbortController;
  /** Stops following the caller's signal. */
  detach(): void;
  /** Aborts the upstream and closes the iterator without waiting for it. */
  stop(): void;
}

export class ResilientGenerator implements Generator {
  readonly model: string;
  private readonly provider: string;
  private readonly policy: Required<GenerationPolicy>;
  private readonly clock: Clock;

  constructor(
    private readonly inner: Generator,
    private readonly options: ResilientGeneratorOptions = {},
  ) {
    this.model = inner.model;
    this.provider = options.provider ?? options.breaker?.name ?? inner.model;
    this.policy = { ...defaultGenerationPolicy };
    for (const [key, value] of Object.entries(options.policy ?? {}) as [keyof GenerationPolicy, number | undefined][]) {
      if (value !== undefined) this.policy[key] = value;
    }
    this.clock = options.clock ?? systemClock;
  }

  async *generate(request: GenerationRequest): AsyncGenerator<GenerationEvent> {
    const caller = request.signal;
    const { breaker, random, onRetry } = this.options;
    const policy = this.policy;
    const started = await runWithRetry<Started>(({ signal }) => this.start(request, signal), {
      maxAttempts: policy.maxAttempts,
      attemptTimeoutMs: policy.firstEventTimeoutMs,
      deadlineMs: policy.deadlineMs,
      baseDelayMs: policy.baseDelayMs,
      maxDelayMs: policy.maxDelayMs,
      maxRetryAfterWaitMs: policy.maxRetryAfterWaitMs,
      provider: this.provider,
      what: "language model",
      clock: this.clock,
      discard: (late) => late.stop(),
      ...(caller ? { signal: caller } : {}),
      ...(breaker ? { breaker } : {}),
      ...(random ? { random } : {}),
      ...(onRetry ? { onRetry } : {}),
    });

    let finished = false;
    try {
      let current = started.first;
      while (!current.done) {
        yield current.value;
        current = await this.next(started, caller);
      }
      finished = true;
    } finally {
      started.detach();
      if (!finished) started.stop();
    }
  }

  /** Starts the inner stream under `attemptSignal` and waits for its first event. */
  private async start(request: GenerationRequest, attemptSignal: AbortSignal): Promise<Started> {
    const caller = request.signal;
    const upstream = new AbortController();
    const onAttemptAbort = () => upstream.abort(abortReason(attemptSignal));
    const onCallerAbort = () => upstream.abort(abortReason(caller!));
    attemptSignal.addEventListener("abort", onAttemptAbort, { once: true });
    caller?.addEventListener("abort", onCallerAbort, { once: true });
    const detach = () => caller?.removeEventListener("abort", onCallerAbort);
    let iterator: AsyncIterator<GenerationEvent> | undefined;
    const stop = () => {
      detach();
      if (!upstream.signal.aborted) upstream.abort(new DOMException("The generation was stopped.", "AbortError"));
      try {
        void iterator?.return?.()?.catch(() => {});
      } catch {
        // Closing is best effort; the abort already stopped the upstream.
      }
    };
    try {
      if (attemptSignal.aborted) onAttemptAbort();
      if (caller?.aborted) onCallerAbort();
      iterator = this.inner.generate({ ...request, signal: upstream.signal })[Symbol.asyncIterator]();
      const first = await iterator.next();
      return { iterator, first, upstream, detach, stop };
    } catch (error) {
      detach();
      if (!upstream.signal.aborted) upstream.abort(new DOMException("The generation failed.", "AbortError"));
      throw error;
    } finally {
      attemptSignal.removeEventListener("abort", onAttemptAbort);
    }
  }

  /** The next event, within the idle time limit and the caller's signal. */
  private next(started: Started, caller: AbortSignal | undefined): Promise<IteratorResult<GenerationEvent>> {
    const pending = started.iterator.next();
    const idleMs = this.policy.idleTimeoutMs;
    const limited = idleMs > 0 && Number.isFinite(idleMs);
    if (!limited && !caller) return pending;
    return new Promise<IteratorResult<GenerationEvent>>((resolve, reject) => {
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        cancelTimer();
        caller?.removeEventListener("abort", onCallerAbort);
        settle();
      };
      const onCallerAbort = () => finish(() => reject(abortReason(caller!)));
      const cancelTimer = limited
        ? this.clock.setTimer(() => {
            const reason = new ProviderTimeoutError(this.provider, idleMs, "wait for the next event");
            started.upstream.abort(reason);
            finish(() => reject(new AppError("UPSTREAM_UNAVAILABLE", "the language model stopped responding", { cause: reason, details: { provider: this.provider } })));
          }, idleMs)
        : () => {};
      caller?.addEventListener("abort", onCallerAbort, { once: true });
      if (caller?.aborted) onCallerAbort();
      pending.then(
        (result) => finish(() => resolve(result)),
        (error: unknown) => finish(() => reject(error)),
      );
    });
  }
}
