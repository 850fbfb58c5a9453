/**
 * Port: counts requests and generated tokens per limited subject (an API
 * key: `key:<keyId>`; a key and a client address: `ip:<keyId>:<address>`)
 * against per-window limits and daily budgets. Implementations: a Durable
 * Object per subject (`adapters/cloudflare/durable-object-rate-limiter.ts`,
 * production and local mode) and an in-memory map
 * (`adapters/local/in-memory-rate-limiter.ts`, tests); both pass
 * `rate-limiter.contract.ts`. The arithmetic is `core/limits/`.
 */
import type { RefundRequest, TakeRequest, TakeResult, UsageSnapshot } from "../core/limits/limit-state.js";

export type { DeniedBy, NamedWindowRule, RefundRequest, TakeRequest, TakeResult, UsageSnapshot, WindowStatus } from "../core/limits/limit-state.js";

export interface RateLimiter {
  /** Takes `cost` units from every limit in `request`, or from none (then says which refused and how long to wait). Exact under concurrency. */
  take(subject: string, request: TakeRequest): Promise<TakeResult>;
  /** Gives back what an allowed take counted, when another subject's limit refused the same request. */
  refund(subject: string, request: RefundRequest): Promise<void>;
  /** Adds generated tokens to the subject's count for the current UTC day. */
  recordTokens(subject: string, tokens: number, now?: number): Promise<void>;
  /** What the subject has used (per window, today's requests and tokens). */
  usage(subject: string, now?: number): Promise<UsageSnapshot>;
}
