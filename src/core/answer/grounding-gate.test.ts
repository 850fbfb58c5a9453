import { describe, expect, it } from "vitest";
import { defaultGroundingGateSettings, groundingFeatures, groundingGate, isSupported, parseGroundingGateSettings, questionTerms } from "./grounding-gate.js";
import type { NumberedSource } from "./sources.js";

const scoring = (vector: number | null, keywordRank: number | null = 1, rerank: number | null = null) => ({
  keyword_rank: keywordRank,
  keyword_score: keywordRank === null ? null : 3.2,
  vector_rank: vector === null ? null : 1,
  vector_score: vector,
  fused_score: 0.1,
  rerank_score: rerank,
});

const refunds: NumberedSource = {
  n: 1,
  document_id: "billing",
  chunk_id: "billing#1",
  title: "Billing and refunds",
  heading: "Refund policy",
  text: "You can request a full refund within 30 days of purchase. Refunds are paid back within 5 business days.",
  scoring: scoring(0.62),
};
const heatPump: NumberedSource = {
  n: 2,
  document_id: "aurora",
  chunk_id: "aurora#1",
  title: "Aurora heat pump manual",
  text: "Clean the evaporator fins every spring.",
  scoring: scoring(0.21, null),
};

describe("grounding gate", () => {
  it("reads the question's content words, stemmed, without stop words or fillers", () => {
    expect(questionTerms("Please explain: how many days do I have to request a refund?")).toEqual(questionTerms("days request refund"));
    expect(questionTerms("How long does it take to get a refund?")).toEqual(questionTerms("refunds"));
    expect(questionTerms("days request refund")).toHaveLength(3);
    expect(questionTerms("What is it?")).toEqual([]);
  });

  it("lets a question through whose words a top source holds and whose best similarity is high enough", () => {
    const decision = groundingGate("How many days do I have to request a refund by card?", [refunds, heatPump]);
    expect(decision.features.coverage).toBe(0.75); // "card" is not in the source
    expect(decision.features.queryTerms).toBe(4);
    expect(decision.features.vectorScore).toBeCloseTo(0.62);
    expect(decision.features.bothLegs).toBe(true);
    expect(decision.supported).toBe(true);
  });

  it("declines an off-topic question: no content word in the sources", () => {
    const decision = groundingGate("What is the capital of Peru?", [refunds, heatPump]);
    expect(decision.features.coverage).toBe(0);
    expect(decision.supported).toBe(false);
  });

  it("declines when coverage is partial and the best similarity is below the threshold", () => {
    const weak = { ...refunds, scoring: scoring(0.05) };
    expect(groundingGate("refund days weekend", [weak], { ...defaultGroundingGateSettings, minVectorScore: 0.3 }).supported).toBe(false);
    expect(groundingGate("refund days weekend", [weak], { ...defaultGroundingGateSettings, minVectorScore: 0 }).supported).toBe(true);
  });

  it("lets full coverage of two or more content words through whatever the similarity", () => {
    const weak = { ...refunds, scoring: scoring(0.05) };
    expect(groundingGate("refund days", [weak]).supported).toBe(true);
    expect(groundingGate("refund", [weak]).supported).toBe(false);
  });

  it("ignores the similarity threshold when the vector leg did not run (keyword mode)", () => {
    const keywordOnly = { ...refunds, scoring: scoring(null) };
    const features = groundingFeatures("refund days", [keywordOnly], 3, false);
    expect(features.vectorScore).toBeNull();
    expect(isSupported(features, defaultGroundingGateSettings)).toBe(true);
  });

  it("counts a vector leg that ran but placed no hit among the sources as failing", () => {
    const keywordOnly = { ...refunds, scoring: scoring(null) };
    expect(groundingGate("refund days weekend", [keywordOnly], defaultGroundingGateSettings, { vectorLegRan: true }).supported).toBe(false);
    expect(groundingGate("refund days weekend", [keywordOnly], defaultGroundingGateSettings, { vectorLegRan: false }).supported).toBe(true);
  });

  it("looks only at the first coverageDepth sources for coverage", () => {
    const question = "How often should the evaporator fins be cleaned?";
    expect(groundingFeatures(question, [refunds, heatPump], 2).coverage).toBeGreaterThan(0.5);
    expect(groundingFeatures(question, [refunds, heatPump], 1).coverage).toBe(0);
  });

  it("declines with no sources, and lets everything through when off", () => {
    expect(groundingGate("refund", []).supported).toBe(false);
    expect(groundingGate("What is the capital of Peru?", [refunds], { ...defaultGroundingGateSettings, enabled: false }).supported).toBe(true);
  });

  it("accepts a strong rerank score on its own when a threshold is set", () => {
    const reranked = { ...heatPump, scoring: scoring(0.1, 1, 4.5) };
    const settings = { ...defaultGroundingGateSettings, minRerankScore: 2 };
    expect(groundingGate("capital of Peru", [reranked], settings).supported).toBe(true);
    expect(groundingGate("capital of Peru", [reranked], defaultGroundingGateSettings).supported).toBe(false);
  });

  it("parses its variables and refuses invalid ones", () => {
    const env: Record<string, string> = { GROUNDING_GATE: "off", GROUNDING_MIN_COVERAGE: "0.6", GROUNDING_MIN_VECTOR_SCORE: "0.25", GROUNDING_MIN_RERANK_SCORE: "1.5" };
    expect(parseGroundingGateSettings((name) => env[name])).toEqual({ ...defaultGroundingGateSettings, enabled: false, minCoverage: 0.6, minVectorScore: 0.25, minRerankScore: 1.5 });
    expect(parseGroundingGateSettings(() => undefined)).toEqual(defaultGroundingGateSettings);
    expect(parseGroundingGateSettings((name) => (name === "GROUNDING_MIN_COVERAGE" ? "1.5" : undefined))).toMatch(/GROUNDING_MIN_COVERAGE must be a number between 0 and 1/);
    expect(parseGroundingGateSettings((name) => (name === "GROUNDING_GATE" ? "maybe" : undefined))).toMatch(/GROUNDING_GATE must be "on" or "off"/);
  });
});
