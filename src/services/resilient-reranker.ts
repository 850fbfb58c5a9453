/**
 * A Reranker that puts every call of another one under the resilience layer
 * (core/resilience/retry-runner.ts): a short time limit per attempt (the
 * attempt's signal is passed down and aborts the upstream call), few
 * retries, and the provider's circuit breaker; the caller's signal stops
 * everything. When the breaker is open, calls fail at once with a
 * ProviderUnavailableError (UPSTREAM_UNAVAILABLE, details {provider, breaker,
 * attempts, retry_after_seconds}).
 */
import type { CircuitBreaker } from "../core/resilience/circuit-breaker.js";
import type { Clock } from "../core/resilience/clock.js";
import { mergeRetryPolicy, runWithRetry, type RetryInfo, type RetryPolicy } from "../core/resilience/retry-runner.js";
import type { RerankScore, Reranker } from "../ports/reranker.js";

/** Defaults: reranking sits inside a search request. */
export const defaultRerankPolicy: Required<RetryPolicy> = {
  maxAttempts: 2,
  attemptTimeoutMs: 5_000,
  deadlineMs: 8_000,
  baseDelayMs: 100,
  maxDelayMs: 500,
  maxRetryAfterWaitMs: 500,
};

export interface ResilientRerankerOptions {
  /** The provider's breaker (providerBreakers.get(kind, model)); none: retries and timeouts only. */
  breaker?: CircuitBreaker;
  /** Names the provider in errors (default: the breaker's name, else the model). */
  provider?: string;
  /** Overrides of defaultRerankPolicy. */
  policy?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  onRetry?: (info: RetryInfo) => void;
}

export class ResilientReranker implements Reranker {
  readonly model: string;
  private readonly provider: string;

  constructor(
    private readonly inner: Reranker,
    private readonly options: ResilientRerankerOptions = {},
  ) {
    this.model = inner.model;
    this.provider = options.provider ?? options.breaker?.name ?? inner.model;
  }

  rerank(query: string, passages: string[], options: { signal?: AbortSignal } = {}): Promise<RerankScore[]> {
    if (passages.length === 0) return this.inner.rerank(query, passages, options);
    const { breaker, clock, random, onRetry } = this.options;
    return runWithRetry(({ signal }) => this.inner.rerank(query, passages, { signal }), {
      ...mergeRetryPolicy(defaultRerankPolicy, this.options.policy),
      provider: this.provider,
      what: "reranking model",
      ...(options.signal ? { signal: options.signal } : {}),
      ...(breaker ? { breaker } : {}),
      ...(clock ? { clock } : {}),
      ...(random ? { random } : {}),
      ...(onRetry ? { onRetry } : {}),
    });
  }
}
