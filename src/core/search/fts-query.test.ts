import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { buildFtsQuery, tenantScopedFtsMatch } from "./fts-query.js";

describe("buildFtsQuery", () => {
  it("ORs quoted content words", () => {
    expect(buildFtsQuery("What is the role of vitamin D?")).toBe('"role" OR "vitamin" OR "d"');
  });

  it("deduplicates and caps the number of terms", () => {
    expect(buildFtsQuery("cat cat dog")).toBe('"cat" OR "dog"');
    const many = Array.from({ length: 100 }, (_, i) => `word${i}`).join(" ");
    expect(buildFtsQuery(many, { maxTerms: 5 })?.split(" OR ")).toHaveLength(5);
  });

  it("returns null when nothing is searchable", () => {
    expect(buildFtsQuery("  ?!* ()")).toBeNull();
  });

  describe("against a real FTS5 table", () => {
    beforeAll(async () => {
      await env.DB.batch([
        env.DB.prepare("CREATE VIRTUAL TABLE IF NOT EXISTS fts_query_probe USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2')"),
        env.DB.prepare("INSERT INTO fts_query_probe (text) VALUES ('vitamin d deficiency'), ('the sky is blue'), ('NEAR and AND are operators')"),
      ]);
    });

    const hostile = [
      'vitamin" OR "sky',
      "NEAR(vitamin sky)",
      "text: vitamin",
      "vitamin*",
      "^sky",
      "AND OR NOT",
      '"unbalanced',
      "(((",
      "-sky +vitamin",
      "col:val {text}: sky",
      "ﬁancé café naïve",
      "'; DROP TABLE chunks; --",
      "\u0000\u0001 sky",
    ];

    it.each(hostile)("never produces an FTS5 syntax error: %s", async (input) => {
      const query = buildFtsQuery(input);
      if (query === null) return;
      const { results } = await env.DB.prepare("SELECT text FROM fts_query_probe WHERE fts_query_probe MATCH ?").bind(query).all();
      expect(Array.isArray(results)).toBe(true);
    });

    it("matches documents containing any term, with stemming", async () => {
      const query = buildFtsQuery("deficiencies of vitamins, and blue skies")!;
      const { results } = await env.DB.prepare("SELECT text FROM fts_query_probe WHERE fts_query_probe MATCH ? ORDER BY rowid").bind(query).all<{ text: string }>();
      expect(results.map((row) => row.text)).toEqual(["vitamin d deficiency", "the sky is blue"]);
    });

    it("treats operator words as plain words", async () => {
      const query = buildFtsQuery("NEAR operators")!;
      const { results } = await env.DB.prepare("SELECT text FROM fts_query_probe WHERE fts_query_probe MATCH ?").bind(query).all<{ text: string }>();
      expect(results.map((row) => row.text)).toEqual(["NEAR and AND are operators"]);
    });
  });
});

describe("tenantScopedFtsMatch", () => {
  it("restricts the terms to the text columns and quotes the tenant id", () => {
    expect(tenantScopedFtsMatch('we"ird', '"a" OR "b"')).toBe('tenant_id : "we""ird" AND {title heading text} : ("a" OR "b")');
  });
});
