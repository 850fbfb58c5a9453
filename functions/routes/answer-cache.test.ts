/**
 * The answer cache of POST /v1/chat, end to end: the real worker, D1 and
 * queue consumer, the extractive generator. Each part of the key (question,
 * settings, content version, tenant) is shown to separate answers, and each
 * way in (exact, near-duplicate) to join them.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { DurableObjectRateLimiter } from "../../src/adapters/cloudflare/durable-object-rate-limiter.js";
import { D1AnswerCacheStore } from "../../src/adapters/cloudflare/d1-answer-cache-store.js";
import { createServices } from "../../src/composition-root.js";
import { ManualClock } from "../../src/core/resilience/manual-clock.js";
import { AnswerCache } from "../../src/services/answer-cache/answer-cache.js";
import { sampleDocs } from "../demo/sample-docs.js";
import { call, chatStream, createKey, createTenant, ingestAs, operatorKey, raiseLimits, type DocumentInput, type TenantKey } from "../../test/security/tenant-fixtures.js";

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: "user", content }], ...extra });

/** A streamed chat as `key`: the answer, sources, `done` and the X-Cache header. */
async function chat(key: string, body: Record<string, unknown>) {
  const result = await chatStream(key, body);
  expect(result.response.status, result.response.text).toBe(200);
  const done = result.events.at(-1)!;
  expect(done.event).toBe("done");
  return { answer: result.answer, sources: result.sources, done: done.data, xCache: result.response.headers.get("x-cache"), events: result.events };
}

async function cacheRows(tenantId: string): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM answer_cache WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>())!.n;
}

async function contentVersion(tenantId: string): Promise<number> {
  return (await env.DB.prepare("SELECT version FROM content_versions WHERE tenant_id = ?").bind(tenantId).first<{ version: number }>())?.version ?? 0;
}

let tenant: string;
let admin: TenantKey;
let query: TenantKey;

beforeAll(async () => {
  tenant = await createTenant("Answer cache");
  await raiseLimits(tenant);
  admin = await createKey(tenant, ["admin"]);
  query = await createKey(tenant, ["query"]);
  await ingestAs(admin.key, sampleDocs as DocumentInput[]);
});

