/**
 * API key lifecycle and authorisation: a scope × route matrix, publishable
 * keys and their origins, keys shown once and stored hashed, revocation that
 * takes effect on the next request, and the line between a tenant's admin
 * key and the operator's key. (Rate limits have their own suite.)
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/document-identity.js";
import { call, createKey, createTenant, expectSafeError, ingestAs, operatorKey, raiseLimits, type TenantKey } from "./tenant-fixtures.js";

interface Caller {
  name: string;
  key: string;
  headers: Record<string, string>;
}

type CallerName = "admin" | "ingest" | "query" | "publishable" | "ingest+query" | "operator";
const callerNames: CallerName[] = ["admin", "ingest", "query", "publishable", "ingest+query", "operator"];

interface Route {
  method: string;
  /** Shown in the test name when the path is prepared per call. */
  label?: string;
  /** The path, possibly prepared per call (a fresh key or tenant to delete). */
  path: string | ((caller: CallerName) => Promise<string>);
  body?: (caller: CallerName) => unknown;
  /** Status per caller. */
  expect: Record<CallerName, number>;
}

let tenant: string;
let callers: Record<CallerName, Caller>;
let counter = 0;

/** Same status for every tenant key, another for the operator. */
const operatorOnly = (status: number) => ({ admin: 403, ingest: 403, query: 403, publishable: 403, "ingest+query": 403, operator: status });
const byScopes = (allowed: CallerName[], status: number, denied = 403) =>
  Object.fromEntries(callerNames.map((name) => [name, name === "operator" || allowed.includes(name) ? status : denied])) as Record<CallerName, number>;

const routes: Route[] = [
  { method: "POST", path: "/v1/documents", body: (c) => ({ id: `m-${++counter}`, content: `Matrix document ${c} ${counter}.` }), expect: byScopes(["admin", "ingest", "ingest+query"], 202) },
  { method: "POST", path: "/v1/documents/batch", body: (c) => ({ documents: [{ id: `m-${++counter}`, content: `Batch ${c} ${counter}.` }] }), expect: byScopes(["admin", "ingest", "ingest+query"], 202) },
  { method: "GET", path: "/v1/documents", expect: byScopes(["admin", "ingest", "query", "ingest+query"], 200) },
  { method: "GET", path: "/v1/documents/seed", expect: byScopes(["admin", "ingest", "query", "ingest+query"], 200) },
  // Passing the scope check on a document that does not exist: 404.
  { method: "DELETE", path: "/v1/documents/absent", expect: byScopes(["admin", "ingest", "ingest+query"], 404) },
  // The widget's search mode: publishable keys may search (from their allowed origins).
  { method: "POST", path: "/v1/search", body: () => ({ query: "seed document" }), expect: byScopes(["admin", "query", "publishable", "ingest+query"], 200) },
  { method: "POST", path: "/v1/chat", body: () => ({ messages: [{ role: "user", content: "What is the seed?" }], stream: false }), expect: byScopes(["admin", "query", "publishable", "ingest+query"], 200) },
  { method: "POST", path: "/v1/chat", body: () => ({ messages: [{ role: "user", content: "What is the seed?" }] }), expect: byScopes(["admin", "query", "publishable", "ingest+query"], 200) },
  {
    method: "POST",
    path: "/v1/feedback",
    body: () => ({ rating: "up", question: "q", answer: "a", sources: [] }),
    expect: byScopes(["admin", "query", "publishable", "ingest+query"], 201),
  },
  { method: "GET", path: "/v1/index/stats", expect: byScopes(["admin", "ingest", "query", "ingest+query"], 200) },
  { method: "GET", path: "/v1/index/settings", expect: byScopes(["admin", "ingest", "query", "ingest+query"], 200) },
  // Per tenant: its admin keys (and the operator).
  { method: "PUT", path: "/v1/index/settings", body: () => ({}), expect: byScopes(["admin"], 200) },
  { method: "DELETE", path: "/v1/cache", expect: byScopes(["admin"], 200) },
  { method: "POST", path: "/v1/tenants", body: () => ({ name: "matrix" }), expect: operatorOnly(201) },
  { method: "GET", path: "/v1/tenants", expect: byScopes(["admin"], 200) },
  { method: "GET", label: "/v1/tenants/:own", path: () => Promise.resolve(`/v1/tenants/${tenant}`), expect: byScopes(["admin"], 200) },
  { method: "PUT", label: "/v1/tenants/:own/limits", path: () => Promise.resolve(`/v1/tenants/${tenant}/limits`), body: () => ({ requests_per_minute_per_key: 100_000 }), expect: operatorOnly(200) },
  {
    method: "DELETE",
    label: "/v1/tenants/:id",
    // The operator deletes a tenant of its own making; the others try their own.
    path: async (c) => `/v1/tenants/${c === "operator" ? await createTenant("to delete") : tenant}`,
    expect: operatorOnly(202),
  },
  { method: "POST", path: "/v1/keys", body: () => ({ scopes: ["query"] }), expect: byScopes(["admin"], 201) },
  { method: "GET", path: "/v1/keys", expect: byScopes(["admin"], 200) },
  {
    method: "DELETE",
    label: "/v1/keys/:id (a fresh key of the tenant)",
    path: async () => `/v1/keys/${(await createKey(tenant, ["query"])).id}`,
    expect: byScopes(["admin"], 204),
  },
];

