/**
 * The keyword leg matches the query's words against the text columns only.
 * FTS5 also stores each chunk's tenant id (to scope a search to one tenant
 * inside the index); a word of the tenant id (`default`, or the `t` of
 * `t_…`) must not match every chunk of the tenant through that column.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, createTenant, ingestAs, operatorKey, raiseLimits, type TenantKey } from "../security/tenant-fixtures.js";

type Result = { document_id: string; text: string; score: number };

const withWord = (word: string) => ({
  id: `mentions-${word}`,
  title: "Printer settings",
  content: `Every printer ships with the ${word} tray selected; change it in the settings panel if you print envelopes.`,
});
const withoutWord = { id: "unrelated", title: "Coffee machine", content: "Descale the coffee machine monthly with citric acid and rinse it twice." };

async function keywordSearch(key: string, query: string): Promise<Result[]> {
  const response = await call("POST", "/v1/search", { key, body: { query, mode: "keyword", top_k: 10 } });
  expect(response.status, response.text).toBe(200);
  return response.body.results as Result[];
}

describe("keyword search never matches the tenant id column", () => {
  let tenantKey: TenantKey;

  beforeAll(async () => {
    // The default tenant (id "default"), acted on with the operator key.
    await ingestAs(operatorKey, [withWord("default"), withoutWord]);
    const tenantId = await createTenant("keyword columns");
    await raiseLimits(tenantId);
    tenantKey = await createKey(tenantId, ["ingest", "query"]);
    await ingestAs(tenantKey.key, [withWord("t"), { ...withoutWord }]);
  });

  it('"default" in the default tenant finds only the chunk that contains the word, with a real score', async () => {
    const results = await keywordSearch(operatorKey, "default");
    expect(results.map((result) => result.document_id)).toEqual(["mentions-default"]);
    expect(results[0]!.text).toMatch(/\bdefault\b/);
    expect(results[0]!.score).toBeGreaterThan(0);
  });

  it('"t" in a t_… tenant finds only the chunk that contains the word', async () => {
    const results = await keywordSearch(tenantKey.key, "t");
    expect(results.map((result) => result.document_id)).toEqual(["mentions-t"]);
    expect(results[0]!.score).toBeGreaterThan(0);
  });

  it("still searches every text column (title as well as body)", async () => {
    const results = await keywordSearch(operatorKey, "coffee");
    expect(results.map((result) => result.document_id)).toEqual(["unrelated"]);
    const byTitle = await keywordSearch(operatorKey, "printer settings");
    expect(byTitle[0]!.document_id).toBe("mentions-default");
  });
});
