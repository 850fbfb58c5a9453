import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/worker.js";
import { LocalAi } from "../../src/adapters/local/local-ai.js";
import { WorkersAiReranker } from "../../src/adapters/cloudflare/workers-ai-reranker.js";
import { api, apiKey, ingest } from "../../test/helpers.js";
import { sampleDocs } from "../demo/sample-docs.js";

// The test pool's Node host serves a generated tiny cross-encoder (random
// weights) under this id: the checks are about orchestration, not quality.
const rerankModel = "@local/transformers-reranker/tiny-test";

async function searchWith(vars: Record<string, string>, body: Record<string, unknown>) {
  const response = await worker.fetch(
    new Request("http://edge-rag.test/v1/search", {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    { ...env, ...vars },
    createExecutionContext(),
  );
  return { status: response.status, body: await response.json<any>() };
}

describe("reranking", () => {
  beforeAll(async () => {
    await ingest(sampleDocs);
  });

  it("refuses rerank: true when no model is configured", async () => {
    const response = await api("POST", "/v1/search", { query: "refund", rerank: true });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/RERANK_MODEL/);
  });

  it("reorders the fused candidates by the cross-encoder's scores", async () => {
    const query = "refund payment heat pump support deploy";
    const vars = { RERANK_MODEL: rerankModel, RERANK_CANDIDATES: "6" };
    const plain = await searchWith(vars, { query, top_k: 6 });
    const reranked = await searchWith(vars, { query, top_k: 6, rerank: true });
    expect(plain.status).toBe(200);
    expect(reranked.status).toBe(200);
    expect(plain.body.timings.rerank_ms).toBe(0);

    // The same candidates, ordered exactly as the reranker scores them.
    const candidates = plain.body.results as { chunk_id: string; title: string; heading: string; text: string }[];
    const scores = await new WorkersAiReranker(new LocalAi(env.LOCAL_SERVICES!), rerankModel).rerank(
      query,
      candidates.map((result) => [result.title, result.heading, result.text].filter(Boolean).join("\n")),
    );
    expect(reranked.body.results.map((result: { chunk_id: string }) => result.chunk_id)).toEqual(scores.map((score) => candidates[score.index]!.chunk_id));
    expect(reranked.body.results.map((result: { score: number }) => result.score)).toEqual(scores.map((score) => score.score));
  });

  it("follows the index's default, and the request overrides it", async () => {
    const vars = { RERANK_MODEL: rerankModel };
    const put = await worker.fetch(
      new Request("http://edge-rag.test/v1/index/settings", {
        method: "PUT",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ rerank: { enabled: true, candidates: 5 } }),
      }),
      { ...env, ...vars },
      createExecutionContext(),
    );
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ rerank: { enabled: true, candidates: 5, model: rerankModel }, source: { rerank: "index" } });

    const byDefault = await searchWith(vars, { query: "heat pump error", top_k: 3 });
    const explicit = await searchWith(vars, { query: "heat pump error", top_k: 3, rerank: true });
    expect(byDefault.body.timings.rerank_ms).toBeGreaterThan(0);
    expect(byDefault.body.results).toEqual(explicit.body.results);
    const off = await searchWith(vars, { query: "heat pump error", top_k: 3, rerank: false });
    const hybrid = await searchWith(vars, { query: "heat pump error", top_k: 3, mode: "hybrid", rerank: false });
    expect(off.body.results).toEqual(hybrid.body.results);

    // Without a model the index default cannot apply: searches still work.
    const reset = await api("PUT", "/v1/index/settings", { rerank: null });
    expect(reset.body.rerank).toMatchObject({ enabled: false, model: null });
  });

  it("refuses to enable reranking by default without a model", async () => {
    const response = await api("PUT", "/v1/index/settings", { rerank: { enabled: true } });
    expect(response.status).toBe(400);
  });
});

describe("fusion settings", () => {
  it("reads the defaults, stores a setting, validates and resets", async () => {
    const initial = await api("GET", "/v1/index/settings");
    expect(initial.body.fusion).toEqual({ method: "rrf", k: 10, keyword_weight: 0.85, vector_weight: 0.15, normalization: "minmax" });
    expect(initial.body.source.fusion).toBe("defaults");

    const put = await api("PUT", "/v1/index/settings", { fusion: { method: "convex", k: 20 } });
    expect(put.body.fusion).toEqual({ method: "convex", k: 20, keyword_weight: 0.85, vector_weight: 0.15, normalization: "minmax" });
    expect(put.body.source.fusion).toBe("index");

    expect((await api("PUT", "/v1/index/settings", { fusion: { keyword_weight: 0, vector_weight: 0 } })).status).toBe(400);
    expect((await api("PUT", "/v1/index/settings", { fusion: { method: "max" } })).status).toBe(400);
    expect((await api("PUT", "/v1/index/settings", { fusion: { kk: 1 } })).status).toBe(400);

    const reset = await api("PUT", "/v1/index/settings", { fusion: null });
    expect(reset.body.source.fusion).toBe("defaults");
    expect(reset.body.fusion.method).toBe("rrf");
  });

  it("changes the hybrid order when the weights change", async () => {
    await ingest(sampleDocs);
    const query = "When is the support desk open for refunds?";
    await api("PUT", "/v1/index/settings", { fusion: { method: "convex", keyword_weight: 1, vector_weight: 0 } });
    const keywordOnly = await api("POST", "/v1/search", { query, top_k: 5 });
    const keywordLeg = await api("POST", "/v1/search", { query, top_k: 5, mode: "keyword" });
    expect(keywordOnly.body.results.map((r: { chunk_id: string }) => r.chunk_id).slice(0, keywordLeg.body.results.length)).toEqual(
      keywordLeg.body.results.map((r: { chunk_id: string }) => r.chunk_id),
    );
    await api("PUT", "/v1/index/settings", { fusion: null });
  });
});
