/**
 * A RateLimiter in one isolate's memory: the reference the Durable Object
 * limiter must match (both pass ports/rate-limiter.contract.ts) and a fake
 * for service tests. Not for deployments: every isolate would count on its
 * own, and nothing survives a restart.
 */
import { addTokensToState, emptyLimitState, refundToState, takeFromState, usageOfState, type LimitState } from "../../core/limits/limit-state.js";
import type { RateLimiter, RefundRequest, TakeRequest, TakeResult, UsageSnapshot } from "../../ports/rate-limiter.js";

export class InMemoryRateLimiter implements RateLimiter {
  private readonly states = new Map<string, LimitState>();
  private readonly clock: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.clock = options.now ?? Date.now;
  }

  async take(subject: string, request: TakeRequest): Promise<TakeResult> {
    const { state, result } = takeFromState(this.state(subject), request, request.now ?? this.clock());
    this.states.set(subject, state);
    return result;
  }

  async refund(subject: string, request: RefundRequest): Promise<void> {
    this.states.set(subject, refundToState(this.state(subject), request, request.now ?? this.clock()));
  }

  async recordTokens(subject: string, tokens: number, now?: number): Promise<void> {
    this.states.set(subject, addTokensToState(this.state(subject), tokens, now ?? this.clock()));
  }

  async usage(subject: string, now?: number): Promise<UsageSnapshot> {
    return usageOfState(this.state(subject), now ?? this.clock());
  }

  private state(subject: string): LimitState {
    return this.states.get(subject) ?? emptyLimitState();
  }
}
