/**
 * Rate limits and daily budgets: which limits apply to a request, checked
 * before any work is done, and the generated tokens charged after an answer.
 *
 * Limits are the worker's defaults (RATE_LIMIT_* variables) overridden by
 * the tenant's own (`PUT /v1/tenants/:id/limits`, read with the key). For a
 * tenant's key:
 * - per key (subject `key:<keyId>`): `requests_per_minute_per_key` on chat,
 *   search, feedback and ingest; `ingest_per_minute_per_key` on ingest;
 *   `daily_requests_per_key` on all of them; `daily_tokens_per_key` refuses
 *   chat once the day's generated tokens reach it;
 * - per key and client address (subject `ip:<keyId>:<address>`):
 *   `chat_per_minute_per_ip` on chat, `search_per_minute_per_ip` on search,
 *   and feedback counted apart against the chat figure (one rating per
 *   answer at most).
 * A value of 0 (variables only) turns that limit off. The operator's
 * bootstrap key (API_KEY) is exempt from all of them.
 */
import { generatedTokens, type GeneratedOutput } from "../core/limits/generated-tokens.js";
import { AppError } from "../core/errors.js";
import type { NamedWindowRule, RateLimiter, TakeRequest, TakeResult, WindowStatus } from "../ports/rate-limiter.js";
import type { AccessContext } from "./access-service.js";
import type { Logger } from "./logger.js";

export const limitNames = [
  "requests_per_minute_per_key",
  "chat_per_minute_per_ip",
  "search_per_minute_per_ip",
  "ingest_per_minute_per_key",
  "daily_requests_per_key",
  "daily_tokens_per_key",
] as const;

export type LimitName = (typeof limitNames)[number];

/** One value per limit; 0 = no limit. */
export type UsageLimitValues = Record<LimitName, number>;

/** Defaults when no RATE_LIMIT_* variable says otherwise. */
export const defaultUsageLimits: UsageLimitValues = {
  requests_per_minute_per_key: 600,
  chat_per_minute_per_ip: 30,
  search_per_minute_per_ip: 120,
  ingest_per_minute_per_key: 120,
  daily_requests_per_key: 20_000,
  daily_tokens_per_key: 1_000_000,
};

/** The variable that sets a limit's default: `RATE_LIMIT_<NAME>`. */
export function limitVariable(name: LimitName): `RATE_LIMIT_${Uppercase<LimitName>}` {
  return `RATE_LIMIT_${name.toUpperCase() as Uppercase<LimitName>}`;
}

export type LimitedAction = "chat" | "search" | "feedback" | "ingest";

export type LimitDecision =
  | { allowed: true; window: WindowStatus | null }
  | { allowed: false; code: "RATE_LIMITED" | "BUDGET_EXHAUSTED"; message: string; retryAfterSeconds: number; window: WindowStatus | null };

const minute = 60;

/** The per-address counter of each action, and the limit it counts against. */
const perAddress: Record<LimitedAction, { name: string; limit: LimitName } | null> = {
  chat: { name: "chat", limit: "chat_per_minute_per_ip" },
  search: { name: "search", limit: "search_per_minute_per_ip" },
  feedback: { name: "feedback", limit: "chat_per_minute_per_ip" },
  ingest: null,
};

export class UsageLimits {
  constructor(
    private readonly deps: {
      /** Undefined when the RATE_LIMITER binding is missing: limited requests then fail (MISCONFIGURED). */
      limiter: RateLimiter | undefined;
      defaults: UsageLimitValues;
      log: Logger;
    },
  ) {}

  /** The limits of the caller's tenant: the defaults with its overrides. */
  limitsFor(access: AccessContext): UsageLimitValues {
    const limits = { ...this.deps.defaults };
    for (const name of limitNames) {
      const value = access.limits?.[name];
      if (typeof value === "number" && Number.isInteger(value) && value > 0) limits[name] = value;
    }
    return limits;
  }

