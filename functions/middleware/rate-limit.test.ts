/**
 * Rate limits and daily budgets over HTTP, with tenants and keys created
 * through the API and the real Durable Object limiter. Every test uses its
 * own tenant and keys, so counts never carry over between tests.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DurableObjectRateLimiter } from "../../src/adapters/cloudflare/durable-object-rate-limiter.js";
import { api, parseSseText, type ApiResponse } from "../../test/helpers.js";

const origin = "https://shop.example";

async function createTenant(limits?: Record<string, number>): Promise<string> {
  const created = await api("POST", "/v1/tenants", { name: "rate limit test" });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  if (limits) await setLimits(created.body.id, limits);
  return created.body.id;
}

async function setLimits(tenantId: string, limits: Record<string, number>): Promise<void> {
  const response = await api("PUT", `/v1/tenants/${tenantId}/limits`, limits);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.limits).toEqual(limits);
}

async function createKey(tenantId: string, scopes: string[]): Promise<{ id: string; key: string }> {
  const publishable = scopes.includes("publishable");
  const response = await api("POST", "/v1/keys", { tenant_id: tenantId, scopes, ...(publishable ? { origins: [origin] } : {}) });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

function as(key: { key: string }, address?: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${key.key}`, origin, ...(address ? { "cf-connecting-ip": address } : {}) } };
}

const search = (key: { key: string }, address?: string) => api("POST", "/v1/search", { query: "refund policy", mode: "keyword" }, as(key, address));
const chat = (key: { key: string }, address?: string, stream = false) =>
  api("POST", "/v1/chat", { messages: [{ role: "user", content: "How long do refunds take?" }], mode: "keyword", stream }, as(key, address));

function expect429(response: ApiResponse, code: "RATE_LIMITED" | "BUDGET_EXHAUSTED", maxRetryAfter: number): number {
  expect(response.status, JSON.stringify(response.body)).toBe(429);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(Object.keys(response.body)).toEqual(["error"]);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.message).toMatch(/\S/);
  const retryAfter = response.headers.get("retry-after") ?? "";
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(maxRetryAfter);
  return Number(retryAfter);
}

describe("rate limits over HTTP", () => {
  it("answers 429 RATE_LIMITED with Retry-After and RateLimit headers once a limit is reached", async () => {
    const tenant = await createTenant({ search_per_minute_per_ip: 2 });
    const key = await createKey(tenant, ["query"]);
    const first = await search(key);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect([first.headers.get("ratelimit-limit"), first.headers.get("ratelimit-remaining")]).toEqual(["2", "1"]);
    expect(Number(first.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(1);
    expect((await search(key)).headers.get("ratelimit-remaining")).toBe("0");
    const refused = await search(key);
    expect429(refused, "RATE_LIMITED", 61);
    expect(refused.body.error.message).toMatch(/2 searches per minute from one client address/);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
  });

  it("limits each client address of one key on its own", async () => {
    const tenant = await createTenant({ search_per_minute_per_ip: 1 });
    const key = await createKey(tenant, ["query"]);
    expect((await search(key, "198.51.100.1")).status).toBe(200);
    expect429(await search(key, "198.51.100.1"), "RATE_LIMITED", 61);
    expect((await search(key, "198.51.100.2")).status).toBe(200);
    // IPv6 counts per /64: another address in the same /64 is the same client.
    expect((await search(key, "2001:db8:0:1::1")).status).toBe(200);
    expect429(await search(key, "2001:db8:0:1::2"), "RATE_LIMITED", 61);
    // Without CF-Connecting-IP (local mode) every client is one "unknown" address.
    expect((await search(key)).status).toBe(200);
    expect429(await search(key), "RATE_LIMITED", 61);
  });

  it("limits the key across addresses, and never charges it for requests an address limit refused", async () => {
    const tenant = await createTenant({ requests_per_minute_per_key: 3, search_per_minute_per_ip: 1 });
    const key = await createKey(tenant, ["query"]);
    expect((await search(key, "192.0.2.1")).status).toBe(200);
    for (let i = 0; i < 4; i++) expect429(await search(key, "192.0.2.1"), "RATE_LIMITED", 61);
    expect((await search(key, "192.0.2.2")).status).toBe(200);
    expect((await search(key, "192.0.2.3")).status).toBe(200);
    const refused = await search(key, "192.0.2.4");
    expect429(refused, "RATE_LIMITED", 61);
    expect(refused.body.error.message).toMatch(/3 requests per minute with this key/);
  });

  it("allows a publishable key 30 chat requests per minute per client address by default; PUT /v1/tenants/:id/limits changes it", async () => {
    const tenant = await createTenant();
    const widget = await createKey(tenant, ["publishable"]);
    for (let i = 0; i < 30; i++) {
      const response = await chat(widget, "203.0.113.9");
      expect(response.status, `request ${i + 1}: ${JSON.stringify(response.body)}`).toBe(200);
    }
    const refused = await chat(widget, "203.0.113.9");
    expect429(refused, "RATE_LIMITED", 61);
    expect(refused.body.error.message).toMatch(/30 chat requests per minute/);
    // The widget can read the refusal cross-origin.
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    expect(refused.headers.get("access-control-expose-headers")).toMatch(/retry-after/);
    expect((await chat(widget, "203.0.113.10")).status).toBe(200);

    await setLimits(tenant, { chat_per_minute_per_ip: 32 });
    expect((await chat(widget, "203.0.113.9")).status).toBe(200);
    expect((await chat(widget, "203.0.113.9")).status).toBe(200);
    expect429(await chat(widget, "203.0.113.9"), "RATE_LIMITED", 61);
    await setLimits(tenant, { chat_per_minute_per_ip: 1 });
    expect429(await chat(widget, "203.0.113.10"), "RATE_LIMITED", 61);
  });

  it("limits a publishable key's searches (the widget's search mode) per client address: 120 per minute by default, its own bucket beside chat", async () => {
    const tenant = await createTenant();
    const widget = await createKey(tenant, ["publishable"]);
    const first = await search(widget, "203.0.113.20");
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.headers.get("access-control-allow-origin")).toBe("*");
    expect([first.headers.get("ratelimit-limit"), first.headers.get("ratelimit-remaining")]).toEqual(["120", "119"]);

    await setLimits(tenant, { search_per_minute_per_ip: 3 });
    expect((await search(widget, "203.0.113.20")).status).toBe(200);
    expect((await search(widget, "203.0.113.20")).status).toBe(200);
    const refused = await search(widget, "203.0.113.20");
    expect429(refused, "RATE_LIMITED", 61);
    expect(refused.body.error.message).toMatch(/3 searches per minute from one client address/);
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    expect(refused.headers.get("access-control-expose-headers")).toMatch(/retry-after/);
    // Searching does not use up the address's chat allowance, nor another address's searches.
    expect((await chat(widget, "203.0.113.20")).status).toBe(200);
    expect((await search(widget, "203.0.113.21")).status).toBe(200);
  });

  it("limits ingestion per key on create, batch and delete", async () => {
    const tenant = await createTenant({ ingest_per_minute_per_key: 1 });
    const key = await createKey(tenant, ["ingest"]);
    const created = await api("POST", "/v1/documents", { id: "doc-1", content: "Refunds take five days." }, as(key));
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect429(await api("POST", "/v1/documents/batch", { documents: [{ id: "doc-2", content: "More." }] }, as(key)), "RATE_LIMITED", 61);
    expect429(await api("DELETE", "/v1/documents/doc-1", undefined, as(key)), "RATE_LIMITED", 61);
    // Reading is not ingesting.
    expect((await api("GET", "/v1/documents/doc-1", undefined, as(key))).status).toBe(200);
  });

  it("refuses a key's requests beyond its daily budget with BUDGET_EXHAUSTED", async () => {
    const tenant = await createTenant({ daily_requests_per_key: 3 });
    const key = await createKey(tenant, ["query"]);
    expect((await search(key, "192.0.2.10")).status).toBe(200);
    expect((await chat(key, "192.0.2.11")).status).toBe(200);
    const feedback = await api("POST", "/v1/feedback", { rating: "up", question: "q", answer: "a", sources: [] }, as(key, "192.0.2.12"));
    expect(feedback.status, JSON.stringify(feedback.body)).toBe(201);
    const refused = await search(key, "192.0.2.13");
    expect429(refused, "BUDGET_EXHAUSTED", 86_400);
    expect(refused.body.error.message).toMatch(/3 requests per day/);
    // The budget is the key's: another key of the tenant has its own.
    expect((await search(await createKey(tenant, ["query"]))).status).toBe(200);
  });

  it("charges a streamed answer's tokens before `done`, then refuses chat once the day's tokens are spent", async () => {
    const tenant = await createTenant({ daily_tokens_per_key: 5 });
    const key = await createKey(tenant, ["query"]);
    // A document that answers the question: a decline (nothing retrieved) generates nothing and costs no tokens.
    const onTenant = { headers: { "x-tenant-id": tenant } };
    expect((await api("POST", "/v1/documents", { id: "refunds", content: "Refunds take five business days once approved." }, onTenant)).status).toBe(202);
    await vi.waitUntil(async () => (await api("GET", "/v1/documents/refunds", undefined, onTenant)).body.status === "ready", { timeout: 20_000, interval: 100 });
    const streamed = await chat(key, undefined, true);
    expect(streamed.status).toBe(200);
    const events = parseSseText(streamed.body as string);
    expect(events.at(-1)?.event).toBe("done");
    const answer = events.filter((event) => event.event === "delta").map((event) => event.data.text as string).join("");
    // The extractive generator reports no usage: one token per four characters it generated.
    expect(answer.length).toBeGreaterThan(20);
    const usage = await new DurableObjectRateLimiter(env.RATE_LIMITER).usage(`key:${key.id}`);
    expect(usage.dailyTokens).toBe(Math.ceil(answer.length / 4));

    const refused = await chat(key, undefined, true);
    expect429(refused, "BUDGET_EXHAUSTED", 86_400);
    expect(refused.body.error.message).toMatch(/5 tokens per day/);
    // Only generation is refused: search still works.
    expect((await search(key)).status).toBe(200);
  });

  it("exempts the operator's key (API_KEY), also when it acts on a limited tenant; the tenant's own keys are limited", async () => {
    const tiny = { requests_per_minute_per_key: 1, search_per_minute_per_ip: 1, chat_per_minute_per_ip: 1, daily_requests_per_key: 1, daily_tokens_per_key: 1 };
    const tenant = await createTenant(tiny);
    await setLimits("default", tiny);
    try {
      for (let i = 0; i < 3; i++) {
        const own = await api("POST", "/v1/search", { query: "refund", mode: "keyword" });
        expect(own.status).toBe(200);
        expect(own.headers.get("ratelimit-limit")).toBeNull();
        expect((await api("POST", "/v1/search", { query: "refund", mode: "keyword" }, { headers: { "x-tenant-id": tenant } })).status).toBe(200);
        expect((await api("POST", "/v1/chat", { messages: [{ role: "user", content: "refund?" }], stream: false }, { headers: { "x-tenant-id": tenant } })).status).toBe(200);
      }
      const defaultKey = await createKey("default", ["query"]);
      expect((await search(defaultKey)).status).toBe(200);
      // Both its per-minute limit and its daily budget refuse; the longer wait is the one reported.
      expect429(await search(defaultKey), "BUDGET_EXHAUSTED", 86_400);
    } finally {
      await setLimits("default", {});
    }
  });
});
