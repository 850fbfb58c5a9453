/**
 * Cross-tenant isolation, end to end through the API: two tenants ingest
 * documents with unique marker words and metadata (and one document id they
 * share), then every one of tenant B's keys, and the operator acting on B,
 * tries to reach tenant A's data through every leg and route. Each "B sees
 * nothing" check is paired with a check that A does see it, so the suite
 * fails if isolation breaks rather than passing because nothing was indexed.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { LocalVectorizeIndex } from "../../src/adapters/local/local-vectorize-index.js";
import { createAdapters } from "../../src/composition-root.js";
import {
  call,
  chatStream,
  createKey,
  createTenant,
  expectSafeError,
  ingestAs,
  operatorKey,
  originHeaders,
  raiseLimits,
  tenantRowCounts,
  type DocumentInput,
  type RawResponse,
  type TenantKey,
} from "./tenant-fixtures.js";

/** Words that occur only in tenant A's documents (and in no English text). */
const aMarkers = ["quokkamoon", "zephyrine", "xylofrond", "aldebaranite"];
const bMarker = "brambleton";

const aDocs: DocumentInput[] = [
  {
    // The same id as one of B's documents: ids are per tenant.
    id: "policy",
    title: "Quokkamoon refund policy",
    format: "markdown",
    metadata: { product: "aldebaran", secret_flag: true, year: 2031 },
    source_url: "https://tenant-a.example/policy",
    content:
      "# Quokkamoon refund policy\n\n## Zephyrine clause\n\nUnder the zephyrine clause every quokkamoon subscriber receives a full refund within 77 days of purchase, paid in aldebaranite credits.",
  },
  {
    id: "a-only-doc",
    title: "Xylofrond glacier survey",
    metadata: { product: "aldebaran", region: "north" },
    content: "The xylofrond glacier survey measured quokkamoon ice cores. Aldebaranite deposits lie beneath the zephyrine ridge of the xylofrond valley.",
  },
];

const bDocs: DocumentInput[] = [
  {
    id: "policy",
    title: "Brambleton refund policy",
    metadata: { product: "betelgeuse" },
    content: "Brambleton customers can ask for a refund within 14 days of purchase. Refunds are paid back to the original card.",
  },
  {
    id: "b-notes",
    title: "Brambleton onboarding notes",
    metadata: { product: "betelgeuse" },
    content: "New brambleton staff read the onboarding notes on their first day and meet the support team.",
  },
];

/** A question that matches A's documents (and nothing of B's) on every leg. */
const aQuestion = "What does the zephyrine clause say about a quokkamoon refund in aldebaranite credits?";

let tenantA: string;
let tenantB: string;
let aKeys: Record<"admin" | "ingest" | "query" | "publishable", TenantKey>;
let bKeys: Record<"admin" | "ingest" | "query" | "publishable", TenantKey>;
let aChunkIds: string[];
let aChunkTexts: string[];
let aFeedbackId: string;

/** Everything that identifies tenant A's data in a response. */
function aFingerprints(): string[] {
  return [...aMarkers, ...aChunkIds, tenantA, "a-only-doc", "tenant-a.example", "aldebaran"];
}

/** No marker, id, chunk id or tenant id of A anywhere in the response (case-insensitive). */
function expectNothingOfA(response: RawResponse | string, context: string): void {
  const text = (typeof response === "string" ? response : response.text).toLowerCase();
  for (const fingerprint of aFingerprints()) expect(text, `${context}: leaked "${fingerprint}"`).not.toContain(fingerprint.toLowerCase());
}

interface Caller {
  name: string;
  key: string;
  headers: Record<string, string>;
  scopes: string[];
}

/** Every way to act on tenant B: its four keys and the operator naming B. */
function bCallers(): Caller[] {
  return [
    ...(["admin", "ingest", "query", "publishable"] as const).map((scope) => ({
      name: `B's ${scope} key`,
      key: bKeys[scope].key,
      headers: originHeaders(bKeys[scope]),
      scopes: [scope],
    })),
    { name: "the operator acting on B", key: operatorKey, headers: { "x-tenant-id": tenantB }, scopes: ["admin"] },
  ];
}

function allowed(caller: Caller, ...scopes: string[]): boolean {
  return caller.scopes.includes("admin") || scopes.some((scope) => caller.scopes.includes(scope));
}

