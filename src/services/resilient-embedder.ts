/**
 * An Embedder that puts every call of another one under the resilience layer
 * (core/resilience/retry-runner.ts): a time limit per attempt, retries of
 * retryable failures with full-jitter backoff, an overall deadline, and the
 * provider's circuit breaker. Queries get a short budget (a search is
 * waiting); document batches (ingestion, in a queue consumer) a longer one.
 * When the breaker is open, calls fail at once with a ProviderUnavailableError
 * (UPSTREAM_UNAVAILABLE, details {provider, breaker, attempts,
 * retry_after_seconds}).
 *
 * The Embedder port takes no AbortSignal, so an attempt that times out is
 * abandoned rather than cancelled: the upstream call may still finish, and
 * its result is dropped. `describe()`, `model` and `maxBatchSize` pass through.
 */
import type { CircuitBreaker } from "../core/resilience/circuit-breaker.js";
import type { Clock } from "../core/resilience/clock.js";
import { mergeRetryPolicy, runWithRetry, type RetryInfo, type RetryPolicy } from "../core/resilience/retry-runner.js";
import type { Embedder, EmbedderInfo } from "../ports/embedder.js";

/** Defaults for `embedQuery`: a search waits for it. */
export const defaultEmbedQueryPolicy: Required<RetryPolicy> = {
  maxAttempts: 3,
  attemptTimeoutMs: 5_000,
  deadlineMs: 10_000,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  maxRetryAfterWaitMs: 1_000,
};

/** Defaults for `embedDocuments`: ingestion can wait longer, and beyond that the queue retries later. */
export const defaultEmbedDocumentsPolicy: Required<RetryPolicy> = {
  maxAttempts: 4,
  attemptTimeoutMs: 30_000,
  deadlineMs: 90_000,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterWaitMs: 10_000,
};

export interface ResilientEmbedderOptions {
  /** The provider's breaker (providerBreakers.get(kind, model)); none: retries and timeouts only. */
  breaker?: CircuitBreaker;
  /** Names the provider in errors (default: the breaker's name, else the model). */
  provider?: string;
  /** Overrides for `embedQuery` (defaults: defaultEmbedQueryPolicy). */
  query?: RetryPolicy;
  /** Overrides for `embedDocuments` (defaults: defaultEmbedDocumentsPolicy). */
  documents?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  onRetry?: (info: RetryInfo) => void;
}

export class ResilientEmbedder implements Embedder {
  readonly model: string;
  readonly maxBatchSize: number;
  private readonly provider: string;

  constructor(
    private readonly inner: Embedder,
    private readonly options: ResilientEmbedderOptions = {},
  ) {
    this.model = inner.model;
    this.maxBatchSize = inner.maxBatchSize;
    this.provider = options.provider ?? options.breaker?.name ?? inner.model;
  }

  describe(): Promise<EmbedderInfo> {
    return this.inner.describe();
  }

  embedQuery(text: string): Promise<number[]> {
    return this.run(() => this.inner.embedQuery(text), mergeRetryPolicy(defaultEmbedQueryPolicy, this.options.query));
  }

  embedDocuments(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return this.inner.embedDocuments(texts);
    return this.run(() => this.inner.embedDocuments(texts), mergeRetryPolicy(defaultEmbedDocumentsPolicy, this.options.documents));
  }

  private run<T>(operation: () => Promise<T>, policy: RetryPolicy): Promise<T> {
    const { breaker, clock, random, onRetry } = this.options;
    return runWithRetry(operation, {
      ...policy,
      provider: this.provider,
      what: "embedding model",
      ...(breaker ? { breaker } : {}),
      ...(clock ? { clock } : {}),
      ...(random ? { random } : {}),
      ...(onRetry ? { onRetry } : {}),
    });
  }
}
