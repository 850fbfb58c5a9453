import { describe, expect, it } from "vitest";
import { tenantLimitsSchema } from "../../functions/schemas.js";
import { InMemoryRateLimiter } from "../adapters/local/in-memory-rate-limiter.js";
import { readConfig } from "../config.js";
import type { RateLimiter } from "../ports/rate-limiter.js";
import type { AccessContext } from "./access-service.js";
import { silentLogger } from "./logger.js";
import { defaultUsageLimits, limitNames, UsageLimits, type UsageLimitValues } from "./usage-limits.js";

const noon = Date.UTC(2100, 0, 1, 12);

function setup(options: { defaults?: Partial<UsageLimitValues>; limiter?: RateLimiter } = {}) {
  let now = noon;
  const limiter = options.limiter ?? new InMemoryRateLimiter({ now: () => now });
  const limits = new UsageLimits({ limiter, defaults: { ...defaultUsageLimits, ...options.defaults }, log: silentLogger });
  return { limits, limiter, advance: (ms: number) => (now += ms) };
}

function tenantKey(overrides: Partial<AccessContext> = {}): AccessContext {
  return { keyId: `key_${crypto.randomUUID().slice(0, 8)}`, tenantId: "t_0123456789abcdef", scopes: ["publishable"], operator: false, origins: ["https://shop.example"], limits: {}, ...overrides };
}

const operator: AccessContext = { keyId: "bootstrap", tenantId: "default", scopes: ["admin"], operator: true, origins: null };

async function allowedCount(check: () => Promise<{ allowed: boolean }>, attempts: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < attempts; i++) if ((await check()).allowed) allowed++;
  return allowed;
}

