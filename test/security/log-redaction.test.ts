/**
 * Secrets never reach logs or error bodies. Everything the worker writes to
 * the console is captured while requests are made with valid, invalid,
 * revoked and foreign-origin keys, keys are created, limits are hit and
 * internal and upstream errors happen; no key string (nor the operator's
 * bootstrap key, nor an upstream LLM key) may appear in any line or error
 * body. The structured logger redacts credential-looking fields on its own.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../src/worker.js";
import { createConsoleLogger } from "../../src/services/logger.js";
import { call, chatStream, createKey, createTenant, ingestAs, operatorKey, raiseLimits, type RawResponse, type TenantKey } from "./tenant-fixtures.js";
import { captureConsole } from "../console-capture.js";

/** Every console line written while this file runs. */
const lines: string[] = [];
/** Every secret seen: key strings and their secret parts, the bootstrap key, upstream keys. */
const secrets = new Set<string>([operatorKey]);

function remember(key: TenantKey): TenantKey {
  secrets.add(key.key);
  secrets.add(key.key.slice(20));
  return key;
}


function expectNoSecret(text: string, where: string): void {
  for (const secret of secrets) expect(text.includes(secret), `${where} contains a secret (${secret.slice(0, 12)}…): ${text.slice(0, 300)}`).toBe(false);
}

function expectCleanError(response: RawResponse, where: string): void {
  expect(response.status, where).toBeGreaterThanOrEqual(400);
  expectNoSecret(response.text, `${where} (error body)`);
  expectNoSecret(JSON.stringify([...response.headers]), `${where} (headers)`);
}

/** Calls the worker's fetch handler with some variables overridden. */
async function fetchWith(vars: Partial<Env> & Record<string, unknown>, method: string, path: string, init: { key?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...init.headers };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://edge-rag.test${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }),
    { ...env, ...vars } as Env,
    ctx,
  );
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, text };
}