describe("answer cache: hits and misses", () => {
  it("answers a repeated question from the cache: same answer, sources and grounding, X-Cache miss then hit", async () => {
    const first = await chat(query.key, ask("How long do I have to ask for a refund?"));
    expect(first.xCache).toBe("miss");
    expect(first.done.cache).toBe("miss");
    expect(first.answer).toMatch(/30 days/);

    const second = await chat(query.key, ask("How long do I have to ask for a refund?"));
    expect(second.xCache).toBe("hit");
    expect(second.done.cache).toBe("hit");
    expect(second.answer).toBe(first.answer);
    expect(second.sources).toEqual(first.sources);
    expect(second.done.grounded).toBe(first.done.grounded);
    expect(second.done.retrieval_queries).toEqual(first.done.retrieval_queries);
    // The same event shapes: sources, delta(s), done.
    expect(second.events.map((event) => event.event)).toEqual(["sources", "delta", "done"]);
    expect(second.done.timings.generation_ms).toBe(0);
  });

  it("serves the non-streamed JSON from the same entry, with `cache` and X-Cache", async () => {
    const streamed = await chat(query.key, ask("When is support open?"));
    expect(streamed.done.cache).toBe("miss");
    const json = await call("POST", "/v1/chat", { key: query.key, body: ask("When is support open?", { stream: false }) });
    expect(json.status).toBe(200);
    expect(json.headers.get("x-cache")).toBe("hit");
    expect(json.body.cache).toBe("hit");
    expect(json.body.answer).toBe(streamed.answer);
    expect(json.body.sources).toEqual(streamed.sources);
  });

  it("folds case, whitespace and punctuation, and matches a near-duplicate", async () => {
    const first = await chat(query.key, ask("What does error code E4 mean on the heat pump?"));
    expect(first.done.cache).toBe("miss");
    const folded = await chat(query.key, ask("  what DOES error code e4 mean on the heat-pump "));
    expect(folded.done.cache).toBe("hit");
    const nearDuplicate = await chat(query.key, ask("What does error code E4 mean on the heat pump, please?"));
    expect(nearDuplicate.xCache).toBe("hit");
    expect(nearDuplicate.answer).toBe(first.answer);
  });

  it("does not match a different question that shares most words", async () => {
    const open = await chat(query.key, ask("When is the office open on weekdays?"));
    expect(open.done.cache).toBe("miss");
    const closed = await chat(query.key, ask("When is the office closed on weekdays?"));
    expect(closed.xCache).toBe("miss");
  });

  it("keys by the settings: another top_k, filter or mode is a miss", async () => {
    const question = "How do I deploy the service?";
    expect((await chat(query.key, ask(question))).done.cache).toBe("miss");
    expect((await chat(query.key, ask(question))).done.cache).toBe("hit");
    expect((await chat(query.key, ask(question, { top_k: 2 }))).done.cache).toBe("miss");
    expect((await chat(query.key, ask(question, { filter: { document_id: "deploy-guide" } }))).done.cache).toBe("miss");
    expect((await chat(query.key, ask(question, { mode: "keyword" }))).done.cache).toBe("miss");
    // Each was stored under its own settings.
    expect((await chat(query.key, ask(question, { top_k: 2 }))).done.cache).toBe("hit");
  });

  it("caches a decline (grounded: false) for the content it was made from", async () => {
    const first = await chat(query.key, ask("Who painted the ceiling of the Sistine Chapel?"));
    expect(first.done.grounded).toBe(false);
    expect(first.done.cache).toBe("miss");
    const second = await chat(query.key, ask("Who painted the ceiling of the Sistine Chapel?"));
    expect(second.done).toMatchObject({ grounded: false, cache: "hit" });
    expect(second.answer).toBe(first.answer);
  });

  it("does not charge generated tokens for a hit", async () => {
    const key = await createKey(tenant, ["query"]);
    const limiter = new DurableObjectRateLimiter(env.RATE_LIMITER);
    const miss = await chat(key.key, ask("How are refunds paid out?"));
    expect(miss.done.cache).toBe("miss");
    const charged = (await limiter.usage(`key:${key.id}`)).dailyTokens;
    expect(charged).toBeGreaterThan(0);
    const hit = await chat(key.key, ask("How are refunds paid out?"));
    expect(hit.done.cache).toBe("hit");
    const after = await limiter.usage(`key:${key.id}`);
    expect(after.dailyTokens).toBe(charged);
    // It still counts as a request.
    expect(after.dailyRequests).toBeGreaterThan(1);
  });
});