describe("UsageLimits", () => {
  it("names the same limits as the tenant limits API, each with a RATE_LIMIT_* default", () => {
    expect(Object.keys(tenantLimitsSchema.shape).sort()).toEqual([...limitNames].sort());
    const config = readConfig({}, "cloudflare");
    expect(config.limits).toEqual(defaultUsageLimits);
    expect(config.limits.chat_per_minute_per_ip).toBe(30);
    expect(readConfig({ RATE_LIMIT_CHAT_PER_MINUTE_PER_IP: "5", RATE_LIMIT_DAILY_TOKENS_PER_KEY: "0" }, "local").limits).toMatchObject({ chat_per_minute_per_ip: 5, daily_tokens_per_key: 0 });
    expect(() => readConfig({ RATE_LIMIT_SEARCH_PER_MINUTE_PER_IP: "-1" }, "local")).toThrow(/RATE_LIMIT_SEARCH_PER_MINUTE_PER_IP/);
    expect(() => readConfig({ RATE_LIMIT_REQUESTS_PER_MINUTE_PER_KEY: "1.5" }, "local")).toThrow(/RATE_LIMIT_REQUESTS_PER_MINUTE_PER_KEY/);
  });

  it("allows a publishable key 30 chat requests per minute per client address by default", async () => {
    const { limits, advance } = setup();
    const key = tenantKey();
    expect(await allowedCount(() => limits.check(key, "chat", "203.0.113.1"), 40)).toBe(30);
    const refused = await limits.check(key, "chat", "203.0.113.1");
    expect(refused).toMatchObject({ allowed: false, code: "RATE_LIMITED", window: { name: "chat", limit: 30, remaining: 0 } });
    expect(refused.allowed === false && refused.message).toMatch(/30 chat requests per minute from one client address/);
    // Another address of the same key is not affected.
    expect((await limits.check(key, "chat", "203.0.113.2")).allowed).toBe(true);
    // A minute (and a bucket) later the first address may chat again.
    advance(61_000);
    expect((await limits.check(key, "chat", "203.0.113.1")).allowed).toBe(true);
  });

  it("applies the tenant's overrides over the defaults", async () => {
    const { limits } = setup();
    const key = tenantKey({ limits: { chat_per_minute_per_ip: 2, search_per_minute_per_ip: 3 } });
    expect(limits.limitsFor(key)).toMatchObject({ chat_per_minute_per_ip: 2, search_per_minute_per_ip: 3, requests_per_minute_per_key: 600 });
    expect(await allowedCount(() => limits.check(key, "chat", "a"), 5)).toBe(2);
    expect(await allowedCount(() => limits.check(key, "search", "a"), 5)).toBe(3);
  });

  it("counts feedback per address apart from chat, against the chat figure", async () => {
    const { limits } = setup();
    const key = tenantKey({ limits: { chat_per_minute_per_ip: 2 } });
    expect(await allowedCount(() => limits.check(key, "chat", "a"), 3)).toBe(2);
    expect(await allowedCount(() => limits.check(key, "feedback", "a"), 3)).toBe(2);
  });

  it("limits a key across addresses, and gives back what an address limit refused", async () => {
    const { limits, limiter } = setup();
    const key = tenantKey({ limits: { requests_per_minute_per_key: 5, chat_per_minute_per_ip: 2 } });
    // Address a: 2 allowed, 8 refused by its own limit — none of the refusals count against the key.
    expect(await allowedCount(() => limits.check(key, "chat", "a"), 10)).toBe(2);
    expect((await limiter.usage(`key:${key.keyId}`)).windows.requests).toBe(2);
    expect(await allowedCount(() => limits.check(key, "chat", "b"), 2)).toBe(2);
    expect(await allowedCount(() => limits.check(key, "search", "c"), 3)).toBe(1);
    const refused = await limits.check(key, "chat", "d");
    expect(refused).toMatchObject({ allowed: false, code: "RATE_LIMITED" });
    expect(refused.allowed === false && refused.message).toMatch(/5 requests per minute with this key/);
    // The key's refusal was given back to address d.
    expect((await limiter.usage(`ip:${key.keyId}:d`)).windows.chat).toBe(0);
  });

  it("limits ingestion per key, without a per-address limit", async () => {
    const { limits, limiter } = setup();
    const key = tenantKey({ scopes: ["ingest"], origins: null, limits: { ingest_per_minute_per_key: 3 } });
    expect(await allowedCount(() => limits.check(key, "ingest", "a"), 5)).toBe(3);
    expect((await limiter.usage(`ip:${key.keyId}:a`)).windows).toEqual({});
    // Searching is not ingesting.
    expect((await limits.check(key, "search", "a")).allowed).toBe(true);
  });

  it("refuses beyond the day's request budget with BUDGET_EXHAUSTED until UTC midnight", async () => {
    const { limits, advance } = setup();
    const key = tenantKey({ limits: { daily_requests_per_key: 3 } });
    for (const action of ["chat", "feedback", "chat"] as const) expect((await limits.check(key, action, "a")).allowed).toBe(true);
    const refused = await limits.check(key, "chat", "b");
    expect(refused).toMatchObject({ allowed: false, code: "BUDGET_EXHAUSTED", retryAfterSeconds: 12 * 3600 });
    expect(refused.allowed === false && refused.message).toMatch(/3 requests per day/);
    advance(12 * 3600 * 1000);
    expect((await limits.check(key, "chat", "b")).allowed).toBe(true);
  });

  it("charges generated tokens and refuses chat (only) once the day's tokens are spent", async () => {
    const { limits, limiter } = setup();
    const key = tenantKey({ scopes: ["query"], origins: null, limits: { daily_tokens_per_key: 100 } });
    expect((await limits.check(key, "chat", "a")).allowed).toBe(true);
    await limits.recordGeneration(key, { usage: { prompt_tokens: 2000, completion_tokens: 60 }, characters: 1 });
    expect((await limits.check(key, "chat", "a")).allowed).toBe(true);
    // No usage reported: four characters per token.
    await limits.recordGeneration(key, { characters: 160 });
    expect((await limiter.usage(`key:${key.keyId}`)).dailyTokens).toBe(100);
    const refused = await limits.check(key, "chat", "a");
    expect(refused).toMatchObject({ allowed: false, code: "BUDGET_EXHAUSTED" });
    expect(refused.allowed === false && refused.message).toMatch(/100 tokens per day/);
    expect((await limits.check(key, "search", "a")).allowed).toBe(true);
  });

  it("exempts the operator's key from every limit and charges it nothing", async () => {
    const calls: string[] = [];
    const spy: RateLimiter = {
      take: async () => (calls.push("take"), { allowed: false, deniedBy: { kind: "daily-requests", limit: 1 }, retryAfterSeconds: 1, window: null, at: 0 }),
      refund: async () => void calls.push("refund"),
      recordTokens: async () => void calls.push("recordTokens"),
      usage: async () => ({ windows: {}, day: "", dailyRequests: 0, dailyTokens: 0 }),
    };
    const { limits } = setup({ limiter: spy, defaults: { chat_per_minute_per_ip: 1, daily_requests_per_key: 1 } });
    for (const action of ["chat", "search", "feedback", "ingest"] as const) expect(await limits.check(operator, action, "a")).toEqual({ allowed: true, window: null });
    await limits.recordGeneration(operator, { characters: 1000 });
    expect(calls).toEqual([]);
    // The same limiter does refuse a tenant's key.
    expect((await limits.check(tenantKey(), "chat", "a")).allowed).toBe(false);
  });

  it("turns a limit off with 0", async () => {
    const { limits, limiter } = setup({ defaults: { chat_per_minute_per_ip: 0, requests_per_minute_per_key: 0, daily_requests_per_key: 0, daily_tokens_per_key: 0 } });
    const key = tenantKey();
    expect(await allowedCount(() => limits.check(key, "chat", "a"), 100)).toBe(100);
    await limits.recordGeneration(key, { characters: 1000 });
    expect(await limiter.usage(`key:${key.keyId}`)).toMatchObject({ dailyTokens: 0, dailyRequests: 0, windows: {} });
  });

  it("fails closed: a missing binding is MISCONFIGURED, a failing limiter UPSTREAM_UNAVAILABLE", async () => {
    const missing = new UsageLimits({ limiter: undefined, defaults: defaultUsageLimits, log: silentLogger });
    await expect(missing.check(tenantKey(), "chat", "a")).rejects.toMatchObject({ code: "MISCONFIGURED" });
    expect((await missing.check(operator, "chat", "a")).allowed).toBe(true);
    const broken: RateLimiter = {
      take: async () => {
        throw new Error("Durable Object is overloaded");
      },
      refund: async () => {},
      recordTokens: async () => {
        throw new Error("Durable Object is overloaded");
      },
      usage: async () => ({ windows: {}, day: "", dailyRequests: 0, dailyTokens: 0 }),
    };
    const limits = new UsageLimits({ limiter: broken, defaults: defaultUsageLimits, log: silentLogger });
    await expect(limits.check(tenantKey(), "chat", "a")).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    // Recording after an answer never throws.
    await expect(limits.recordGeneration(tenantKey(), { characters: 100 })).resolves.toBeUndefined();
  });
});
