import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runRateLimiterContract } from "../../ports/rate-limiter.contract.js";
import { DurableObjectRateLimiter } from "./durable-object-rate-limiter.js";

runRateLimiterContract("Durable Object", () => new DurableObjectRateLimiter(env.RATE_LIMITER));

const t0 = Date.UTC(2100, 0, 1, 12, 0, 0);
const rule = { name: "requests", limit: 3, windowSeconds: 60 };

describe("RateLimitObject", () => {
  it("keeps its counts when the object is evicted and constructed again", async () => {
    const limiter = new DurableObjectRateLimiter(env.RATE_LIMITER);
    const subject = `evict:${crypto.randomUUID()}`;
    await limiter.take(subject, { windows: [rule], dailyRequests: 10, now: t0 });
    await limiter.take(subject, { windows: [rule], dailyRequests: 10, now: t0 + 1 });
    await limiter.recordTokens(subject, 42, t0 + 2);
    await abortAllDurableObjects();
    expect(await limiter.usage(subject, t0 + 3)).toEqual({ windows: { requests: 2 }, day: "2100-01-01", dailyRequests: 2, dailyTokens: 42 });
    expect(await limiter.take(subject, { windows: [rule], now: t0 + 4 })).toMatchObject({ allowed: true, window: { remaining: 0 } });
    expect((await limiter.take(subject, { windows: [rule], now: t0 + 5 })).allowed).toBe(false);
  });

  it("writes nothing for a refused take", async () => {
    const limiter = new DurableObjectRateLimiter(env.RATE_LIMITER);
    const subject = `refused:${crypto.randomUUID()}`;
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(subject));
    await limiter.take(subject, { windows: [{ ...rule, limit: 1 }], now: t0 });
    const stored = () => runInDurableObject(stub, (_, state) => state.storage.sql.exec<{ state: string }>("SELECT state FROM limit_state").one().state);
    const before = await stored();
    expect((await limiter.take(subject, { windows: [{ ...rule, limit: 1 }], now: t0 + 1 })).allowed).toBe(false);
    expect(await stored()).toBe(before);
  });

  it("deletes its storage with an alarm once nothing counts any more, and keeps counting afterwards", async () => {
    const limiter = new DurableObjectRateLimiter(env.RATE_LIMITER);
    const subject = `cleanup:${crypto.randomUUID()}`;
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(subject));
    // Taken two days ago: its window and its day are over.
    const past = Date.now() - 2 * 86_400_000;
    await limiter.take(subject, { windows: [rule], dailyRequests: 10, now: past });
    const tables = () => runInDurableObject(stub, (_, state) => state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'limit_state'").toArray().length);
    await runDurableObjectAlarm(stub);
    expect(await tables()).toBe(0);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull();
    // Still usable: counts start again.
    expect(await limiter.take(subject, { windows: [rule], now: t0 })).toMatchObject({ allowed: true, window: { remaining: 2 } });
    expect(await tables()).toBe(1);
  });

  it("keeps state that still counts when the alarm fires, and schedules another", async () => {
    const limiter = new DurableObjectRateLimiter(env.RATE_LIMITER);
    const subject = `keep:${crypto.randomUUID()}`;
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(subject));
    await limiter.take(subject, { windows: [rule], dailyRequests: 10, now: t0 });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await limiter.usage(subject, t0 + 1)).dailyRequests).toBe(1);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now());
  });
});