describe("answer cache: the OpenAI-compatible API and the MCP ask tool", () => {
  const completions = (body: Record<string, unknown>) => call("POST", "/v1/chat/completions", { key: query.key, body: { model: "edge-rag", ...body } });
  const mcpAsk = async (args: Record<string, unknown>) => {
    const response = await call("POST", "/mcp", {
      key: query.key,
      headers: { accept: "application/json, text/event-stream" },
      body: { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "ask", arguments: args } },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.result?.isError, response.text).toBeFalsy();
    return response.body.result.structuredContent as { answer: string; sources: unknown[]; cache: string };
  };

  it("/v1/chat/completions shares /v1/chat's entries: a question answered by one is a hit in the other", async () => {
    const question = "Which payment methods are accepted?";
    const chatted = await chat(query.key, ask(question));
    expect(chatted.xCache).toBe("miss");
    const json = await completions({ messages: [{ role: "user", content: question }] });
    expect(json.status, json.text).toBe(200);
    expect(json.headers.get("x-cache")).toBe("hit");
    expect(json.body.choices[0].message.content).toBe(chatted.answer);
    expect(json.body.sources).toEqual(chatted.sources);
    const streamed = await completions({ messages: [{ role: "user", content: question }], stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get("x-cache")).toBe("hit");
    expect(streamed.text).toContain("[DONE]");
  });

  it("/v1/chat/completions keys by temperature 0 and token limit, does not cache sampling (temperature > 0), and `cache: false` bypasses", async () => {
    const messages = [{ role: "user", content: "How do I rotate an API key?" }];
    expect((await completions({ messages })).headers.get("x-cache")).toBe("miss");
    expect((await completions({ messages })).headers.get("x-cache")).toBe("hit");
    expect((await completions({ messages, temperature: 0 })).headers.get("x-cache")).toBe("miss");
    expect((await completions({ messages, temperature: 0 })).headers.get("x-cache")).toBe("hit");
    expect((await completions({ messages, temperature: 0.7 })).headers.get("x-cache")).toBe("bypass");
    expect((await completions({ messages, max_tokens: 50 })).headers.get("x-cache")).toBe("miss");
    const bypass = await completions({ messages, cache: false });
    expect(bypass.status, bypass.text).toBe(200);
    expect(bypass.headers.get("x-cache")).toBe("bypass");
    // History: not cached, as on /v1/chat.
    const followUp = await completions({ messages: [...messages, { role: "assistant", content: "Use the keys API." }, { role: "user", content: "And revoke one?" }] });
    expect(followUp.headers.get("x-cache")).toBe("bypass");
  });

  it("MCP ask answers from the same cache (`cache` in structuredContent); cache: false bypasses", async () => {
    const question = "Can I get an invoice for my order?";
    const first = await mcpAsk({ question });
    expect(first.cache).toBe("miss");
    const second = await mcpAsk({ question });
    expect(second.cache).toBe("hit");
    expect(second.answer).toBe(first.answer);
    expect(second.sources).toEqual(first.sources);
    // Shared with /v1/chat: the same question and settings there is a hit too.
    expect((await chat(query.key, ask(question))).xCache).toBe("hit");
    expect((await mcpAsk({ question, top_k: 2 })).cache).toBe("miss");
    expect((await mcpAsk({ question, cache: false })).cache).toBe("bypass");
  });
});

describe("answer cache: bypass", () => {
  it("cache: false answers afresh, says bypass and stores nothing", async () => {
    const question = "What payment methods are accepted?";
    const bypassed = await chat(query.key, ask(question, { cache: false }));
    expect(bypassed.xCache).toBe("bypass");
    expect(bypassed.done.cache).toBe("bypass");
    expect((await chat(query.key, ask(question, { cache: false }))).done.cache).toBe("bypass");
    // Nothing was stored: the first cached request misses.
    expect((await chat(query.key, ask(question))).done.cache).toBe("miss");
    // And cache: false does not read a stored entry either.
    expect((await chat(query.key, ask(question, { cache: false }))).done.cache).toBe("bypass");
  });

  it("does not cache a conversation with history", async () => {
    const conversation = {
      messages: [
        { role: "user", content: "When is support open?" },
        { role: "assistant", content: "Monday to Friday [1]." },
        { role: "user", content: "And on weekends?" },
      ],
    };
    expect((await chat(query.key, conversation)).done.cache).toBe("bypass");
    expect((await chat(query.key, conversation)).xCache).toBe("bypass");
  });
});

describe("answer cache: invalidation", () => {
  it("a document that becomes active, then one deleted, turn a hit into a miss", async () => {
    const question = "How long does a refund take to arrive?";
    expect((await chat(query.key, ask(question))).done.cache).toBe("miss");
    expect((await chat(query.key, ask(question))).done.cache).toBe("hit");

    const before = await contentVersion(tenant);
    await ingestAs(admin.key, [{ id: "refund-speed", title: "Refund speed", content: "A refund takes five business days to arrive once it is approved." }]);
    expect(await contentVersion(tenant)).toBeGreaterThan(before);
    const afterIngest = await chat(query.key, ask(question));
    expect(afterIngest.done.cache).toBe("miss");
    expect(afterIngest.sources.some((source) => source.document_id === "refund-speed")).toBe(true);
    expect((await chat(query.key, ask(question))).done.cache).toBe("hit");

    expect((await call("DELETE", "/v1/documents/refund-speed", { key: admin.key })).status).toBe(202);
    const afterDelete = await chat(query.key, ask(question));
    expect(afterDelete.done.cache).toBe("miss");
    expect(afterDelete.sources.some((source) => source.document_id === "refund-speed")).toBe(false);
  });

  it("a change of the index settings turns a hit into a miss", async () => {
    const question = "Which regions can the service be deployed to?";
    expect((await chat(query.key, ask(question))).done.cache).toBe("miss");
    expect((await chat(query.key, ask(question))).done.cache).toBe("hit");
    expect((await call("PUT", "/v1/index/settings", { key: admin.key, body: { fusion: { k: 30 } } })).status).toBe(200);
    expect((await chat(query.key, ask(question))).done.cache).toBe("miss");
    expect((await chat(query.key, ask(question))).done.cache).toBe("hit");
    // An update of a stored setting (an upsert) bumps it too.
    expect((await call("PUT", "/v1/index/settings", { key: admin.key, body: { fusion: { k: 31 } } })).status).toBe(200);
    expect((await chat(query.key, ask(question))).done.cache).toBe("miss");
    expect((await call("PUT", "/v1/index/settings", { key: admin.key, body: { fusion: null } })).status).toBe(200);
  });

  it("re-posting a visible document with new metadata (an upsert) invalidates at once", async () => {
    const question = "When is the support desk open?";
    expect((await chat(query.key, ask(question))).done.cache).toBe("miss");
    expect((await chat(query.key, ask(question))).done.cache).toBe("hit");
    const before = await contentVersion(tenant);
    const office = sampleDocs.find((doc) => doc.id === "office-hours")!;
    const reposted = await call("POST", "/v1/documents", { key: admin.key, body: { ...office, metadata: { ...office.metadata, year: 2026 } } });
    expect(reposted.status, reposted.text).toBe(202);
    expect(await contentVersion(tenant)).toBeGreaterThan(before);
    expect((await chat(query.key, ask(question))).done.cache).toBe("miss");
    await ingestAs(admin.key, [{ ...(office as DocumentInput), metadata: { ...office.metadata, year: 2026 } }]);
  });

  it("never stores an answer computed under a content version that is no longer current", async () => {
    const store = new D1AnswerCacheStore(env.DB);
    const version = await contentVersion(tenant);
    const entry = { tenantId: tenant, scope: "probe", question: "probe", bands: ["0:probe"], payload: "{}", now: Date.now(), expiresAt: Date.now() + 60_000, maxEntries: 1000, settleMs: 0 };
    expect(await store.store({ ...entry, id: "stale-probe", contentVersion: version - 1 })).toBe(false);
    // The content changed within the last hour (the documents ingested above): a one-hour settle window refuses it.
    expect(await store.store({ ...entry, id: "settling-probe", contentVersion: version, settleMs: 3_600_000 })).toBe(false);
    expect(await store.store({ ...entry, id: "current-probe", contentVersion: version })).toBe(true);
    expect((await store.lookup({ tenantId: tenant, scope: "probe", question: "probe", bands: ["0:probe"], now: Date.now(), maxCandidates: 4 })).exact?.id).toBe("current-probe");
  });
});

describe("answer cache: content changes outside the documents' own writes", () => {
  it("a repaired document becoming ready again (same active version) bumps the content version", async () => {
    const before = await contentVersion(tenant);
    const office = await env.DB.prepare("SELECT active_version FROM documents WHERE tenant_id = ? AND id = 'office-hours'").bind(tenant).first<{ active_version: number }>();
    expect(office?.active_version).toBeTypeOf("number");
    // What a consistency repair does to a live document: queued, processing, then ready again with the same active_version.
    for (const status of ["queued", "processing", "ready"]) {
      await env.DB.prepare("UPDATE documents SET status = ? WHERE tenant_id = ? AND id = 'office-hours'").bind(status, tenant).run();
    }
    expect(await contentVersion(tenant)).toBe(before + 1);
  });

  it("a purge bumps the version, so an answer computed before it is not stored after it", async () => {
    const store = new D1AnswerCacheStore(env.DB);
    const version = await contentVersion(tenant);
    await store.purge(tenant);
    expect(await contentVersion(tenant)).toBe(version + 1);
    const entry = { tenantId: tenant, id: "pre-purge", scope: "probe", question: "probe", bands: ["0:probe"], payload: "{}", now: Date.now(), expiresAt: Date.now() + 60_000, maxEntries: 1000, settleMs: 0 };
    expect(await store.store({ ...entry, contentVersion: version })).toBe(false);
  });
});

describe("answer cache: purge, tenants, races", () => {
  it("DELETE /v1/cache empties the tenant's cache (admin only)", async () => {
    const question = "What is the refund policy for annual plans?";
    await chat(query.key, ask(question));
    expect((await chat(query.key, ask(question))).done.cache).toBe("hit");
    const refused = await call("DELETE", "/v1/cache", { key: query.key });
    expect(refused.status).toBe(403);
    const purged = await call("DELETE", "/v1/cache", { key: admin.key });
    expect(purged.status).toBe(200);
    expect(purged.body.deleted).toBeGreaterThan(0);
    expect(await cacheRows(tenant)).toBe(0);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM answer_cache_bands WHERE tenant_id = ?").bind(tenant).first<{ n: number }>())!.n).toBe(0);
    expect((await chat(query.key, ask(question))).done.cache).toBe("miss");
  });

  it("never gives one tenant another tenant's cached answer", async () => {
    const other = await createTenant("Answer cache, other tenant");
    await raiseLimits(other);
    const otherAdmin = await createKey(other, ["admin"]);
    await ingestAs(otherAdmin.key, [{ id: "refunds", title: "Refunds", content: "Refunds can be requested within 14 days of purchase." }]);
    const question = "How long do I have to ask for a refund?";
    expect((await chat(query.key, ask(question))).done.cache).not.toBe("bypass");
    const ours = await chat(query.key, ask(question));
    expect(ours.done.cache).toBe("hit");
    const theirs = await chat(otherAdmin.key, ask(question));
    expect(theirs.done.cache).toBe("miss");
    expect(theirs.sources.every((source) => source.document_id === "refunds")).toBe(true);
    expect(theirs.answer).toMatch(/14 days/);
    expect(theirs.answer).not.toBe(ours.answer);
    // Purging one tenant's cache leaves the other's.
    expect((await call("DELETE", "/v1/cache", { key: otherAdmin.key })).status).toBe(200);
    expect((await chat(query.key, ask(question))).done.cache).toBe("hit");
  });

  it("two identical misses racing both answer and leave one entry", async () => {
    const question = "Where do I find the heat pump's serial number?";
    const rowsBefore = await cacheRows(tenant);
    const [a, b] = await Promise.all([chat(query.key, ask(question)), chat(query.key, ask(question))]);
    expect(a.answer).toBe(b.answer);
    expect([a.done.cache, b.done.cache].every((status) => status === "miss" || status === "hit")).toBe(true);
    expect(await cacheRows(tenant)).toBe(rowsBefore + 1);
    expect((await chat(query.key, ask(question))).done.cache).toBe("hit");
  });

  it("a deleted tenant's cache rows are purged with it", async () => {
    const doomed = await createTenant("Answer cache, deleted");
    await raiseLimits(doomed);
    const doomedAdmin = await createKey(doomed, ["admin"]);
    await ingestAs(doomedAdmin.key, [{ id: "doc", content: "The lighthouse keeper trims the wicks every evening at dusk." }]);
    await chat(doomedAdmin.key, ask("When are the wicks trimmed?"));
    expect(await cacheRows(doomed)).toBe(1);
    expect(await contentVersion(doomed)).toBeGreaterThan(0);
    expect((await call("DELETE", `/v1/tenants/${doomed}`, { key: operatorKey })).status).toBe(202);
    await vi.waitUntil(async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM tenants WHERE id = ?").bind(doomed).first<{ n: number }>())!.n === 0, { timeout: 30_000, interval: 200 });
    expect(await cacheRows(doomed)).toBe(0);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM answer_cache_bands WHERE tenant_id = ?").bind(doomed).first<{ n: number }>())!.n).toBe(0);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM content_versions WHERE tenant_id = ?").bind(doomed).first<{ n: number }>())!.n).toBe(0);
  });
});