  /**
   * Counts one request of `action` against the caller's limits, all or
   * nothing: a request refused by one subject's limit is given back to the
   * other subject, so a client refused for its address does not use up its
   * key's allowance.
   */
  async check(access: AccessContext, action: LimitedAction, clientAddress: string): Promise<LimitDecision> {
    if (access.operator) return { allowed: true, window: null };
    const limits = this.limitsFor(access);
    const takes = this.plan(access, action, clientAddress, limits);
    if (takes.length === 0) return { allowed: true, window: null };
    const limiter = this.limiter();
    let results: TakeResult[];
    try {
      results = await Promise.all(takes.map(({ subject, request }) => limiter.take(subject, request)));
    } catch (error) {
      this.deps.log.error("limits.unavailable", { action, key_id: access.keyId, error: String(error) });
      throw new AppError("UPSTREAM_UNAVAILABLE", "the rate limiter is unavailable; retry shortly");
    }
    const window = tightest(results.map((result) => result.window));
    const refused = results.filter((result) => !result.allowed);
    if (refused.length === 0) return { allowed: true, window };

    await Promise.all(
      results.map(async (result, index) => {
        if (!result.allowed) return;
        const { subject, request } = takes[index]!;
        await limiter.refund(subject, { windows: request.windows, dailyRequests: request.dailyRequests !== undefined, at: result.at }).catch((error: unknown) => {
          this.deps.log.warn("limits.refund_failed", { subject, error: String(error) });
        });
      }),
    );
    const worst = refused.reduce((a, b) => (b.retryAfterSeconds > a.retryAfterSeconds ? b : a));
    const deniedBy = worst.deniedBy!;
    const code = deniedBy.kind === "window" ? "RATE_LIMITED" : "BUDGET_EXHAUSTED";
    this.deps.log.info("limits.refused", { action, key_id: access.keyId, tenant_id: access.tenantId, limit: deniedBy.kind === "window" ? deniedBy.name : deniedBy.kind });
    return { allowed: false, code, message: refusalMessage(deniedBy, worst.retryAfterSeconds), retryAfterSeconds: worst.retryAfterSeconds, window };
  }

  /**
   * Charges an answer's generated tokens to the key's daily token budget
   * (see core/limits/generated-tokens.ts for how they are counted). Never
   * throws: the answer has been given already.
   */
  async recordGeneration(access: AccessContext, output: GeneratedOutput): Promise<void> {
    if (access.operator || this.limitsFor(access).daily_tokens_per_key === 0) return;
    const tokens = generatedTokens(output);
    if (tokens === 0) return;
    try {
      await this.limiter().recordTokens(keySubject(access), tokens);
    } catch (error) {
      this.deps.log.error("limits.record_tokens_failed", { key_id: access.keyId, tokens, error: String(error) });
    }
  }

  private plan(access: AccessContext, action: LimitedAction, clientAddress: string, limits: UsageLimitValues): { subject: string; request: TakeRequest }[] {
    const takes: { subject: string; request: TakeRequest }[] = [];
    const keyWindows: NamedWindowRule[] = [];
    if (limits.requests_per_minute_per_key > 0) keyWindows.push({ name: "requests", limit: limits.requests_per_minute_per_key, windowSeconds: minute });
    if (action === "ingest" && limits.ingest_per_minute_per_key > 0) keyWindows.push({ name: "ingest", limit: limits.ingest_per_minute_per_key, windowSeconds: minute });
    const keyRequest: TakeRequest = {
      ...(keyWindows.length > 0 ? { windows: keyWindows } : {}),
      ...(limits.daily_requests_per_key > 0 ? { dailyRequests: limits.daily_requests_per_key } : {}),
      ...(action === "chat" && limits.daily_tokens_per_key > 0 ? { dailyTokens: limits.daily_tokens_per_key } : {}),
    };
    if (Object.keys(keyRequest).length > 0) takes.push({ subject: keySubject(access), request: keyRequest });
    const address = perAddress[action];
    if (address && limits[address.limit] > 0) {
      takes.push({ subject: `ip:${access.keyId}:${clientAddress}`, request: { windows: [{ name: address.name, limit: limits[address.limit], windowSeconds: minute }] } });
    }
    return takes;
  }

  private limiter(): RateLimiter {
    if (!this.deps.limiter) throw new AppError("MISCONFIGURED", "configuration error: the RATE_LIMITER Durable Object binding is missing (see wrangler.toml)");
    return this.deps.limiter;
  }
}

function keySubject(access: AccessContext): string {
  return `key:${access.keyId}`;
}

function tightest(windows: (WindowStatus | null)[]): WindowStatus | null {
  return windows.reduce<WindowStatus | null>((best, next) => (next !== null && (best === null || next.remaining < best.remaining) ? next : best), null);
}

const windowWhat: Record<string, string> = {
  requests: "requests per minute with this key",
  ingest: "ingest requests per minute with this key",
  chat: "chat requests per minute from one client address",
  search: "searches per minute from one client address",
  feedback: "feedback requests per minute from one client address",
};

function refusalMessage(deniedBy: NonNullable<TakeResult["deniedBy"]>, retryAfterSeconds: number): string {
  switch (deniedBy.kind) {
    case "window":
      return `rate limit reached: at most ${deniedBy.limit} ${windowWhat[deniedBy.name] ?? `${deniedBy.name} requests per minute`}; retry in ${retryAfterSeconds} s`;
    case "daily-requests":
      return `daily request budget spent: this key allows ${deniedBy.limit} requests per day; it renews at 00:00 UTC`;
    case "daily-tokens":
      return `daily token budget spent: this key may generate ${deniedBy.limit} tokens per day; it renews at 00:00 UTC`;
  }
}
