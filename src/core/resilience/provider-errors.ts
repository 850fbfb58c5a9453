/**
 * The errors the resilience layer raises itself: `ProviderTimeoutError` (our
 * own time limit on a provider call ran out; the abort reason of the call's
 * signal) and `ProviderUnavailableError` (we gave up on a provider: retries
 * spent, deadline reached, or its circuit breaker open). The latter is an
 * AppError (UPSTREAM_UNAVAILABLE, 503) with a safe message and details that
 * say when to come back, so HTTP routes can send Retry-After and queue
 * consumers can delay the message.
 */
import { AppError } from "../errors.js";
import type { BreakerState } from "./circuit-breaker.js";
import { classifyFailure } from "./failure-classification.js";

/** Our own time limit on one provider call ran out. Retryable. */
export class ProviderTimeoutError extends Error {
  readonly provider: string;
  readonly timeoutMs: number;

  constructor(provider: string, timeoutMs: number, what = "call") {
    super(`${provider}: ${what} timed out after ${timeoutMs} ms`);
    this.name = "TimeoutError";
    this.provider = provider;
    this.timeoutMs = timeoutMs;
  }
}

export interface ProviderUnavailableDetails {
  provider: string;
  breaker: BreakerState;
  /** Calls made before giving up (0 when the breaker refused the first). */
  attempts: number;
  retry_after_seconds?: number;
}

/**
 * A provider could not serve the call. Sent to clients as
 * `{"error": {"code": "UPSTREAM_UNAVAILABLE", "message", "details": {provider,
 * breaker, attempts, retry_after_seconds?}}}`; the last provider error is the
 * `cause` (for logs only).
 */
export class ProviderUnavailableError extends AppError {
  readonly provider: string;
  readonly attempts: number;
  /** True when the breaker refuses calls (open, or half-open with its probe slots taken). */
  readonly breakerOpen: boolean;

  constructor(
    message: string,
    options: { provider: string; attempts: number; breaker: BreakerState; breakerOpen?: boolean; retryAfterSeconds?: number; cause?: unknown },
  ) {
    const retryAfterSeconds = options.retryAfterSeconds === undefined ? undefined : Math.max(0, Math.ceil(options.retryAfterSeconds));
    const details: ProviderUnavailableDetails = {
      provider: options.provider,
      breaker: options.breaker,
      attempts: options.attempts,
      ...(retryAfterSeconds === undefined ? {} : { retry_after_seconds: retryAfterSeconds }),
    };
    super("UPSTREAM_UNAVAILABLE", message, {
      cause: options.cause,
      details,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
    this.name = "ProviderUnavailableError";
    this.provider = options.provider;
    this.attempts = options.attempts;
    this.breakerOpen = options.breakerOpen ?? options.breaker !== "closed";
  }
}

/**
 * Whole seconds a caller should wait before retrying after `error`, when the
 * error says: an AppError's `retryAfterSeconds` (set by
 * ProviderUnavailableError: the provider's Retry-After or the breaker's
 * cooldown), or `retry_after_seconds` in its details. Undefined otherwise
 * (use your own backoff).
 */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  if (!(error instanceof AppError)) return undefined;
  const own = error.retryAfterSeconds;
  if (typeof own === "number" && Number.isFinite(own) && own >= 0) return Math.ceil(own);
  if (typeof error.details === "object" && error.details !== null) {
    const value = (error.details as { retry_after_seconds?: unknown }).retry_after_seconds;
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  return undefined;
}

/**
 * Whether `error` means a provider is unavailable for now — down, throttled,
 * timing out, or behind its open circuit breaker — as opposed to refusing the
 * request (a 4xx, a misconfiguration). Callers degrade around the former
 * (keyword-only search, extractive answers, deferred ingestion) and let the
 * latter surface.
 */
export function isProviderUnavailable(error: unknown): boolean {
  if (error instanceof ProviderUnavailableError) return true;
  return error instanceof AppError && error.code === "UPSTREAM_UNAVAILABLE" && classifyFailure(error).retryable;
}
