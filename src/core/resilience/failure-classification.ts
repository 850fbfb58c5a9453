/**
 * Decides whether a failed provider call is worth retrying, from the error
 * alone.
 *
 * Retryable: HTTP 429, 408 and 5xx answers; network failures (fetch's
 * TypeError, workerd's "Network connection lost", binding errors of the
 * "internal error; reference = …" kind, connection resets); timeouts; and an
 * UPSTREAM_UNAVAILABLE AppError that names no status (the provider failed or
 * answered nonsense, which is usually passing).
 *
 * Not retryable: other 4xx answers; MISCONFIGURED, EMBEDDER_MISMATCH and
 * every other AppError below 500 (validation, bad request...); INTERNAL and
 * other programming errors; aborts.
 *
 * Adapters make this possible without putting upstream text in messages:
 * they put `{status, retryAfter?}` in the AppError's details (see
 * adapters/openai/openai-http.ts, adapters/cloudflare/workers-ai-errors.ts,
 * adapters/local/local-ai.ts). The retry runner treats its own timeouts and
 * the caller's aborts itself, before asking this module.
 */
import { AppError } from "../errors.js";
import { parseRetryAfter } from "./retry-after.js";

export type FailureReason =
  | "rate-limited"
  | "timeout"
  | "server-error"
  | "network"
  | "unavailable"
  | "client-error"
  | "configuration"
  | "aborted"
  | "unknown";

export interface FailureVerdict {
  retryable: boolean;
  reason: FailureReason;
  /** The upstream HTTP status, when the error carries one. */
  status?: number;
  /** The provider's Retry-After, in ms, when it sent one. */
  retryAfterMs?: number;
}

export interface ClassifyOptions {
  /** The current time in ms, for Retry-After dates (default `Date.now()`). */
  nowMs?: number;
  /** Ceiling for a Retry-After, in seconds (default that of parseRetryAfter: 3600). */
  maxRetryAfterSeconds?: number;
}

/** Messages of network failures seen from fetch, workerd and bindings. */
const networkMessage =
  /network connection lost|internal error; reference ?=|fetch failed|failed to fetch|network ?error|connection (?:reset|refused|closed|lost)|socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN/i;

/** Whether a failure with this HTTP status is worth retrying, and why. */
export function classifyStatus(status: number): FailureVerdict {
  if (status === 429) return { retryable: true, reason: "rate-limited", status };
  if (status === 408) return { retryable: true, reason: "timeout", status };
  if (status >= 500 && status <= 599) return { retryable: true, reason: "server-error", status };
  if (status >= 400 && status <= 499) return { retryable: false, reason: "client-error", status };
  return { retryable: false, reason: "unknown", status };
}

/** Classifies `error` (see the module comment). */
export function classifyFailure(error: unknown, options: ClassifyOptions = {}): FailureVerdict {
  if (error instanceof AppError) return classifyAppError(error, options);
  const name = errorName(error);
  if (name === "AbortError") return { retryable: false, reason: "aborted" };
  if (name === "TimeoutError") return { retryable: true, reason: "timeout" };
  const status = statusProperty(error);
  if (status !== undefined) return withRetryAfter(classifyStatus(status), retryAfterProperty(error), options);
  if (isNetworkFailure(error)) return { retryable: true, reason: "network" };
  return { retryable: false, reason: "unknown" };
}

function classifyAppError(error: AppError, options: ClassifyOptions): FailureVerdict {
  if (error.code === "MISCONFIGURED" || error.code === "EMBEDDER_MISMATCH") return { retryable: false, reason: "configuration" };
  if (error.status < 500) return { retryable: false, reason: "client-error" };
  if (error.code !== "UPSTREAM_UNAVAILABLE") return { retryable: false, reason: "unknown" };
  const details = isObject(error.details) ? error.details : {};
  if (details.breaker === "open" || details.breaker === "half-open") return { retryable: false, reason: "unavailable" };
  const status = typeof details.status === "number" && Number.isInteger(details.status) ? details.status : undefined;
  const retryAfter = details.retryAfter ?? details.retry_after_seconds;
  if (status !== undefined) return withRetryAfter(classifyStatus(status), retryAfter, options);
  const reason: FailureReason = causeChain(error).some((cause) => errorName(cause) === "TimeoutError")
    ? "timeout"
    : causeChain(error).some(isNetworkFailure)
      ? "network"
      : "unavailable";
  return withRetryAfter({ retryable: true, reason }, retryAfter, options);
}

function withRetryAfter(verdict: FailureVerdict, value: unknown, options: ClassifyOptions): FailureVerdict {
  if (!verdict.retryable || (typeof value !== "string" && typeof value !== "number")) return verdict;
  const seconds = parseRetryAfter(value, {
    nowMs: options.nowMs ?? Date.now(),
    ...(options.maxRetryAfterSeconds === undefined ? {} : { maxSeconds: options.maxRetryAfterSeconds }),
  });
  return seconds === undefined ? verdict : { ...verdict, retryAfterMs: seconds * 1000 };
}

/** True for errors that look like a failed connection rather than an answer. */
export function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return typeof error === "string" && networkMessage.test(error);
  if (networkMessage.test(error.message)) return true;
  // fetch rejects with a bare TypeError when the connection fails.
  return error.name === "TypeError" && /fetch|network|connect/i.test(error.message);
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth += 1) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

function errorName(error: unknown): string | undefined {
  return isObject(error) && typeof error.name === "string" ? error.name : undefined;
}

function statusProperty(error: unknown): number | undefined {
  if (!isObject(error)) return undefined;
  const value = error.status ?? error.statusCode;
  return typeof value === "number" && Number.isInteger(value) && value >= 100 && value <= 599 ? value : undefined;
}

function retryAfterProperty(error: unknown): unknown {
  return isObject(error) ? (error.retryAfter ?? undefined) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