describe("secrets in logs and error bodies", () => {
  let tenant: string;
  let keys: Record<"admin" | "ingest" | "query" | "publishable", TenantKey>;

  beforeAll(async () => {
    captureConsole(lines);
    tenant = await createTenant("Log redaction");
    await raiseLimits(tenant);
    keys = {
      admin: remember(await createKey(tenant, ["admin"])),
      ingest: remember(await createKey(tenant, ["ingest"])),
      query: remember(await createKey(tenant, ["query"])),
      publishable: remember(await createKey(tenant, ["publishable"], { origins: ["https://shop.example.com"] })),
    };
    await ingestAs(keys.ingest.key, [{ id: "hours", title: "Opening hours", content: "The shop opens at nine and closes at six on weekdays." }]);
  });

  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("captures the worker's own log lines (so the checks below are not vacuous)", () => {
    expect(lines.some((line) => line.includes('"event":"ingest.indexed"'))).toBe(true);
  });

  it("key creation shows the key once, in its response only", async () => {
    const before = lines.length;
    const created = await call("POST", "/v1/keys", { key: keys.admin.key, body: { scopes: ["query"], name: "created in the log test" } });
    expect(created.status).toBe(201);
    const key = remember(created.body as TenantKey);
    expect(created.text).toContain(key.key);
    const listed = await call("GET", "/v1/keys", { key: keys.admin.key });
    expectNoSecret(listed.text, "the key list");
    expectNoSecret(lines.slice(before).join("\n"), "logs of key creation");
  });

  it("valid, malformed, unknown, tampered, revoked and foreign-origin keys leave no key in logs or bodies", async () => {
    const revoked = remember(await createKey(tenant, ["query"]));
    expect((await call("DELETE", `/v1/keys/${revoked.id}`, { key: keys.admin.key })).status).toBe(204);
    const tampered = `${keys.query.key.slice(0, -4)}AAAA`;
    const unknown = `sk_0123456789abcdef_${keys.query.key.slice(20)}`;
    secrets.add(tampered);
    secrets.add(unknown);
    const attempts: [string, string, Record<string, string>][] = [
      ["the operator's key", operatorKey, {}],
      ["a query key", keys.query.key, {}],
      ["a publishable key from its origin", keys.publishable.key, { origin: "https://shop.example.com" }],
      ["a publishable key from a foreign origin", keys.publishable.key, { origin: "https://evil.example" }],
      ["a revoked key", revoked.key, {}],
      ["a tampered key", tampered, {}],
      ["an unknown key id", unknown, {}],
      ["the operator's key with a typo", `${operatorKey}x`, {}],
      ["a key in the wrong scheme", operatorKey, { authorization: `Basic ${btoa(`user:${operatorKey}`)}` }],
    ];
    secrets.add(btoa(`user:${operatorKey}`));
    for (const [name, key, headers] of attempts) {
      for (const [method, path, body] of [
        ["POST", "/v1/search", { query: "When does the shop open?" }],
        ["POST", "/v1/chat", { messages: [{ role: "user", content: "When does the shop open?" }], stream: false }],
        ["GET", "/v1/documents/hours", undefined],
        ["GET", "/v1/documents/absent", undefined],
        ["POST", "/v1/documents", { content: "" }],
        ["POST", "/v1/search", "{not json"],
        ["GET", "/v1/keys", undefined],
      ] as const) {
        const response = await call(method, path, { key, headers, body });
        if (response.status >= 400) expectCleanError(response, `${name}: ${method} ${path}`);
        else if (path !== "/v1/keys") expectNoSecret(response.text, `${name}: ${method} ${path}`);
      }
    }
    const streamed = await chatStream(keys.query.key, { messages: [{ role: "user", content: "When does the shop open?" }] });
    expectNoSecret(streamed.response.text, "a streamed answer");
    expectNoSecret(lines.join("\n"), "the logs");
  });

  it("a rate-limited key is logged by id, never by its string", async () => {
    const limited = await createTenant("Limited");
    const key = remember(await createKey(limited, ["query"]));
    expect((await call("PUT", `/v1/tenants/${limited}/limits`, { body: { requests_per_minute_per_key: 1 } })).status).toBe(200);
    const responses = [await call("POST", "/v1/search", { key: key.key, body: { query: "x" } }), await call("POST", "/v1/search", { key: key.key, body: { query: "x" } })];
    expect(responses.map((response) => response.status)).toEqual([200, 429]);
    expectCleanError(responses[1]!, "a 429");
    const refused = lines.filter((line) => line.includes("limits.refused"));
    expect(refused.some((line) => line.includes(key.id))).toBe(true);
    expectNoSecret(refused.join("\n"), "the limiter's logs");
  });

  it("deleting a tenant logs its id, and its keys then fail without an echo", async () => {
    const doomed = await createTenant("Doomed");
    const key = remember(await createKey(doomed, ["admin"]));
    expect((await call("DELETE", `/v1/tenants/${doomed}`)).status).toBe(202);
    const after = await call("GET", "/v1/keys", { key: key.key });
    expect(after.status).toBe(401);
    expectCleanError(after, "a deleted tenant's key");
    expect(lines.some((line) => line.includes("tenants.deleted") && line.includes(doomed))).toBe(true);
    expectNoSecret(lines.join("\n"), "the logs");
  });

  it("an internal error is logged once and answered with a bare 500: no SQL, no stack, no key", async () => {
    const before = lines.length;
    // An error whose message echoes credentials (as some drivers and upstream clients do).
    const failingDb = new Proxy(env.DB, {
      get(target, property, receiver) {
        if (property === "prepare" || property === "batch") {
          return () => {
            throw new Error(`D1_ERROR: disk I/O error: SQLITE_IOERR (SELECT secret_hash FROM api_keys WHERE id = ?) for Authorization: Bearer ${keys.query.key}, key ${keys.admin.key}`);
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
    for (const key of [operatorKey, keys.query.key]) {
      const response = await fetchWith({ DB: failingDb }, "POST", "/v1/search", { key, body: { query: "x" } });
      expect(response.status).toBe(500);
      expect(JSON.parse(response.text)).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
      expectNoSecret(response.text, "a 500 body");
    }
    const logged = lines.slice(before).filter((line) => line.includes("http.unhandled"));
    expect(logged).toHaveLength(2);
    // The line keeps what helps (the error, the key ids) and loses the secrets.
    expect(logged[0]).toContain("disk I/O error");
    expect(logged[0]).toContain(keys.admin.key.slice(0, 19));
    expectNoSecret(logged.join("\n"), "the 500's log line");
  });

  it("a custom bootstrap key (API_KEY) never appears in logs or bodies", async () => {
    const bootstrap = `operator-${crypto.randomUUID()}`;
    secrets.add(bootstrap);
    const before = lines.length;
    expect((await fetchWith({ API_KEY: bootstrap }, "GET", "/v1/documents", { key: bootstrap })).status).toBe(200);
    for (const wrong of [`${bootstrap}-wrong`, bootstrap.slice(0, -1), bootstrap.toUpperCase()]) {
      const response = await fetchWith({ API_KEY: bootstrap }, "GET", "/v1/documents", { key: wrong });
      expect(response.status).toBe(401);
      expectNoSecret(response.text, "a 401 body");
    }
    // The local default key is refused once API_KEY is set.
    expect((await fetchWith({ API_KEY: bootstrap }, "GET", "/v1/documents", { key: operatorKey })).status).toBe(401);
    expectNoSecret(lines.slice(before).join("\n"), "logs with a custom API_KEY");
  });

  it("an upstream LLM that echoes its key in an error does not leak it (stream and JSON)", async () => {
    const llmKey = `sk-llm-${crypto.randomUUID().replaceAll("-", "")}`;
    secrets.add(llmKey);
    const realFetch = globalThis.fetch;
    const upstream = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.startsWith("http://llm.test/")) return realFetch(input, init);
      return new Response(JSON.stringify({ error: { message: `Incorrect API key provided: ${llmKey}. Authorization: Bearer ${llmKey}` } }), {
        status: 401,
        headers: { "content-type": "application/json" },
      });
    });
    const before = lines.length;
    try {
      const vars = { GENERATOR: "openai", LLM_BASE_URL: "http://llm.test/v1", LLM_API_KEY: llmKey, LLM_MODEL: "test-model" };
      const question = { messages: [{ role: "user", content: "When does the shop open?" }] };
      const streamed = await fetchWith(vars, "POST", "/v1/chat", { key: keys.query.key, body: question });
      expect(streamed.status).toBe(200);
      expect(streamed.text).toContain("event: error");
      expectNoSecret(streamed.text, "a streamed upstream error");
      const plain = await fetchWith(vars, "POST", "/v1/chat", { key: keys.query.key, body: { ...question, stream: false } });
      expect(plain.status).toBeGreaterThanOrEqual(500);
      expectNoSecret(plain.text, "an upstream error as JSON");
      // A follow-up makes the query rewriter call the model too (its failure is logged).
      const followUp = await fetchWith(vars, "POST", "/v1/chat", {
        key: keys.query.key,
        body: { stream: false, messages: [{ role: "user", content: "Opening hours?" }, { role: "assistant", content: "Nine [1]." }, { role: "user", content: "And on Sunday?" }] },
      });
      expectNoSecret(followUp.text, "a follow-up's upstream error");
      expect(upstream.mock.calls.some(([input]) => String(input instanceof Request ? input.url : input).startsWith("http://llm.test/"))).toBe(true);
    } finally {
      upstream.mockRestore();
    }
    expectNoSecret(lines.slice(before).join("\n"), "logs of upstream failures");
  });

  it("no line written during this file holds a secret", () => {
    expect(lines.length).toBeGreaterThan(0);
    expectNoSecret(lines.join("\n"), "the logs");
  });
});

describe("the structured logger redacts credential-looking fields", () => {
  function capture(write: (log: ReturnType<typeof createConsoleLogger>) => void): Record<string, unknown>[] {
    const written: string[] = [];
    const spies = (["log", "warn", "error"] as const).map((method) => vi.spyOn(console, method).mockImplementation((line: unknown) => void written.push(String(line))));
    try {
      write(createConsoleLogger("info"));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return written.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  const ourKey = `sk_0123456789abcdef_${"x".repeat(43)}`;
  const publishable = `pk_fedcba9876543210_${"y".repeat(43)}`;

  it("redacts values under credential-looking keys, at any depth", () => {
    const [line] = capture((log) =>
      log.error("test.event", {
        authorization: `Bearer ${ourKey}`,
        api_key: "a",
        apiKey: "b",
        "x-api-key": "c",
        LLM_API_KEY: "d",
        client_secret: "e",
        password: "f",
        access_token: "g",
        headers: { Authorization: `Bearer ${ourKey}`, "content-type": "application/json" },
        request: { nested: { deeper: { token: "h" } } },
        list: [{ password: "i" }],
        tenant_id: "t_1",
      }),
    );
    const text = JSON.stringify(line);
    for (const secret of [ourKey, '"a"', '"b"', '"c"', '"d"', '"e"', '"f"', '"g"', '"h"', '"i"']) expect(text).not.toContain(secret);
    expect(line).toMatchObject({ level: "error", event: "test.event", tenant_id: "t_1", headers: { "content-type": "application/json" } });
  });

  it("scrubs key strings and bearer tokens out of free text (error messages)", () => {
    const [line] = capture((log) =>
      log.warn("upstream.failed", {
        error: `Error: 401 Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz012345; sent Authorization: Bearer abc.def.ghi`,
        detail: `rejected ${ourKey} and ${publishable}`,
      }),
    );
    const text = JSON.stringify(line);
    for (const secret of ["sk-proj-abcdefghijklmnopqrstuvwxyz012345", "abc.def.ghi", ourKey, publishable, "x".repeat(43), "y".repeat(43)]) expect(text).not.toContain(secret);
    // The public key id stays, for tracing.
    expect(text).toContain("sk_0123456789abcdef");
    expect(text).toContain("Incorrect API key provided");
  });

  it("keeps counts whose names merely contain 'token'", () => {
    const [line] = capture((log) => log.info("usage", { tokens: 123, completion_tokens: 45, token_budget_exhausted: false }));
    expect(line).toMatchObject({ tokens: 123, completion_tokens: 45, token_budget_exhausted: false });
  });
});
