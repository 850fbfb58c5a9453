/**
 * The state of one limited subject (an API key, or a key and a client
 * address) and the operations on it: take units against several per-window
 * limits and daily budgets at once (all or nothing), give them back, record
 * generated tokens. Pure: the rate limiter's Durable Object keeps one such
 * state per subject and the in-memory limiter a map of them, so both count
 * exactly alike.
 */
import { budgetAllows, dayAdd, dayEndsAt, dayRefund, dayUsed, nextUtcMidnight, utcDay, type DayCount } from "./daily-budget.js";
import { pruneWindow, windowExpiresAt, windowRefund, windowTake, windowUsed, type WindowCounts, type WindowRule } from "./sliding-window.js";

export interface LimitState {
  /** Per-window counters by rule name. */
  windows: Record<string, { windowSeconds: number; counts: WindowCounts }>;
  /** Requests counted today (UTC). */
  requests?: DayCount;
  /** Generated tokens recorded today (UTC). */
  tokens?: DayCount;
}

export interface NamedWindowRule extends WindowRule {
  /** Names the counter (e.g. "requests", "chat"): rules with one name share it. */
  name: string;
}

export interface TakeRequest {
  /** Per-window limits; each counts `cost` units. */
  windows?: NamedWindowRule[];
  /** The day's request budget; counts `cost`. */
  dailyRequests?: number;
  /** The day's generated-token budget: refuses once it is spent; counts nothing (tokens are recorded after generation). */
  dailyTokens?: number;
  /** Units this request costs (default 1). */
  cost?: number;
  /** The clock, in ms since the epoch (default: now). For tests. */
  now?: number;
}

export type DeniedBy =
  | { kind: "window"; name: string; limit: number; windowSeconds: number }
  | { kind: "daily-requests"; limit: number }
  | { kind: "daily-tokens"; limit: number };

/** The tightest per-window limit after a take, for `RateLimit-*` headers. */
export interface WindowStatus {
  name: string;
  limit: number;
  remaining: number;
  /** Seconds until `remaining` grows again. */
  resetSeconds: number;
}

export interface TakeResult {
  allowed: boolean;
  /** The limit that refused (the one to wait longest for); null when allowed. */
  deniedBy: DeniedBy | null;
  /** Whole seconds to wait, at least 1, when refused; 0 when allowed. */
  retryAfterSeconds: number;
  /** The window rule with the fewest units left; null without window rules. */
  window: WindowStatus | null;
  /** When the take happened (ms); pass it to a refund. */
  at: number;
}

export interface RefundRequest {
  /** The window rules the take counted against. */
  windows?: NamedWindowRule[];
  /** Whether the take counted against the day's request budget. */
  dailyRequests?: boolean;
  cost?: number;
  /** `TakeResult.at` of the take being given back. */
  at: number;
  now?: number;
}

export interface UsageSnapshot {
  /** Units counted per window rule name. */
  windows: Record<string, number>;
  /** `YYYY-MM-DD` (UTC) the daily figures belong to. */
  day: string;
  dailyRequests: number;
  dailyTokens: number;
}

export function emptyLimitState(): LimitState {
  return { windows: {} };
}

/** Whole seconds for a `Retry-After` header: rounded up, at least 1. */
export function toRetryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Takes `cost` units from every limit in `request`, or from none: if any
 * limit refuses, nothing is counted and the result says which limit and how
 * long to wait (the longest wait among the refusing limits).
 */
