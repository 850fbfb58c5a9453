/**
 * A bad-input corpus (bad-input-corpus.ts) through every endpoint and method:
 * malformed JSON, wrong types at every field, strings over each limit, deep
 * nesting, control characters, invalid UTF-8, FTS5 and SQL syntax, path and
 * query garbage, wrong content types, odd numbers and Unicode edge cases.
 * Invalid input must get a 4xx with the JSON error shape (code and message,
 * nothing internal); odd but valid input may succeed; nothing may produce a
 * 5xx. Afterwards the service still answers a health check and a real search.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { authCases, bodyCases, check, endpoints, limitCases, pathCases, queryStringCases, routeCases, unicodeCases, type Case } from "./bad-input-corpus.js";
import { call, createTenant, expectSafeError, ingestAs, operatorKey, raiseLimits, type CallOptions, type RawResponse } from "./tenant-fixtures.js";

/** A tenant whose limits the corpus may lower (created in `beforeAll`); `:scratch` in a path names it. */
let scratchTenant = "";

async function run(testCase: Case, options: CallOptions = {}): Promise<RawResponse> {
  const path = testCase.path.replace(":scratch", scratchTenant);
  const response = await call(testCase.method, path, { ...testCase, ...options });
  check(response, { ...testCase, path });
  return response;
}

describe("bad input never hurts", () => {
  let tenant: string;

  beforeAll(async () => {
    await raiseLimits("default");
    tenant = await createTenant("Bad input");
    await raiseLimits(tenant);
    scratchTenant = await createTenant("Bad input scratch");
    await ingestAs(operatorKey, [
      {
        id: "refund-policy",
        title: "Refund policy",
        content: "You can ask for a full refund within 30 days of purchase. Refunds go back to the original card. Quibblefrost orders are final.",
        metadata: { product: "cloud" },
      },
    ]);
  });

  describe.each(endpoints)("$method $path", (endpoint) => {
    it("accepts its valid body (so each rejection below is the field's fault)", async () => {
      const response = await call(endpoint.method, endpoint.path.replace(":scratch", scratchTenant), { body: endpoint.valid });
      expect(response.status, response.text).toBe(endpoint.validStatus);
    });

    it("answers every malformed, mistyped, oversized or deeply nested body with a 4xx JSON error", async () => {
      for (const testCase of bodyCases(endpoint)) await run(testCase);
    });

    it("asks for authentication before reading the body", async () => {
      const response = await call(endpoint.method, endpoint.path.replace(":scratch", scratchTenant), { key: null, body: "{" });
      expect(response.status).toBe(401);
      expectSafeError(response);
    });
  });

  it.each(limitCases.map((testCase) => [testCase.name, testCase] as const))("limits: %s", async (_name, testCase) => {
    await run(testCase);
  });

  it("odd Unicode, FTS5 syntax and SQL metacharacters are data, never errors of ours", async () => {
    for (const testCase of unicodeCases) await run(testCase);
  });

  it("FTS5 syntax in a query is searched as words: it still finds the document", async () => {
    for (const query of ['"quibblefrost', 'quibblefrost"', "quibblefrost AND", "NEAR(quibblefrost", "quibblefrost*", "^quibblefrost", "text:quibblefrost", "{text}: quibblefrost", "quibblefrost' OR 1=1 --", "-quibblefrost"]) {
      const response = await call("POST", "/v1/search", { body: { query, mode: "keyword" } });
      expect(response.status, query).toBe(200);
      expect(response.body.results.map((result: { document_id: string }) => result.document_id), query).toContain("refund-policy");
    }
  });

  it("garbage in path parameters is a 404, never a traversal or an error", async () => {
    for (const testCase of pathCases) await run(testCase);
  });

  it("garbage in query strings is a 4xx (or ignored), never an error", async () => {
    for (const testCase of queryStringCases) await run(testCase);
  });

  it("unknown routes and methods are 404 JSON", async () => {
    for (const testCase of routeCases) await run(testCase);
  });

  it("garbage credentials are 401 and garbage tenant headers 404", async () => {
    for (const testCase of authCases) await run(testCase);
  });

  describe("the same corpus as a tenant's admin key: 4xx, never 5xx", () => {
    let adminKey = "";
    beforeAll(async () => {
      adminKey = ((await call("POST", "/v1/keys", { body: { tenant_id: tenant, scopes: ["admin"] } })).body as { key: string }).key;
    });

    // One test per group (about 100–400 requests each), so none comes near the time limit on a busy machine.
    const groups: [string, () => Case[]][] = [
      ...endpoints.filter((endpoint) => !endpoint.path.includes("tenants")).map((endpoint): [string, () => Case[]] => [`${endpoint.method} ${endpoint.path} bodies`, () => bodyCases(endpoint)]),
      ["limits", () => limitCases],
      ["path parameters", () => pathCases],
      ["query strings", () => queryStringCases],
    ];
    it.each(groups)("%s", async (_name, cases) => {
      for (const testCase of cases()) {
        const path = testCase.path.replace(":scratch", scratchTenant);
        const response = await call(testCase.method, path, { ...testCase, key: testCase.key === null ? null : adminKey });
        expect(response.status, `${testCase.method} ${path} (${testCase.name}): ${response.text.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400) expectSafeError(response, testCase.name);
      }
    });
  });

  describe("afterwards", () => {
    it("still answers a health check", async () => {
      const response = await call("GET", "/health", { key: null });
      expect(response.status, response.text).toBe(200);
      expect(response.body.status).toBe("ok");
    });

    it("still answers a real search and chat", async () => {
      await call("PUT", "/v1/index/settings", { body: { fusion: null, rerank: null } });
      for (const mode of ["keyword", "vector", "hybrid"]) {
        const response = await call("POST", "/v1/search", { body: { query: "How long do I have to ask for a refund?", mode } });
        expect(response.status, response.text).toBe(200);
        expect(response.body.results.map((result: { document_id: string }) => result.document_id), mode).toContain("refund-policy");
      }
      const chat = await call("POST", "/v1/chat", { body: { messages: [{ role: "user", content: "How long do I have to ask for a refund?" }], stream: false } });
      expect(chat.status).toBe(200);
      expect(chat.body.answer).toMatch(/30 days/);
    });

    it("still has every table", async () => {
      const response = await call("GET", "/v1/index/stats");
      expect(response.status).toBe(200);
      expect(response.body.documents.ready).toBeGreaterThan(0);
      const keys = await call("GET", "/v1/keys");
      expect(keys.status).toBe(200);
    });
  });
});
