/**
 * RateLimiter over the RATE_LIMITER Durable Object namespace: one object per
 * subject, addressed by name, called over RPC. The object does the counting
 * (rate-limit-object.ts); this adapter only finds it.
 */
import type { RateLimiter, RefundRequest, TakeRequest, TakeResult, UsageSnapshot } from "../../ports/rate-limiter.js";
import type { RateLimitObject } from "./rate-limit-object.js";

export class DurableObjectRateLimiter implements RateLimiter {
  constructor(private readonly namespace: DurableObjectNamespace<RateLimitObject>) {}

  async take(subject: string, request: TakeRequest): Promise<TakeResult> {
    return (await this.object(subject).take(request)) as TakeResult;
  }

  async refund(subject: string, request: RefundRequest): Promise<void> {
    await this.object(subject).refund(request);
  }

  async recordTokens(subject: string, tokens: number, now?: number): Promise<void> {
    await this.object(subject).recordTokens(tokens, now);
  }

  async usage(subject: string, now?: number): Promise<UsageSnapshot> {
    return (await this.object(subject).usage(now)) as UsageSnapshot;
  }

  private object(subject: string): DurableObjectStub<RateLimitObject> {
    return this.namespace.get(this.namespace.idFromName(subject));
  }
}