describe("answer cache: lifetime and size (service on real D1, clock by hand)", () => {
  async function cacheWith(options: { ttlSeconds?: number; maxEntries?: number; settleSeconds?: number }, clock: ManualClock) {
    const services = await createServices(env);
    return new AnswerCache({ store: new D1AnswerCacheStore(env.DB), chat: services.chat, fingerprint: `lifetime-${Math.random()}`, options: { settleSeconds: 0, ...options }, clock });
  }
  const request = (content: string) => ({ tenantId: tenant, messages: [{ role: "user" as const, content }], topK: 6, mode: "hybrid" as const });
  const settings = { cache: true, settings: { top_k: 6 } };

  it("stores nothing while a content change may still be settling in the vector index", async () => {
    // The tenant's content changed moments ago (documents ingested above): within the settle window a
    // miss is answered but not stored, so asking again is a miss again; with no window it is stored.
    await ingestAs(admin.key, [{ id: "settle-probe", title: "Settle probe", content: "The settle probe document mentions a lighthouse keeper." }]);
    const settling = await cacheWith({ settleSeconds: 3600 }, new ManualClock(Date.now()));
    const question = "What does the settle probe mention?";
    expect((await settling.answer(request(question), settings)).cache).toBe("miss");
    expect((await settling.answer(request(question), settings)).cache).toBe("miss");
    const settled = await cacheWith({ settleSeconds: 0 }, new ManualClock(Date.now()));
    expect((await settled.answer(request(question), settings)).cache).toBe("miss");
    expect((await settled.answer(request(question), settings)).cache).toBe("hit");
  });

  it("expires an entry after its TTL", async () => {
    const clock = new ManualClock(Date.now());
    const cache = await cacheWith({ ttlSeconds: 60 }, clock);
    expect((await cache.answer(request("When is support open?"), settings)).cache).toBe("miss");
    clock.advance(59_000);
    expect((await cache.answer(request("When is support open?"), settings)).cache).toBe("hit");
    clock.advance(2_000);
    expect((await cache.answer(request("When is support open?"), settings)).cache).toBe("miss");
  });

  it("keeps at most maxEntries per tenant, evicting the oldest", async () => {
    const clock = new ManualClock(Date.now());
    const cache = await cacheWith({ maxEntries: 2 }, clock);
    const questions = ["How long do I have to ask for a refund?", "When is support open?", "What does error code E7 mean?"];
    for (const question of questions) {
      expect((await cache.answer(request(question), settings)).cache).toBe("miss");
      clock.advance(1000);
    }
    expect(await cacheRows(tenant)).toBeLessThanOrEqual(2);
    expect((await cache.answer(request(questions[2]!), settings)).cache).toBe("hit");
    expect((await cache.answer(request(questions[0]!), settings)).cache).toBe("miss");
  });
});
