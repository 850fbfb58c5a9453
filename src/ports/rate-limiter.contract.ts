/**
 * The contract every RateLimiter must pass (the Durable Object limiter and
 * the in-memory one run it). The clock is passed in (`now`), so windows and
 * days roll over without waiting; times lie in the future, where no real
 * clean-up alarm can fire during a test.
 */
import { describe, expect, it } from "vitest";
import type { NamedWindowRule, RateLimiter } from "./rate-limiter.js";

const t0 = Date.UTC(2100, 0, 1, 12, 0, 0);
const midnight = Date.UTC(2100, 0, 2);

export function runRateLimiterContract(name: string, create: () => RateLimiter): void {
  const subject = () => `test:${crypto.randomUUID()}`;
  const perMinute = (limit: number, ruleName = "requests"): NamedWindowRule => ({ name: ruleName, limit, windowSeconds: 60 });

  describe(`RateLimiter contract: ${name}`, () => {
    it("allows `limit` takes per window, then refuses with a Retry-After in whole seconds", async () => {
      const limiter = create();
      const who = subject();
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await limiter.take(who, { windows: [perMinute(3)], now: t0 + i * 1000 }));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.window?.remaining)).toEqual([2, 1, 0, 0]);
      expect(results[3]).toMatchObject({ deniedBy: { kind: "window", name: "requests", limit: 3, windowSeconds: 60 }, retryAfterSeconds: 58 });
      expect((await limiter.usage(who, t0 + 3000)).windows).toEqual({ requests: 3 });
    });

    it("is exact under concurrent takes", async () => {
      const limiter = create();
      const who = subject();
      const results = await Promise.all(Array.from({ length: 60 }, () => limiter.take(who, { windows: [perMinute(25)], dailyRequests: 1000, now: t0 })));
      expect(results.filter((r) => r.allowed)).toHaveLength(25);
      expect(new Set(results.filter((r) => r.allowed).map((r) => r.window!.remaining))).toEqual(new Set(Array.from({ length: 25 }, (_, i) => i)));
      expect(await limiter.usage(who, t0)).toMatchObject({ windows: { requests: 25 }, dailyRequests: 25 });
    });

    it("slides: a retry after Retry-After seconds succeeds, and a new window starts clean", async () => {
      const limiter = create();
      const who = subject();
      const rule = perMinute(2);
      expect((await limiter.take(who, { windows: [rule], now: t0 })).allowed).toBe(true);
      expect((await limiter.take(who, { windows: [rule], now: t0 + 10_000 })).allowed).toBe(true);
      const refused = await limiter.take(who, { windows: [rule], now: t0 + 30_000 });
      expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 31 });
      expect((await limiter.take(who, { windows: [rule], now: t0 + 30_000 + refused.retryAfterSeconds * 1000 - 1 })).allowed).toBe(false);
      expect((await limiter.take(who, { windows: [rule], now: t0 + 30_000 + refused.retryAfterSeconds * 1000 })).allowed).toBe(true);
      const later = await limiter.take(who, { windows: [rule], now: t0 + 10 * 60_000 });
      expect(later).toMatchObject({ allowed: true, window: { remaining: 1 } });
    });

    it("counts all of a take's limits or none", async () => {
      const limiter = create();
      const who = subject();
      const request = { windows: [perMinute(1, "chat"), perMinute(5, "requests")], dailyRequests: 10 };
      expect((await limiter.take(who, { ...request, now: t0 })).allowed).toBe(true);
      expect(await limiter.take(who, { ...request, now: t0 + 1 })).toMatchObject({ allowed: false, deniedBy: { kind: "window", name: "chat" } });
      expect(await limiter.usage(who, t0 + 2)).toMatchObject({ windows: { chat: 1, requests: 1 }, dailyRequests: 1 });
    });

    it("gives back a refunded take", async () => {
      const limiter = create();
      const who = subject();
      const request = { windows: [perMinute(1)], dailyRequests: 10 };
      const taken = await limiter.take(who, { ...request, now: t0 });
      await limiter.refund(who, { windows: request.windows, dailyRequests: true, at: taken.at, now: t0 + 5 });
      expect(await limiter.usage(who, t0 + 5)).toMatchObject({ windows: { requests: 0 }, dailyRequests: 0 });
      expect((await limiter.take(who, { ...request, now: t0 + 6 })).allowed).toBe(true);
    });

    it("refuses requests beyond the day's budget until UTC midnight", async () => {
      const limiter = create();
      const who = subject();
      for (let i = 0; i < 2; i++) expect((await limiter.take(who, { dailyRequests: 2, now: t0 + i })).allowed).toBe(true);
      const refused = await limiter.take(who, { dailyRequests: 2, now: t0 + 2 });
      expect(refused).toMatchObject({ allowed: false, deniedBy: { kind: "daily-requests", limit: 2 }, retryAfterSeconds: 43_200 });
      expect((await limiter.take(who, { dailyRequests: 2, now: midnight - 1 })).allowed).toBe(false);
      expect((await limiter.take(who, { dailyRequests: 2, now: midnight })).allowed).toBe(true);
      expect(await limiter.usage(who, midnight)).toMatchObject({ day: "2100-01-02", dailyRequests: 1 });
    });

    it("refuses once the day's generated tokens reach the budget, and forgets them the next day", async () => {
      const limiter = create();
      const who = subject();
      expect((await limiter.take(who, { dailyTokens: 100, now: t0 })).allowed).toBe(true);
      await limiter.recordTokens(who, 60, t0 + 1);
      expect((await limiter.take(who, { dailyTokens: 100, now: t0 + 2 })).allowed).toBe(true);
      await limiter.recordTokens(who, 60, t0 + 3);
      expect(await limiter.usage(who, t0 + 4)).toMatchObject({ dailyTokens: 120, dailyRequests: 0 });
      expect(await limiter.take(who, { dailyTokens: 100, now: t0 + 4 })).toMatchObject({ allowed: false, deniedBy: { kind: "daily-tokens", limit: 100 } });
      expect((await limiter.take(who, { dailyTokens: 100, now: midnight })).allowed).toBe(true);
    });

    it("keeps subjects apart", async () => {
      const limiter = create();
      const [a, b] = [subject(), subject()];
      expect((await limiter.take(a, { windows: [perMinute(1)], now: t0 })).allowed).toBe(true);
      expect((await limiter.take(a, { windows: [perMinute(1)], now: t0 })).allowed).toBe(false);
      expect((await limiter.take(b, { windows: [perMinute(1)], now: t0 })).allowed).toBe(true);
    });

    it("rejects a limit that is not a positive integer", async () => {
      const limiter = create();
      await expect(limiter.take(subject(), { windows: [perMinute(0)], now: t0 })).rejects.toThrow(/positive integer/);
    });
  });
}