function request(caller: Caller, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
  return call(method, path, { key: caller.key, headers: { ...caller.headers, ...extra }, body });
}

describe("API keys", () => {
  beforeAll(async () => {
    tenant = await createTenant("Key tests");
    await raiseLimits(tenant);
    await raiseLimits("default");
    const keys: Record<Exclude<CallerName, "operator">, TenantKey> = {
      admin: await createKey(tenant, ["admin"]),
      ingest: await createKey(tenant, ["ingest"]),
      query: await createKey(tenant, ["query"]),
      publishable: await createKey(tenant, ["publishable"], { origins: ["https://shop.example.com"] }),
      "ingest+query": await createKey(tenant, ["ingest", "query"]),
    };
    callers = {
      ...(Object.fromEntries(Object.entries(keys).map(([name, key]) => [name, { name, key: key.key, headers: key.origins ? { origin: key.origins[0]! } : {} }])) as Record<
        Exclude<CallerName, "operator">,
        Caller
      >),
      operator: { name: "operator", key: operatorKey, headers: { "x-tenant-id": tenant } },
    };
    await ingestAs(keys.ingest.key, [{ id: "seed", title: "Seed", content: "The seed document says the harvest starts in September." }]);
  });

  describe("scopes are enforced per route", () => {
    it.each(routes.map((route) => [`${route.method} ${typeof route.path === "string" ? route.path : route.label}${route.body && route.method === "POST" && route.path === "/v1/chat" && !JSON.stringify(route.body("admin")).includes("stream") ? " (streamed)" : ""}`, route] as const))(
      "%s",
      async (_name, route) => {
        const outcomes: Record<string, number> = {};
        for (const name of callerNames) {
          const caller = callers[name];
          const path = typeof route.path === "string" ? route.path : await route.path(name);
          const response = await request(caller, route.method, path, route.body?.(name));
          outcomes[name] = response.status;
          if (response.status >= 400) {
            expectSafeError(response, `${name} ${route.method} ${path}`);
            if (response.status === 403) expect(response.body.error.code).toBe("FORBIDDEN");
          }
        }
        expect(outcomes).toEqual(route.expect);
      },
    );

    it("the publishable key's refusals are about its scope, not its (allowed) origin", async () => {
      for (const [method, path, body] of [
        ["GET", "/v1/documents", undefined],
        ["POST", "/v1/documents", { content: "x" }],
        ["POST", "/v1/documents/batch", { documents: [{ id: "x", content: "x" }] }],
        ["DELETE", "/v1/documents/seed", undefined],
        ["GET", "/v1/keys", undefined],
        ["POST", "/v1/keys", { scopes: ["publishable"], origins: ["https://shop.example.com"] }],
        ["GET", "/v1/index/stats", undefined],
      ] as const) {
        const response = await request(callers.publishable, method, path, body);
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.body.error.message).toMatch(/scope/);
      }
    });

    it("a tenant key with X-Tenant-Id of its own tenant is accepted; of any other, refused", async () => {
      expect((await request(callers.query, "GET", "/v1/documents", undefined, { "x-tenant-id": tenant })).status).toBe(200);
      for (const other of ["default", "t_0000000000000000"]) {
        const response = await request(callers.admin, "GET", "/v1/documents", undefined, { "x-tenant-id": other });
        expect(response.status).toBe(403);
      }
    });
  });

  describe("publishable keys and origins", () => {
    let key: TenantKey;
    const allowedOrigins = ["https://shop.example.com", "https://*.example.org", "http://localhost:8080"];

    beforeAll(async () => {
      key = await createKey(tenant, ["publishable"], { origins: allowedOrigins });
    });

    const chat = (origin: string | undefined) =>
      call("POST", "/v1/chat", { key: key.key, headers: origin === undefined ? {} : { origin }, body: { messages: [{ role: "user", content: "When does the harvest start?" }], stream: false } });

    it.each([
      ["an exact origin", "https://shop.example.com"],
      ["a subdomain of a wildcard", "https://a.example.org"],
      ["a deeper subdomain of a wildcard", "https://a.b.example.org"],
      ["an exact origin with a port", "http://localhost:8080"],
    ])("accepts %s (%s)", async (_name, origin) => {
      const response = await chat(origin);
      expect(response.status, response.text).toBe(200);
      expect(response.body.answer).toMatch(/September/);
      // And the widget's other route.
      const feedback = await call("POST", "/v1/feedback", { key: key.key, headers: { origin }, body: { rating: "up", question: "q", answer: "a", sources: [] } });
      expect(feedback.status).toBe(201);
    });

    it.each([
      ["no Origin header", undefined],
      ["the null origin", "null"],
      ["a foreign origin", "https://evil.example"],
      ["the wildcard's apex", "https://example.org"],
      ["http where https is listed", "http://shop.example.com"],
      ["http under an https wildcard", "http://a.example.org"],
      ["another port", "https://shop.example.com:8443"],
      ["another port under a wildcard", "https://a.example.org:8443"],
      ["a listed origin without its port", "http://localhost"],
      ["https where http is listed", "https://localhost:8080"],
      ["a suffix attack", "https://shop.example.com.evil.com"],
      ["a wildcard suffix attack", "https://a.example.org.evil.com"],
      ["a lookalike domain", "https://evilexample.org"],
      ["an origin with a path", "https://shop.example.com/"],
      ["an origin with credentials", "https://shop.example.com@evil.com"],
      ["a non-canonical origin", "https://SHOP.example.com"],
      ["a file origin", "file://"],
      ["garbage", "not an origin"],
    ])("refuses %s", async (_name, origin) => {
      const response = await chat(origin);
      expect(response.status, response.text).toBe(403);
      expectSafeError(response);
      expect(response.body.error.message).toMatch(/origin/);
      // The widget can still read the refusal (CORS headers on errors).
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
    });

    it("checks the origin on every route, not only chat", async () => {
      const response = await call("POST", "/v1/feedback", { key: key.key, headers: { origin: "https://evil.example" }, body: { rating: "up", question: "q", answer: "a", sources: [] } });
      expect(response.status).toBe(403);
      const search = await call("POST", "/v1/search", { key: key.key, headers: { origin: "https://evil.example" }, body: { query: "harvest" } });
      expect(search.status).toBe(403);
      expect(search.body.error.message).toMatch(/origin/);
      expect(search.headers.get("access-control-allow-origin")).toBe("*");
    });

    it("searches from an allowed origin (the widget's search mode), with CORS headers", async () => {
      const response = await call("POST", "/v1/search", { key: key.key, headers: { origin: "https://a.example.org" }, body: { query: "When does the harvest start?" } });
      expect(response.status, response.text).toBe(200);
      expect(response.body.results[0].document_id).toBe("seed");
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      // Still not the documents themselves, nor changing them.
      expect((await call("GET", "/v1/documents/seed", { key: key.key, headers: { origin: "https://a.example.org" } })).status).toBe(403);
      expect((await call("DELETE", "/v1/documents/seed", { key: key.key, headers: { origin: "https://a.example.org" } })).status).toBe(403);
    });

    it("caps a publishable key's search at 10 results a request (a 400 naming the limit); secret keys keep SEARCH_MAX_TOP_K", async () => {
      const query = "When does the harvest start?";
      const search = (body: Record<string, unknown>) => call("POST", "/v1/search", { key: key.key, headers: { origin: "https://a.example.org" }, body: { query, ...body } });
      const over = await search({ top_k: 11 });
      expect(over.status, over.text).toBe(400);
      expectSafeError(over);
      expect(over.body.error.code).toBe("VALIDATION_FAILED");
      expect(over.body.error.message).toMatch(/top_k.*at most 10.*publishable/);
      expect(over.body.error.details).toEqual([{ path: "top_k", message: expect.stringMatching(/at most 10/) }]);
      expect(over.headers.get("access-control-allow-origin")).toBe("*"); // the widget can read it
      const at = await search({ top_k: 10 });
      expect(at.status, at.text).toBe(200);
      expect(at.body.results[0].document_id).toBe("seed");
      for (const caller of [callers.query, callers.admin, callers.operator]) {
        const wide = await request(caller, "POST", "/v1/search", { query, top_k: 50 });
        expect(wide.status, `${caller.name}: ${wide.text}`).toBe(200);
      }
      // `rerank` is open to publishable keys, as on chat: the answer a query key gets (without a reranking model configured, the same 400 about the model).
      const [publicRerank, secretRerank] = [await search({ rerank: true }), await request(callers.query, "POST", "/v1/search", { query, rerank: true })];
      expect(publicRerank.status, publicRerank.text).toBe(secretRerank.status);
      expect(publicRerank.body.error ?? publicRerank.body.results).toEqual(secretRerank.body.error ?? secretRerank.body.results);
    });

    it("secret keys ignore Origin (they are not for browsers)", async () => {
      const response = await request(callers.query, "POST", "/v1/search", { query: "seed" }, { origin: "https://evil.example" });
      expect(response.status).toBe(200);
    });

    it.each([["*"], ["https://*"], ["https://*.com"], ["*.example.com"], ["https://a.*.example.com"], ["https://example.com/path"], ["null"]])(
      "refuses to create a key for the origin %s",
      async (origin) => {
        const response = await call("POST", "/v1/keys", { body: { tenant_id: tenant, scopes: ["publishable"], origins: [origin] } });
        expect(response.status, response.text).toBe(400);
      },
    );
  });

  describe("keys are shown once and stored hashed", () => {
    it("returns the key string only in the creation response", async () => {
      const created = await createKey(tenant, ["query"]);
      expect(created.key).toMatch(/^sk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(created.id).toBe(`key_${created.key.slice(3, 19)}`);
      const secret = created.key.slice(20);

      for (const list of [await call("GET", "/v1/keys"), await call("GET", `/v1/keys?tenant_id=${tenant}`), await request(callers.admin, "GET", "/v1/keys")]) {
        expect(list.status).toBe(200);
        const listed = list.body.keys.find((entry: { id: string }) => entry.id === created.id);
        expect(listed).toBeDefined();
        expect(Object.keys(listed).sort()).toEqual(["created_at", "id", "name", "origins", "revoked_at", "scopes", "tenant_id"]);
        expect(list.text).not.toContain(secret);
        for (const entry of list.body.keys) expect(entry).not.toHaveProperty("key");
      }
    });

    it("stores only the SHA-256 of the key string in D1", async () => {
      const created = await createKey(tenant, ["ingest"], { as: callers.admin.key });
      const secret = created.key.slice(20);
      const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(created.id).first<Record<string, unknown>>();
      expect(row).not.toBeNull();
      expect(Object.keys(row!).sort()).toEqual(["created_at", "id", "name", "origins", "revoked_at", "scopes", "secret_hash", "tenant_id"]);
      expect(row!.secret_hash).toBe(await sha256Hex(created.key));
      for (const value of Object.values(row!)) {
        expect(String(value)).not.toContain(secret);
        expect(String(value)).not.toContain(created.key);
      }
      // Nowhere else in the database either.
      const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'chunks_fts%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
      for (const { name } of tables) {
        const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
        expect(JSON.stringify(results), name).not.toContain(secret);
      }
    });

    it("key strings of the right shape but unknown, tampered or re-prefixed are 401", async () => {
      const real = await createKey(tenant, ["query"]);
      const random = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
      const hexId = real.key.slice(3, 19);
      const candidates = [
        `sk_${"0".repeat(16)}_${random()}`,
        `sk_${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("")}_${random()}`,
        `sk_${hexId}_${random()}`,
        `pk_${hexId}_${real.key.slice(20)}`,
        `sk_${hexId}_${real.key.slice(20, -1)}${real.key.endsWith("A") ? "B" : "A"}`,
        real.key.toUpperCase().replace(/^SK_/, "sk_"),
      ];
      for (const candidate of candidates) {
        const response = await call("GET", "/v1/documents", { key: candidate });
        expect(response.status, candidate).toBe(401);
        expectSafeError(response);
        expect(response.text).not.toContain(candidate);
      }
      expect((await call("GET", "/v1/documents", { key: real.key })).status).toBe(200);
    });
  });

  describe("revocation", () => {
    it("a revoked key fails on the very next request", async () => {
      const key = await createKey(tenant, ["query"]);
      expect((await call("POST", "/v1/search", { key: key.key, body: { query: "seed" } })).status).toBe(200);
      expect((await call("DELETE", `/v1/keys/${key.id}`, { key: callers.admin.key })).status).toBe(204);
      const after = await call("POST", "/v1/search", { key: key.key, body: { query: "seed" } });
      expect(after.status).toBe(401);
      expectSafeError(after);
      // Through the pool's own entrypoint as well.
      expect((await call("GET", "/v1/documents", { key: key.key, viaSelf: true })).status).toBe(401);
      // Listed as revoked; a second revocation is a 404.
      const listed = (await request(callers.admin, "GET", "/v1/keys")).body.keys.find((entry: { id: string }) => entry.id === key.id);
      expect(listed.revoked_at).toEqual(expect.any(String));
      expect((await call("DELETE", `/v1/keys/${key.id}`, { key: callers.admin.key })).status).toBe(404);
    });

    it("a revoked publishable key fails from its allowed origin", async () => {
      const key = await createKey(tenant, ["publishable"], { origins: ["https://shop.example.com"] });
      const ask = () => call("POST", "/v1/chat", { key: key.key, headers: { origin: "https://shop.example.com" }, body: { messages: [{ role: "user", content: "harvest?" }], stream: false } });
      expect((await ask()).status).toBe(200);
      expect((await call("DELETE", `/v1/keys/${key.id}`)).status).toBe(204);
      expect((await ask()).status).toBe(401);
    });

    it("a revoked admin key can no longer manage keys, even to undo its revocation", async () => {
      const admin = await createKey(tenant, ["admin"]);
      const victim = await createKey(tenant, ["query"]);
      expect((await call("DELETE", `/v1/keys/${admin.id}`, { key: admin.key })).status).toBe(204);
      expect((await call("POST", "/v1/keys", { key: admin.key, body: { scopes: ["admin"] } })).status).toBe(401);
      expect((await call("DELETE", `/v1/keys/${victim.id}`, { key: admin.key })).status).toBe(401);
      expect((await call("GET", "/v1/documents", { key: victim.key })).status).toBe(200);
    });

    it("keys of the same tenant keep working when one is revoked", async () => {
      const one = await createKey(tenant, ["query"]);
      const two = await createKey(tenant, ["query"]);
      await call("DELETE", `/v1/keys/${one.id}`);
      expect((await call("GET", "/v1/documents", { key: one.key })).status).toBe(401);
      expect((await call("GET", "/v1/documents", { key: two.key })).status).toBe(200);
    });
  });

  describe("a tenant's admin key and the operator's key", () => {
    it("a tenant admin creates keys for its own tenant only", async () => {
      const own = await call("POST", "/v1/keys", { key: callers.admin.key, body: { scopes: ["admin"], name: "second admin" } });
      expect(own.status).toBe(201);
      expect(own.body.tenant_id).toBe(tenant);
      const explicit = await call("POST", "/v1/keys", { key: callers.admin.key, body: { tenant_id: tenant, scopes: ["query"] } });
      expect(explicit.status).toBe(201);
      for (const other of ["default", "t_0000000000000000"]) {
        const response = await call("POST", "/v1/keys", { key: callers.admin.key, body: { tenant_id: other, scopes: ["admin"] } });
        expect(response.status).toBe(403);
      }
    });

    it("a duplicated tenant_id is read as JSON.parse reads it (the last one), and still checked", async () => {
      const lastOwn = await call("POST", "/v1/keys", { key: callers.admin.key, body: `{"tenant_id": "default", "tenant_id": "${tenant}", "scopes": ["query"]}` });
      expect(lastOwn.status).toBe(201);
      expect(lastOwn.body.tenant_id).toBe(tenant);
      const lastOther = await call("POST", "/v1/keys", { key: callers.admin.key, body: `{"tenant_id": "${tenant}", "tenant_id": "default", "scopes": ["query"]}` });
      expect(lastOther.status).toBe(403);
    });

    it("a tenant admin lists only its tenant's keys; the operator lists any tenant's", async () => {
      const own = await request(callers.admin, "GET", "/v1/keys");
      expect(new Set(own.body.keys.map((key: { tenant_id: string }) => key.tenant_id))).toEqual(new Set([tenant]));
      expect((await request(callers.admin, "GET", "/v1/keys?tenant_id=default")).status).toBe(403);
      const operatorDefault = await call("GET", "/v1/keys?tenant_id=default");
      expect(operatorDefault.status).toBe(200);
      expect(operatorDefault.body.keys.every((key: { tenant_id: string }) => key.tenant_id === "default")).toBe(true);
      const operatorTenant = await call("GET", `/v1/keys?tenant_id=${tenant}`);
      expect(operatorTenant.body.keys.length).toBe(own.body.keys.length);
    });

    it("the operator revokes any tenant's key; a tenant admin cannot revoke the operator's or another tenant's", async () => {
      const other = await createTenant("Other");
      const otherKey = await createKey(other, ["query"]);
      expect((await call("DELETE", `/v1/keys/${otherKey.id}`, { key: callers.admin.key })).status).toBe(404);
      expect((await call("GET", "/v1/documents", { key: otherKey.key })).status).toBe(200);
      expect((await call("DELETE", `/v1/keys/${otherKey.id}`)).status).toBe(204);
      expect((await call("GET", "/v1/documents", { key: otherKey.key })).status).toBe(401);
      // The operator's key is not a stored key: nothing to revoke, and it keeps working.
      expect((await call("DELETE", "/v1/keys/bootstrap", { key: callers.admin.key })).status).toBe(404);
      expect((await call("GET", "/health", { key: null })).status).toBe(200);
      expect((await call("GET", "/v1/tenants")).status).toBe(200);
    });

    it("only the operator manages tenants; the default tenant cannot be deleted", async () => {
      for (const name of ["admin", "ingest", "query", "ingest+query"] as const) {
        expect((await request(callers[name], "POST", "/v1/tenants", { name: "x" })).status).toBe(403);
        expect((await request(callers[name], "DELETE", `/v1/tenants/${tenant}`)).status).toBe(403);
        expect((await request(callers[name], "PUT", `/v1/tenants/${tenant}/limits`, { requests_per_minute_per_key: 100_000 })).status).toBe(403);
      }
      const response = await call("DELETE", "/v1/tenants/default");
      expect(response.status).toBe(409);
      expectSafeError(response);
      const tenants = await request(callers.admin, "GET", "/v1/tenants");
      expect(tenants.body.tenants.map((entry: { id: string }) => entry.id)).toEqual([tenant]);
    });

    it("the operator acts on a named tenant, and on the default tenant without one", async () => {
      const named = await call("GET", "/v1/documents/seed", { headers: { "x-tenant-id": tenant } });
      expect(named.status).toBe(200);
      const unnamed = await call("GET", "/v1/documents/seed");
      expect(unnamed.status).toBe(404);
      const created = await call("POST", "/v1/keys", { headers: { "x-tenant-id": tenant }, body: { scopes: ["query"] } });
      expect(created.body.tenant_id).toBe(tenant);
      const bare = await call("POST", "/v1/keys", { body: { scopes: ["query"] } });
      expect(bare.body.tenant_id).toBe("default");
    });
  });
});
