/**
 * What to do with a queue message whose work failed:
 *
 * - permanent (bad input, a document with no text, a provider refusing the
 *   request with a 4xx): ack, and mark the document failed with a reason safe
 *   to show;
 * - a provider is unavailable (the embedding model answered 429/5xx, failed
 *   to connect, timed out, or its circuit breaker is open): *defer* — send the
 *   message again with a delay (honouring the provider's Retry-After) and ack
 *   the original, so an outage does not burn the message's retry budget and
 *   the document is not failed early; after `maxDeferrals` it falls back to
 *   ordinary retries;
 * - anything else (a D1 error, a crash): retry with exponential backoff until
 *   the queue's max_retries sends it to the dead-letter queue.
 */
import { AppError, isPermanent, PermanentError } from "../../core/errors.js";
import { isProviderUnavailable } from "../../core/resilience/provider-errors.js";

export type FailureKind = "permanent" | "provider" | "transient";

export function classifyFailure(error: unknown): FailureKind {
  if (isPermanent(error) || providerRefused(error)) return "permanent";
  if (isProviderUnavailable(error)) return "provider";
  return "transient";
}

/**
 * A provider that refused this document's request itself (400, 413, 422:
 * e.g. Workers AI's "input too large"): retrying the same document cannot
 * help. (Credentials or a model name that are wrong, 401/403/404, fail every
 * document alike: those are retried until the configuration is fixed.)
 */
function providerRefused(error: unknown): boolean {
  if (!(error instanceof AppError) || error.code !== "UPSTREAM_UNAVAILABLE") return false;
  const status = (error.details as { status?: unknown } | undefined)?.status;
  // Not 401/403/404: a rotated key or a misnamed model is the deployment's fault, and fixing it must not need a replay.
  return status === 400 || status === 413 || status === 422;
}

/** Seconds a provider asked us to wait (Retry-After, or an open breaker's remaining time), if it said. */
export function retryAfterOf(error: unknown): number | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof AppError) {
      const seconds = current.retryAfterSeconds ?? secondsIn(current.details);
      if (seconds !== undefined) return seconds;
    }
  }
  return undefined;
}

function secondsIn(details: unknown): number | undefined {
  if (!details || typeof details !== "object") return undefined;
  const record = details as Record<string, unknown>;
  for (const key of ["retry_after_seconds", "retryAfterSeconds", "retryAfter"]) {
    const value = record[key];
    const seconds = typeof value === "number" ? value : typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : undefined;
    if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0) return seconds;
  }
  return undefined;
}

/** Exponential backoff: base · 2^(n−1), capped. */
export function backoffSeconds(baseSeconds: number, n: number, capSeconds: number): number {
  return Math.min(capSeconds, Math.round(baseSeconds * 2 ** Math.max(0, n - 1)));
}

/** Queue retry delay after the `attempts`-th failed delivery: base · 2^(attempts−1), capped at 300 s. */
export function retryDelay(baseSeconds: number, attempts: number): number {
  return backoffSeconds(baseSeconds, attempts, 300);
}

/** The longest a deferral waits: under the sweeper's 15-minute stall threshold, so it never re-queues a deferred document. */
export const maxDeferralSeconds = 600;

/** Delay before the `deferrals`-th re-send while a provider is down: backoff, at least what the provider asked, at most 10 minutes. */
export function deferralDelay(baseSeconds: number, deferrals: number, retryAfterSeconds: number | undefined): number {
  const backoff = backoffSeconds(Math.max(baseSeconds, 0), deferrals, maxDeferralSeconds);
  return Math.min(maxDeferralSeconds, Math.max(backoff, Math.ceil(retryAfterSeconds ?? 0)));
}

/**
 * A short reason that is safe to store and show to API clients: our own
 * errors' messages; anything else (driver or runtime errors may carry SQL or
 * internals) is summarised, and the full error goes to the log.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof AppError || error instanceof PermanentError) return error.message.slice(0, 500);
  return "internal error while indexing (details in the worker logs)";
}
