/**
 * Keyword expansion (KEYWORD_EXPANSION=rm3): the words that weigh most in the
 * best keyword hits are searched too, so a passage that shares no word with
 * the query but the vocabulary of its best hits is found; off, it is not.
 * Real D1 and FTS5; the keyword leg run as the search service runs it.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { D1DocumentStore } from "../../src/adapters/cloudflare/d1-document-store.js";
import { readConfig } from "../../src/config.js";
import { defaultKeywordExpansion } from "../../src/core/search/keyword-expansion.js";
import { runKeywordLeg } from "../../src/services/search/keyword-leg.js";
import { ingest } from "../helpers.js";

const docs = [
  { id: "rm3-manual", title: "Heat pump manual", content: "The heat pump starts a defrost cycle when the outdoor coil ices over. Defrost reverses the refrigerant valve to warm the coil." },
  { id: "rm3-faq", title: "Heat pump questions", content: "Is the heat pump noisy? A hiss during the defrost cycle is normal while the coil warms." },
  // Shares no word with the query "heat pump", but the best hits' vocabulary (defrost, coil, refrigerant, valve).
  { id: "rm3-service", title: "Service notes", content: "Technicians check the refrigerant valve and the outdoor coil; a stuck defrost relay leaves ice on the coil." },
  { id: "rm3-other", title: "Coffee machine", content: "Descale the coffee machine monthly with citric acid and rinse it twice." },
];

const request = { tenantId: "default", query: "heat pump", mode: "keyword" as const, topK: 8 };

describe("keyword expansion", () => {
  beforeAll(async () => {
    await ingest(docs);
  });

  it("off (the default), a passage without the query's words is not found", async () => {
    const hits = await runKeywordLeg({ store: new D1DocumentStore(env.DB) }, request, 20);
    expect(hits.map((hit) => hit.chunk.documentId)).toEqual(expect.arrayContaining(["rm3-manual", "rm3-faq"]));
    expect(hits.map((hit) => hit.chunk.documentId)).not.toContain("rm3-service");
  });

  it("rm3 finds it through the best hits' words, below the passages with the query's own words, and not the unrelated one", async () => {
    const hits = await runKeywordLeg({ store: new D1DocumentStore(env.DB), keywordExpansion: defaultKeywordExpansion }, request, 20);
    const ids = hits.map((hit) => hit.chunk.documentId);
    expect(ids).toContain("rm3-service");
    expect(ids.indexOf("rm3-service")).toBeGreaterThan(Math.max(ids.indexOf("rm3-manual"), ids.indexOf("rm3-faq")));
    expect(ids).not.toContain("rm3-other");
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
  });

  it("is configured by KEYWORD_EXPANSION and its parameters, with clear errors", () => {
    expect(readConfig({}, "local").keywordExpansion).toBeNull();
    expect(readConfig({ KEYWORD_EXPANSION: "rm3", KEYWORD_EXPANSION_TERMS: "5" }, "local").keywordExpansion).toEqual({ ...defaultKeywordExpansion, terms: 5 });
    expect(() => readConfig({ KEYWORD_EXPANSION: "bo1" }, "local")).toThrow(/KEYWORD_EXPANSION must be "off" or "rm3"/);
    expect(() => readConfig({ KEYWORD_EXPANSION: "rm3", KEYWORD_EXPANSION_ORIGINAL_WEIGHT: "2" }, "local")).toThrow(/KEYWORD_EXPANSION_ORIGINAL_WEIGHT/);
  });
});