export function takeFromState(state: LimitState, request: TakeRequest, now: number): { state: LimitState; result: TakeResult } {
  const cost = positiveInteger(request.cost ?? 1, "cost");
  const taken: LimitState["windows"] = {};
  const pruned: LimitState["windows"] = {};
  const refusals: { by: DeniedBy; waitMs: number }[] = [];
  let tightest: WindowStatus | null = null;

  for (const rule of request.windows ?? []) {
    positiveInteger(rule.limit, `limit of ${rule.name}`);
    positiveInteger(rule.windowSeconds, `windowSeconds of ${rule.name}`);
    const counts = state.windows[rule.name]?.counts ?? [];
    const outcome = windowTake(counts, rule, cost, now);
    taken[rule.name] = { windowSeconds: rule.windowSeconds, counts: outcome.counts };
    pruned[rule.name] = { windowSeconds: rule.windowSeconds, counts: pruneWindow(counts, rule, now) };
    if (!outcome.allowed) refusals.push({ by: { kind: "window", name: rule.name, limit: rule.limit, windowSeconds: rule.windowSeconds }, waitMs: outcome.retryAfterMs });
    const status: WindowStatus = { name: rule.name, limit: rule.limit, remaining: outcome.remaining, resetSeconds: outcome.resetMs > 0 ? toRetryAfterSeconds(outcome.resetMs) : 0 };
    if (tightest === null || status.remaining < tightest.remaining) tightest = status;
  }
  if (request.dailyRequests !== undefined) {
    const limit = positiveInteger(request.dailyRequests, "dailyRequests");
    if (!budgetAllows(dayUsed(state.requests, now), limit, cost)) refusals.push({ by: { kind: "daily-requests", limit }, waitMs: nextUtcMidnight(now) - now });
  }
  if (request.dailyTokens !== undefined) {
    const limit = positiveInteger(request.dailyTokens, "dailyTokens");
    // Refused once the budget is spent: one more token must fit.
    if (!budgetAllows(dayUsed(state.tokens, now), limit, 1)) refusals.push({ by: { kind: "daily-tokens", limit }, waitMs: nextUtcMidnight(now) - now });
  }

  if (refusals.length > 0) {
    // Nothing is counted; dropping expired buckets is all that changes.
    const longest = refusals.reduce((a, b) => (b.waitMs > a.waitMs ? b : a));
    return {
      state: { ...state, windows: { ...state.windows, ...pruned } },
      result: { allowed: false, deniedBy: longest.by, retryAfterSeconds: toRetryAfterSeconds(longest.waitMs), window: tightest, at: now },
    };
  }
  const next: LimitState = { ...state, windows: { ...state.windows, ...taken } };
  if (request.dailyRequests !== undefined) next.requests = dayAdd(state.requests, cost, now);
  return { state: next, result: { allowed: true, deniedBy: null, retryAfterSeconds: 0, window: tightest, at: now } };
}

/** Gives back what a take counted (when another subject's limit refused the same request). */
export function refundToState(state: LimitState, refund: RefundRequest, now: number): LimitState {
  const cost = positiveInteger(refund.cost ?? 1, "cost");
  const next: LimitState = { ...state, windows: { ...state.windows } };
  for (const rule of refund.windows ?? []) {
    const current = state.windows[rule.name];
    if (current) next.windows[rule.name] = { windowSeconds: current.windowSeconds, counts: windowRefund(current.counts, rule, cost, refund.at, now) };
  }
  if (refund.dailyRequests) next.requests = dayRefund(state.requests, cost, refund.at, now);
  return next;
}

/** Adds generated tokens to the day of `now`. */
export function addTokensToState(state: LimitState, tokens: number, now: number): LimitState {
  if (!Number.isFinite(tokens) || tokens < 0) throw new RangeError(`tokens must be a non-negative number (got ${tokens})`);
  return { ...state, tokens: dayAdd(state.tokens, Math.ceil(tokens), now) };
}

/** What is counted at `now`. */
export function usageOfState(state: LimitState, now: number): UsageSnapshot {
  const windows: Record<string, number> = {};
  for (const [name, { windowSeconds, counts }] of Object.entries(state.windows)) {
    windows[name] = windowUsed(counts, { limit: 1, windowSeconds }, now);
  }
  return { windows, day: utcDay(now), dailyRequests: dayUsed(state.requests, now), dailyTokens: dayUsed(state.tokens, now) };
}

/** When nothing in the state counts any more (0 when it is empty): the time it can be forgotten. */
export function stateExpiresAt(state: LimitState): number {
  let latest = 0;
  for (const { windowSeconds, counts } of Object.values(state.windows)) latest = Math.max(latest, windowExpiresAt(counts, { limit: 1, windowSeconds }));
  if (state.requests) latest = Math.max(latest, dayEndsAt(state.requests.day));
  if (state.tokens) latest = Math.max(latest, dayEndsAt(state.tokens.day));
  return latest;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer (got ${value})`);
  return value;
}