function search(caller: Caller, body: Record<string, unknown>) {
  // As many results as the caller may ask for: 10 with a publishable key (functions/routes/search.ts).
  const topK = caller.scopes.includes("publishable") ? 10 : 20;
  return call("POST", "/v1/search", { key: caller.key, headers: caller.headers, body: { top_k: topK, ...body } });
}

async function newKeys(tenantId: string, origin: string) {
  return {
    admin: await createKey(tenantId, ["admin"]),
    ingest: await createKey(tenantId, ["ingest"]),
    query: await createKey(tenantId, ["query"]),
    publishable: await createKey(tenantId, ["publishable"], { origins: [origin] }),
  };
}

describe("cross-tenant isolation", () => {
  beforeAll(async () => {
    tenantA = await createTenant("Tenant A");
    tenantB = await createTenant("Tenant B");
    for (const tenant of [tenantA, tenantB, "default"]) await raiseLimits(tenant);
    aKeys = await newKeys(tenantA, "https://tenant-a.example");
    bKeys = await newKeys(tenantB, "https://tenant-b.example");
    await ingestAs(aKeys.ingest.key, aDocs);
    await ingestAs(bKeys.ingest.key, bDocs);
    const { results } = await env.DB.prepare("SELECT id, text FROM chunks WHERE tenant_id = ? ORDER BY id").bind(tenantA).all<{ id: string; text: string }>();
    aChunkIds = results.map((row) => row.id);
    aChunkTexts = results.map((row) => row.text);
    const feedback = await call("POST", "/v1/feedback", {
      key: aKeys.publishable.key,
      headers: originHeaders(aKeys.publishable),
      body: { message_id: "shared-message", rating: "up", question: aQuestion, answer: "Within 77 days [1].", sources: [{ n: 1, document_id: "policy", chunk_id: aChunkIds[0] }] },
    });
    expect(feedback.status, feedback.text).toBe(201);
    aFeedbackId = feedback.body.id;
  });

  it("indexes both tenants' documents under their own tenant, with distinct chunk ids for the shared document id", async () => {
    expect(aChunkIds.length).toBeGreaterThanOrEqual(2);
    const { results } = await env.DB.prepare("SELECT id FROM chunks WHERE tenant_id = ?").bind(tenantB).all<{ id: string }>();
    expect(results.length).toBeGreaterThanOrEqual(2);
    for (const row of results) expect(aChunkIds).not.toContain(row.id);
    for (const text of aChunkTexts) expect(text).not.toContain(bMarker);
  });

  describe.each(["keyword", "vector", "hybrid"])("%s search", (mode) => {
    it("sanity: tenant A finds its own markers", async () => {
      const response = await call("POST", "/v1/search", { key: aKeys.query.key, body: { query: aQuestion, mode, top_k: 5 } });
      expect(response.status, response.text).toBe(200);
      expect(response.body.results.length).toBeGreaterThan(0);
      expect(aChunkIds).toContain(response.body.results[0].chunk_id);
      expect(response.text.toLowerCase()).toContain("quokkamoon");
    });

    it("sanity: tenant A finds its chunk by its exact text at rank 1", async () => {
      const response = await call("POST", "/v1/search", { key: aKeys.query.key, body: { query: aChunkTexts[0], mode, top_k: 5 } });
      expect(response.body.results[0].chunk_id).toBe(aChunkIds[0]);
    });

    it("B's keys (every scope) and the operator acting on B never see A", async () => {
      for (const caller of bCallers()) {
        // A's question, and A's exact chunk texts (a leak would rank first in the vector leg).
        for (const query of [aQuestion, ...aChunkTexts]) {
          const response = await search(caller, { query, mode });
          if (!allowed(caller, "query", "publishable")) {
            expect(response.status, `${caller.name}: ${response.text}`).toBe(403);
            expectSafeError(response, caller.name);
            continue;
          }
          expect(response.status, `${caller.name}: ${response.text}`).toBe(200);
          expectNothingOfA(response, `${caller.name}, ${mode}`);
          for (const result of response.body.results) expect(result.metadata.product).toBe("betelgeuse");
        }
      }
    });

    it("sanity: B's search does work (B finds its own marker)", async () => {
      const response = await search(bCallers()[2]!, { query: `${bMarker} refund`, mode });
      expect(response.status).toBe(200);
      expect(response.body.results.length).toBeGreaterThan(0);
      expect(response.text).toContain(bMarker);
    });
  });

  describe("hostile filters from tenant B", () => {
    const rejected: [string, unknown][] = [
      ["tenant_id $ne", { tenant_id: { $ne: "x" } }],
      ["tenant_id = A", { tenant_id: "__TENANT_A__" }],
      ["tenant_id $in", { tenant_id: { $in: ["__TENANT_A__", "__TENANT_B__"] } }],
      ["tenant_id $nin", { tenant_id: { $nin: ["__TENANT_B__"] } }],
      ["a nested key under tenant_id", { "tenant_id.x": { $ne: 1 } }],
      ["chunk_id", { chunk_id: { $ne: "x" } }],
      ["version", { version: { $gte: 0 } }],
      ["an operator as a key", { $or: [{ product: "aldebaran" }] }],
      ["a namespace-looking operator", { $namespace: "__TENANT_A__" }],
      ["a key with a double quote", { 'product" OR 1=1 --': "x" }],
      ["an array value", { document_id: ["a-only-doc"] }],
      ["an empty filter", {}],
      ["a filter that is a string", "tenant_id != 'x'"],
      // Would replace the parsed filter's prototype and silently drop the condition.
      ["__proto__ next to a real condition", { ["__proto__"]: { $eq: "aldebaran" }, product: { $ne: "nothing" } }],
      ["a nested __proto__", { "meta.__proto__": { $ne: "x" } }],
    ];
    const withTenants = (filter: unknown) =>
      JSON.parse(JSON.stringify(filter).replaceAll("__TENANT_A__", tenantA).replaceAll("__TENANT_B__", tenantB)) as unknown;

    it.each(rejected)("rejects %s with 400", async (_name, filter) => {
      for (const mode of ["keyword", "vector", "hybrid"]) {
        const response = await search(bCallers()[2]!, { query: aQuestion, mode, filter: withTenants(filter) });
        expect(response.status, response.text).toBe(400);
        expectSafeError(response);
        expectNothingOfA(response, `filter ${JSON.stringify(filter)}`);
      }
    });

    /** Filters that are valid and must narrow B's scope, never widen it: [name, filter, B's documents it may return]. */
    const narrowing: [string, unknown, string[]][] = [
      ["document_id $in A's ids", { document_id: { $in: ["a-only-doc"] } }, []],
      ["document_id = A's id", { document_id: "a-only-doc" }, []],
      ["document_id $in the shared id", { document_id: { $in: ["policy", "a-only-doc"] } }, ["policy"]],
      ["document_id $nin", { document_id: { $nin: ["nothing"] } }, ["policy", "b-notes"]],
      ["document_id $ne", { document_id: { $ne: "b-notes" } }, ["policy"]],
      ["A's metadata value", { product: "aldebaran" }, []],
      ["$ne of B's only value", { product: { $ne: "betelgeuse" } }, []],
      ["$nin of B's only value", { product: { $nin: ["betelgeuse"] } }, []],
      ["$ne on a key only A has", { secret_flag: { $ne: false } }, ["policy", "b-notes"]],
      ["a range on a key only A has", { year: { $gte: 0 } }, []],
      ["$eq null on a key only A has", { region: null }, ["policy", "b-notes"]],
      ["$ne on a missing key", { no_such_key: { $ne: "zzz" } }, ["policy", "b-notes"]],
      ["$nin with null", { product: { $nin: [null] } }, ["policy", "b-notes"]],
      ["upper-case TENANT_ID", { TENANT_ID: { $ne: "x" } }, ["policy", "b-notes"]],
      ["tenant_id with a trailing space", { "tenant_id ": { $ne: "x" } }, ["policy", "b-notes"]],
      ["constructor", { constructor: { $ne: "x" } }, ["policy", "b-notes"]],
      ["a deep dotted key", { "a.b.c": { $ne: 1 } }, ["policy", "b-notes"]],
      ["SQL in a key", { "x') OR 1=1 --": { $ne: "y" } }, ["policy", "b-notes"]],
      ["SQL in a value", { product: "betelgeuse' OR '1'='1" }, []],
      ["a namespace key", { namespace: { $ne: "x" } }, ["policy", "b-notes"]],
      ["a backslash key", { "a\\b": { $ne: "x" } }, ["policy", "b-notes"]],
      ["a unicode key", { "prod\u00fcct\u202e": { $ne: "x" } }, ["policy", "b-notes"]],
    ];

    it.each(narrowing)("%s: never widens to A's documents", async (_name, filter, mayReturn) => {
      for (const mode of ["keyword", "vector", "hybrid"]) {
        for (const query of [aQuestion, `${bMarker} refund ${aMarkers.join(" ")}`]) {
          const response = await search(bCallers()[2]!, { query, mode, filter });
          expect(response.status, `${mode}: ${response.text}`).toBe(200);
          expectNothingOfA(response, `${mode} filter ${JSON.stringify(filter)}`);
          const returned = new Set<string>(response.body.results.map((result: { document_id: string }) => result.document_id));
          for (const id of returned) expect(mayReturn, `${mode} returned ${id}`).toContain(id);
        }
      }
    });

    it("sanity: the same document_id filter does reach A's document for A", async () => {
      for (const mode of ["keyword", "vector", "hybrid"]) {
        const response = await call("POST", "/v1/search", { key: aKeys.query.key, body: { query: aQuestion, mode, filter: { document_id: { $in: ["a-only-doc"] } } } });
        expect(response.body.results.length, mode).toBeGreaterThan(0);
        expect(response.body.results.every((result: { document_id: string }) => result.document_id === "a-only-doc")).toBe(true);
      }
    });
  });

  it("keeps vectors apart inside the index: B's namespace holds none of A's vectors", async () => {
    const services = await createAdapters(env);
    const instanceId = await services.store.getSetting("instance_id");
    const index = new LocalVectorizeIndex(env.LOCAL_SERVICES!, `local-${instanceId}`);
    for (const text of aChunkTexts) {
      const vector = await services.embedder.embedQuery(text);
      const own = await index.query(vector, { topK: 20, namespace: tenantA, returnMetadata: "all" });
      expect(own.matches.map((match) => match.id)).toContain(aChunkIds[aChunkTexts.indexOf(text)]);
      for (const match of own.matches) expect(match.metadata?.tenant_id).toBe(tenantA);
      const other = await index.query(vector, { topK: 20, namespace: tenantB, returnMetadata: "all" });
      expect(other.matches.length).toBeGreaterThan(0);
      for (const match of other.matches) {
        expect(aChunkIds).not.toContain(match.id);
        expect(match.metadata?.tenant_id).toBe(tenantB);
      }
    }
  });

  describe("chat", () => {
    it("sanity: tenant A's chat answers from its markers", async () => {
      const { response, sources, answer } = await chatStream(aKeys.publishable.key, { messages: [{ role: "user", content: aQuestion }] }, originHeaders(aKeys.publishable));
      expect(response.status).toBe(200);
      expect(sources.some((source) => aChunkIds.includes(source.chunk_id))).toBe(true);
      expect(answer.toLowerCase()).toContain("quokkamoon");
    });

    it.each(["keyword", "vector", "hybrid"])("B's keys never get A's sources or text (%s, streamed and not)", async (mode) => {
      for (const caller of bCallers()) {
        const conversations = [
          [{ role: "user", content: aQuestion }],
          // A follow-up whose history names A's markers (the rewrite searches with them too).
          [
            { role: "user", content: `Tell me about ${aMarkers.join(" ")}` },
            { role: "assistant", content: "The quokkamoon clause [1]." },
            { role: "user", content: "And how long does it take?" },
          ],
        ];
        for (const messages of conversations) {
          const streamed = await chatStream(caller.key, { messages, mode }, caller.headers);
          const plain = await call("POST", "/v1/chat", { key: caller.key, headers: caller.headers, body: { messages, mode, stream: false } });
          const filtered = await call("POST", "/v1/chat", {
            key: caller.key,
            headers: caller.headers,
            body: { messages, mode, stream: false, filter: { document_id: { $in: ["a-only-doc", "policy"] } } },
          });
          if (!allowed(caller, "query", "publishable")) {
            for (const response of [streamed.response, plain, filtered]) {
              expect(response.status).toBe(403);
              expectSafeError(response, caller.name);
            }
            continue;
          }
          expect(streamed.response.status, streamed.response.text).toBe(200);
          expect(streamed.events.at(-1)?.event).toBe("done");
          for (const source of streamed.sources) expect(aChunkIds).not.toContain(source.chunk_id);
          // The follow-up's history is B's own text (it names A's markers); the answer and sources must not.
          expectNothingOfA(JSON.stringify({ sources: streamed.sources, answer: streamed.answer }), `${caller.name} streamed`);
          for (const response of [plain, filtered]) {
            expect(response.status, response.text).toBe(200);
            expectNothingOfA(JSON.stringify({ sources: response.body.sources, answer: response.body.answer }), `${caller.name} stream: false`);
          }
        }
      }
    });
  });

  describe("documents, stats and listing", () => {
    it("B's listing and stats count only B's documents", async () => {
      const { results } = await env.DB.prepare("SELECT COALESCE(SUM(chunk_count), 0) AS n FROM documents WHERE tenant_id = ?").bind(tenantB).all<{ n: number }>();
      const bChunks = results[0]!.n;
      for (const caller of bCallers()) {
        const list = await call("GET", "/v1/documents?limit=100", { key: caller.key, headers: caller.headers });
        const stats = await call("GET", "/v1/index/stats", { key: caller.key, headers: caller.headers });
        if (!allowed(caller, "ingest", "query")) {
          expect([list.status, stats.status]).toEqual([403, 403]);
          continue;
        }
        expect(list.status).toBe(200);
        expect(list.body.documents.map((doc: { id: string }) => doc.id)).toEqual(["b-notes", "policy"]);
        expectNothingOfA(list, caller.name);
        expect(stats.status).toBe(200);
        expect(stats.body).toEqual({ documents: { queued: 0, processing: 0, ready: 2, failed: 0, total: 2 }, chunks: bChunks });
      }
    });

    it("sanity: A's listing and stats count A's documents", async () => {
      const list = await call("GET", "/v1/documents", { key: aKeys.query.key });
      expect(list.body.documents.map((doc: { id: string }) => doc.id)).toEqual(["a-only-doc", "policy"]);
      const stats = await call("GET", "/v1/index/stats", { key: aKeys.query.key });
      expect(stats.body.documents.total).toBe(2);
      expect(stats.body.chunks).toBe(aChunkIds.length);
    });

    it("crafted cursors and status filters stay inside B", async () => {
      const cursors = ["", "a", "YQ", "LQ", btoa("a-only-doc").replaceAll("=", ""), btoa("\u0000").replaceAll("=", "")];
      for (const cursor of cursors) {
        for (const status of ["", "&status=ready", "&status=failed"]) {
          const response = await call("GET", `/v1/documents?limit=100&cursor=${encodeURIComponent(cursor)}${status}`, { key: bKeys.query.key });
          if (response.status !== 200) {
            expectSafeError(response, `cursor ${cursor}`);
            continue;
          }
          expectNothingOfA(response, `cursor ${cursor}`);
        }
      }
    });

    it("GET and DELETE of A's document by id answer 404 to B, as for an id that never existed", async () => {
      for (const caller of bCallers()) {
        const get = await call("GET", "/v1/documents/a-only-doc", { key: caller.key, headers: caller.headers });
        const getNever = await call("GET", "/v1/documents/never-existed", { key: caller.key, headers: caller.headers });
        const del = await call("DELETE", "/v1/documents/a-only-doc", { key: caller.key, headers: caller.headers });
        const delNever = await call("DELETE", "/v1/documents/never-existed", { key: caller.key, headers: caller.headers });
        const expectedGet = allowed(caller, "ingest", "query") ? 404 : 403;
        const expectedDelete = allowed(caller, "ingest") ? 404 : 403;
        expect([get.status, getNever.status], caller.name).toEqual([expectedGet, expectedGet]);
        expect([del.status, delNever.status], caller.name).toEqual([expectedDelete, expectedDelete]);
        for (const response of [get, del]) {
          expectSafeError(response, caller.name);
          expect(response.body.error.code).toBe(response.status === 404 ? "NOT_FOUND" : "FORBIDDEN");
        }
        // Same message shape for "A's" and "never existed": no existence oracle.
        expect(get.text.replace("a-only-doc", "ID")).toBe(getNever.text.replace("never-existed", "ID"));
        expect(del.text.replace("a-only-doc", "ID")).toBe(delNever.text.replace("never-existed", "ID"));
      }
      const still = await call("GET", "/v1/documents/a-only-doc", { key: aKeys.query.key });
      expect(still.status).toBe(200);
      expect(still.body).toMatchObject({ id: "a-only-doc", status: "ready", chunks: expect.any(Number) });
      const found = await call("POST", "/v1/search", { key: aKeys.query.key, body: { query: "xylofrond glacier", mode: "keyword" } });
      expect(found.body.results.map((result: { document_id: string }) => result.document_id)).toContain("a-only-doc");
    });

    it("the shared document id resolves to each tenant's own document", async () => {
      const b = await call("GET", "/v1/documents/policy", { key: bKeys.query.key });
      expect(b.status).toBe(200);
      expect(b.body.title).toBe("Brambleton refund policy");
      expectNothingOfA(b, "B's policy");
      const a = await call("GET", "/v1/documents/policy", { key: aKeys.query.key });
      expect(a.body.title).toBe("Quokkamoon refund policy");
    });

    it("re-posting the shared id as B changes B's document only", async () => {
      const response = await call("POST", "/v1/documents", { key: bKeys.ingest.key, body: { ...bDocs[0], content: `${bDocs[0]!.content} Updated.` } });
      expect(response.status, response.text).toBe(202);
      const before = (await call("GET", "/v1/documents/policy", { key: aKeys.query.key })).body;
      expect(before).toMatchObject({ version: 1, status: "ready", title: "Quokkamoon refund policy" });
    });

    it("B deleting the shared id deletes B's document, not A's", async () => {
      const response = await call("DELETE", "/v1/documents/policy", { key: bKeys.ingest.key });
      expect(response.status).toBe(202);
      expect((await call("GET", "/v1/documents/policy", { key: bKeys.query.key })).status).toBe(404);
      const a = await call("GET", "/v1/documents/policy", { key: aKeys.query.key });
      expect(a.status).toBe(200);
      expect(a.body.status).toBe("ready");
      const found = await call("POST", "/v1/search", { key: aKeys.query.key, body: { query: aQuestion, mode: "hybrid" } });
      expect(found.body.results.map((result: { document_id: string }) => result.document_id)).toContain("policy");
      const { results } = await env.DB.prepare("SELECT COUNT(*) AS n FROM chunks WHERE tenant_id = ? AND document_id = 'policy'").bind(tenantA).all<{ n: number }>();
      expect(results[0]!.n).toBeGreaterThan(0);
      // B gets its document back for the rest of the suite.
      await ingestAs(bKeys.ingest.key, [bDocs[0]!]);
    });
  });

  describe("feedback", () => {
    it("B rating the same message id stores B's own row and never touches or returns A's", async () => {
      for (const caller of bCallers()) {
        const response = await call("POST", "/v1/feedback", {
          key: caller.key,
          headers: caller.headers,
          body: { message_id: "shared-message", rating: "down", question: "q", answer: "a", sources: [{ n: 1, document_id: "policy", chunk_id: aChunkIds[0] }] },
        });
        if (!allowed(caller, "query", "publishable")) {
          expect(response.status).toBe(403);
          continue;
        }
        expect(response.status, response.text).toBe(201);
        expect(response.body.id).not.toBe(aFeedbackId);
        expectNothingOfA(JSON.stringify(response.body), caller.name);
      }
      const a = await env.DB.prepare("SELECT tenant_id, rating, question FROM feedback WHERE id = ?").bind(aFeedbackId).first();
      expect(a).toEqual({ tenant_id: tenantA, rating: "up", question: aQuestion });
      const b = await env.DB.prepare("SELECT COUNT(*) AS n FROM feedback WHERE tenant_id = ? AND message_id = 'shared-message'").bind(tenantB).first<{ n: number }>();
      expect(b!.n).toBe(1);
    });
  });

  describe("tenant boundaries of keys and headers", () => {
    it("X-Tenant-Id naming another tenant is 403 for every non-operator key, whether it exists or not", async () => {
      for (const caller of bCallers().filter((c) => c.key !== operatorKey)) {
        for (const target of [tenantA, "t_0000000000000000", "default"]) {
          for (const [method, path, body] of [
            ["GET", "/v1/documents", undefined],
            ["POST", "/v1/search", { query: aQuestion }],
            ["POST", "/v1/chat", { messages: [{ role: "user", content: aQuestion }], stream: false }],
            ["GET", "/v1/index/stats", undefined],
            ["GET", "/v1/keys", undefined],
          ] as const) {
            const response = await call(method, path, { key: caller.key, headers: { ...caller.headers, "x-tenant-id": target }, body });
            expect(response.status, `${caller.name} → ${target} ${method} ${path}: ${response.text}`).toBe(403);
            expectSafeError(response);
            expectNothingOfA(response, caller.name);
          }
        }
      }
    });

    it("X-Tenant-Id naming the key's own tenant is accepted", async () => {
      const response = await call("GET", "/v1/documents", { key: bKeys.query.key, headers: { "x-tenant-id": tenantB } });
      expect(response.status).toBe(200);
    });

    it("B's admin key cannot list, revoke or create A's keys, nor read A's tenant", async () => {
      const admin = bKeys.admin.key;
      const list = await call("GET", "/v1/keys", { key: admin });
      expect(list.status).toBe(200);
      expect(list.body.keys.length).toBe(4);
      for (const key of list.body.keys) expect(key.tenant_id).toBe(tenantB);
      expectNothingOfA(list, "B's key list");
      for (const key of Object.values(aKeys)) expect(list.text).not.toContain(key.id);

      const listA = await call("GET", `/v1/keys?tenant_id=${tenantA}`, { key: admin });
      expect(listA.status).toBe(403);
      expectNothingOfA(listA, "list A's keys");

      for (const key of Object.values(aKeys)) {
        const revoke = await call("DELETE", `/v1/keys/${key.id}`, { key: admin });
        expect(revoke.status).toBe(404);
        expectSafeError(revoke);
      }
      // A's keys all still work.
      expect((await call("GET", "/v1/documents", { key: aKeys.query.key })).status).toBe(200);
      expect((await call("GET", "/v1/keys", { key: aKeys.admin.key })).status).toBe(200);

      for (const scopes of [["admin"], ["query"], ["publishable"]]) {
        const create = await call("POST", "/v1/keys", {
          key: admin,
          body: { tenant_id: tenantA, scopes, ...(scopes[0] === "publishable" ? { origins: ["https://evil.example"] } : {}) },
        });
        expect(create.status).toBe(403);
        expectSafeError(create);
      }
      const { results } = await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ?").bind(tenantA).all<{ n: number }>();
      expect(results[0]!.n).toBe(4);

      const tenants = await call("GET", "/v1/tenants", { key: admin });
      expect(tenants.status).toBe(200);
      expect(tenants.body.tenants.map((tenant: { id: string }) => tenant.id)).toEqual([tenantB]);
      expect((await call("GET", `/v1/tenants/${tenantA}`, { key: admin })).status).toBe(404);
      expect((await call("GET", `/v1/tenants/${tenantB}`, { key: admin })).status).toBe(200);
      for (const [method, path, body] of [
        ["DELETE", `/v1/tenants/${tenantA}`, undefined],
        ["PUT", `/v1/tenants/${tenantA}/limits`, { requests_per_minute_per_key: 1 }],
        ["POST", "/v1/tenants", { name: "mine" }],
      ] as const) {
        const response = await call(method, path, { key: admin, body });
        expect(response.status, `${method} ${path}`).toBe(403);
      }
    });

    it("B's admin key changes B's search settings only, never A's", async () => {
      const before = await call("GET", "/v1/index/settings", { key: aKeys.query.key });
      const response = await call("PUT", "/v1/index/settings", { key: bKeys.admin.key, body: { fusion: { method: "rrf", keyword_weight: 0.01, vector_weight: 100 } } });
      expect(response.status, response.text).toBe(200);
      expect(response.body.fusion).toMatchObject({ method: "rrf", keyword_weight: 0.01, vector_weight: 100 });
      expect(response.body.source.fusion).toBe("index");
      const after = await call("GET", "/v1/index/settings", { key: aKeys.query.key });
      expect(after.body).toEqual(before.body);
      // B cannot aim the change at A either.
      const aimed = await call("PUT", "/v1/index/settings", { key: bKeys.admin.key, headers: { "x-tenant-id": tenantA }, body: { fusion: null } });
      expect(aimed.status).toBe(403);
      await call("PUT", "/v1/index/settings", { key: bKeys.admin.key, body: { fusion: null } });
    });
  });

  describe("after DELETE /v1/tenants/A", () => {
    beforeAll(async () => {
      // A website source of A's (written as its sync would leave it; no crawl here): purged with the tenant too.
      await env.DB.batch([
        env.DB.prepare(
          "INSERT INTO sources (tenant_id, id, type, url, max_pages, max_depth, state, created_at) VALUES (?1, 'src_00000000000000aa', 'website', 'https://a.example/', 10, 1, 'active', '2026-01-01T00:00:00.000Z')",
        ).bind(tenantA),
        env.DB.prepare("INSERT INTO source_pages (tenant_id, source_id, url, document_id, status, sync) VALUES (?1, 'src_00000000000000aa', 'https://a.example/', 'web-a', 'fetched', 1)").bind(tenantA),
      ]);
      expect(await tenantRowCounts(tenantA)).toMatchObject({ sources: 1, source_pages: 1 });
      const response = await call("DELETE", `/v1/tenants/${tenantA}`);
      expect(response.status, response.text).toBe(202);
    });

    it("A's keys of every scope fail at once", async () => {
      for (const key of Object.values(aKeys)) {
        const response = await call("GET", "/v1/index/stats", { key: key.key, headers: originHeaders(key) });
        expect(response.status, key.scopes.join()).toBe(401);
        expectSafeError(response);
      }
    });

    it("the operator can no longer act on A or create keys for it", async () => {
      const headers = { "x-tenant-id": tenantA };
      for (const [method, path, body] of [
        ["POST", "/v1/search", { query: aQuestion, mode: "vector" }],
        ["POST", "/v1/search", { query: aQuestion, mode: "keyword" }],
        ["POST", "/v1/chat", { messages: [{ role: "user", content: aQuestion }], stream: false }],
        ["GET", "/v1/documents", undefined],
        ["GET", "/v1/documents/a-only-doc", undefined],
        ["GET", "/v1/index/stats", undefined],
      ] as const) {
        const response = await call(method, path, { headers, body });
        expect(response.status, `${method} ${path}: ${response.text}`).toBe(404);
        expectSafeError(response);
      }
      expect((await call("GET", `/v1/tenants/${tenantA}`)).status).toBe(404);
      const tenants = await call("GET", "/v1/tenants");
      expect(tenants.body.tenants.map((tenant: { id: string }) => tenant.id)).not.toContain(tenantA);
      const create = await call("POST", "/v1/keys", { body: { tenant_id: tenantA, scopes: ["query"] } });
      expect(create.status).toBe(404);
      expect((await call("DELETE", `/v1/tenants/${tenantA}`)).status).toBe(404);
    });

    it("the queue purges every row, FTS entry and vector of A", async () => {
      await vi.waitUntil(async () => Object.values(await tenantRowCounts(tenantA)).every((n) => n === 0), { timeout: 30_000, interval: 200 });
      expect(await tenantRowCounts(tenantA)).toEqual({ tenants: 0, documents: 0, chunks: 0, feedback: 0, api_keys: 0, sources: 0, source_pages: 0 });
      for (const marker of aMarkers) {
        const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?").bind(`"${marker}"`).first<{ n: number }>();
        expect(row!.n, marker).toBe(0);
      }
      const services = await createAdapters(env);
      const index = new LocalVectorizeIndex(env.LOCAL_SERVICES!, `local-${await services.store.getSetting("instance_id")}`);
      for (const text of aChunkTexts) {
        const { matches } = await index.query(await services.embedder.embedQuery(text), { topK: 50, namespace: tenantA });
        expect(matches).toEqual([]);
      }
      expect((await index.getByIds(aChunkIds)).length).toBe(0);
    });

    it("nothing of A is reachable or counted by anyone; B is untouched", async () => {
      for (const caller of bCallers()) {
        for (const mode of ["keyword", "vector", "hybrid"]) {
          const response = await search(caller, { query: aQuestion, mode });
          if (response.status === 200) expectNothingOfA(response, caller.name);
        }
      }
      const operatorDefault = await call("POST", "/v1/search", { body: { query: aQuestion } });
      expect(operatorDefault.status).toBe(200);
      expectNothingOfA(operatorDefault, "operator on the default tenant");
      const keys = await call("GET", "/v1/keys");
      expectNothingOfA(keys, "operator's key list");
      const b = await call("POST", "/v1/search", { key: bKeys.query.key, body: { query: `${bMarker} refund`, mode: "keyword" } });
      expect(new Set(b.body.results.map((result: { document_id: string }) => result.document_id))).toEqual(new Set(["policy", "b-notes"]));
      const stats = await call("GET", "/v1/index/stats", { key: bKeys.query.key });
      expect(stats.body.documents.total).toBe(2);
    });
  });
});
