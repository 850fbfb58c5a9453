import { beforeAll, describe, expect, it } from "vitest";
import { api, ingest } from "../../test/helpers.js";
import { billingGuide, deployGuide, heatPumpManual, officeHours, sampleDocs } from "../demo/sample-docs.js";
import { markdownToPlainText } from "../../src/core/text/markdown-plain-text.js";

type Result = { chunk_id: string; document_id: string; title: string; text: string; score: number; metadata: Record<string, unknown> };

async function search(body: Record<string, unknown>): Promise<{ status: number; results: Result[]; body: any }> {
  const response = await api("POST", "/v1/search", body);
  return { status: response.status, results: response.body.results ?? [], body: response.body };
}

describe("POST /v1/search", () => {
  beforeAll(async () => {
    await ingest(sampleDocs);
  });

  it("finds the page by keywords (keyword mode), best first", async () => {
    const { status, results, body } = await search({ query: "refund within 30 days", mode: "keyword" });
    expect(status).toBe(200);
    expect(results[0]!.document_id).toBe(billingGuide.id);
    expect(results[0]!.text).toMatch(/refund/i);
    for (let i = 1; i < results.length; i++) expect(results[i - 1]!.score).toBeGreaterThanOrEqual(results[i]!.score);
    expect(Object.keys(body.timings).sort()).toEqual(["embed_ms", "fuse_ms", "hydrate_ms", "keyword_ms", "rerank_ms", "total_ms", "vector_ms"]);
  });

  it("finds the page by meaning (vector mode)", async () => {
    const { results } = await search({ query: "When is the help desk open?", mode: "vector", top_k: 3 });
    expect(results.map((result) => result.document_id)).toContain(officeHours.id);
    for (const result of results) expect(result.score).toBeLessThanOrEqual(1.0001);
  });

  it("fuses both legs (hybrid, the default)", async () => {
    const { results } = await search({ query: "What does error code E4 mean on the heat pump?" });
    expect(results[0]!.document_id).toBe(heatPumpManual.id);
    expect(results.length).toBeLessThanOrEqual(8);
  });

  it("explains each result's place: leg ranks and scores, the fused score (hybrid), null where a leg did not return it", async () => {
    const query = "What does error code E4 mean on the heat pump?";
    const keyword = await search({ query, mode: "keyword", top_k: 20 });
    const vector = await search({ query, mode: "vector", top_k: 20 });
    const hybrid = await search({ query, top_k: 8 });
    // Single-leg modes: their own leg's rank is the result's position, the other leg and fusion are null.
    keyword.results.forEach((result: any, i) => {
      expect(result.scoring).toEqual({ keyword_rank: i + 1, keyword_score: result.score, vector_rank: null, vector_score: null, fused_score: null, rerank_score: null });
    });
    vector.results.forEach((result: any, i) => {
      expect(result.scoring).toMatchObject({ keyword_rank: null, vector_rank: i + 1, vector_score: result.score, fused_score: null });
    });
    // Hybrid: each leg's rank/score as that leg alone ranks it (same 20-deep pools), the fused score is the result's score.
    const keywordRank = new Map(keyword.results.map((result, i) => [result.chunk_id, { rank: i + 1, score: result.score }]));
    const vectorRank = new Map(vector.results.map((result, i) => [result.chunk_id, { rank: i + 1, score: result.score }]));
    expect(hybrid.results.length).toBeGreaterThan(0);
    for (const result of hybrid.results as any[]) {
      expect(result.scoring.fused_score).toBe(result.score);
      expect(result.scoring.rerank_score).toBeNull();
      const k = keywordRank.get(result.chunk_id);
      const v = vectorRank.get(result.chunk_id);
      expect({ rank: result.scoring.keyword_rank, score: result.scoring.keyword_score }).toEqual(k ? { rank: k.rank, score: k.score } : { rank: null, score: null });
      expect(result.scoring.vector_rank).toBe(v?.rank ?? null);
      if (v) expect(result.scoring.vector_score).toBeCloseTo(v.score, 6);
      // A result comes from at least one leg.
      expect(k ?? v).toBeDefined();
    }
  });

  it("returns title, text and the document's metadata", async () => {
    const { results } = await search({ query: "evaporator fins maintenance", top_k: 1 });
    expect(results[0]).toMatchObject({ document_id: heatPumpManual.id, title: heatPumpManual.title, metadata: heatPumpManual.metadata });
    expect(results[0]!.chunk_id).toMatch(/^[0-9a-f]{24}:1:\d+$/);
  });

  describe("snippets", () => {
    const validationGuide = {
      id: "validation-guide",
      title: "Validation",
      format: "markdown",
      content:
        "# Validation\n\n## Configuring validation\n\nRequests are validated with [Zod](https://zod.dev) schemas; **configure** them in `schemas.ts`.\n\n::: code-group\n\n```sh [npm]\nnpm install zod\n```\n\n:::\n\n<Badge text=\"new\" /> Unknown fields are rejected.",
    };
    beforeAll(async () => {
      await ingest([validationGuide]);
    });

    it("are plain text with the query's words marked as the keyword leg matches them", async () => {
      const { results } = await search({ query: "configuring Zod validation", mode: "keyword", top_k: 3 });
      const result = results.find((r) => r.document_id === validationGuide.id) as (Result & { snippet: string; snippet_highlights: [number, number][] }) | undefined;
      expect(result).toBeDefined();
      expect(result!.text).toContain("[Zod](https://zod.dev)");
      for (const syntax of ["](", "**", "`", ":::", "<Badge", "#"]) expect(result!.snippet).not.toContain(syntax);
      expect(result!.snippet).toContain("Requests are validated with Zod schemas; configure them in schemas.ts.");
      const marked = result!.snippet_highlights.map(([start, end]) => result!.snippet.slice(start, end).toLowerCase());
      // Stemmed as the keyword leg stems: "configuring" marks "configure", "validation" marks "validated".
      expect(new Set(marked)).toEqual(new Set(["validated", "zod", "configure"]));
    });

    it("of a hit that matches no query word are the passage's beginning", async () => {
      const { results } = await search({ query: "qqqq zzzz", mode: "vector", top_k: 3 });
      expect(results.length).toBeGreaterThan(0);
      for (const result of results as (Result & { snippet: string; snippet_highlights: [number, number][] })[]) {
        expect(result.snippet_highlights).toEqual([]);
        expect(markdownToPlainText(result.text).startsWith(result.snippet.replace(/…$/, ""))).toBe(true);
      }
    });
  });

  it("honours top_k", async () => {
    const { results } = await search({ query: "the", top_k: 2, mode: "vector" });
    expect(results).toHaveLength(2);
  });

  it("does not index page chrome, scripts or styles of HTML", async () => {
    // "alert" is in a <script>, "red" in a <style>, "products" in the <nav>, "example" in the <footer>.
    const { results } = await search({ query: "alert red products example", mode: "keyword" });
    expect(results.map((result) => result.document_id)).not.toContain(heatPumpManual.id);
  });

  describe("filters apply inside both legs", () => {
    it.each(["keyword", "vector", "hybrid"])("%s: product = aurora", async (mode) => {
      const { status, results } = await search({ query: "refund payment heat pump support", mode, filter: { product: "aurora" } });
      expect(status).toBe(200);
      expect(results.length).toBeGreaterThan(0);
      expect(new Set(results.map((result) => result.document_id))).toEqual(new Set([heatPumpManual.id]));
    });

    it.each(["keyword", "vector", "hybrid"])("%s: year >= 2026", async (mode) => {
      const { results } = await search({ query: "deploy refund heat pump office", mode, filter: { year: { $gte: 2026 } } });
      expect(new Set(results.map((result) => result.document_id))).toEqual(new Set([deployGuide.id]));
    });

    it.each(["keyword", "vector", "hybrid"])("%s: audience $in, document_id $ne", async (mode) => {
      const { results } = await search({
        query: "refund hours desk invoices",
        mode,
        filter: { audience: { $in: ["customers"] }, document_id: { $ne: officeHours.id } },
      });
      expect(new Set(results.map((result) => result.document_id))).toEqual(new Set([billingGuide.id]));
    });
  });

  const invalid: [string, Record<string, unknown>][] = [
    ["a missing query", {}],
    ["a blank query", { query: "   " }],
    ["top_k 0", { query: "x", top_k: 0 }],
    ["top_k 51", { query: "x", top_k: 51 }],
    ["a fractional top_k", { query: "x", top_k: 2.5 }],
    ["an unknown mode", { query: "x", mode: "semantic" }],
    ["camelCase topK", { query: "x", topK: 3 }],
    ["an unknown filter operator", { query: "x", filter: { year: { $regex: "2.*" } } }],
    ["a filter on tenant_id", { query: "x", filter: { tenant_id: "other" } }],
    ["a filter that is not an object", { query: "x", filter: "product = aurora" }],
  ];
  it.each(invalid)("rejects %s with 400", async (_name, body) => {
    const { status, body: response } = await search(body);
    expect(status).toBe(400);
    expect(response.error.code).toBe("VALIDATION_FAILED");
  });

  it.each(['"unbalanced', "NEAR(a b)", "title: refund", "*", "refund OR", "'; DROP TABLE chunks; --", "(((", "ÄÖÜ ß 日本語"])(
    "never fails on FTS5 syntax in user input: %s",
    async (query) => {
      const { status } = await search({ query, mode: "keyword" });
      expect(status).toBe(200);
    },
  );
});
