/**
 * Issue 11, robust to how people type: with the default local model (the
 * Universal Sentence Encoder, which is cased) a question typed in capitals
 * must find what the same question in lower case finds, and a document
 * written in capitals must be found like the same document in ordinary case.
 * Through the worker: HTTP in, the queue consumer, D1, the local vector index
 * and the real model.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createAdapters } from "../../src/composition-root.js";
import { IndexSettings } from "../../src/services/index-settings.js";
import { SearchService } from "../../src/services/search-service.js";
import { api, ingest } from "../helpers.js";

type Result = { document_id: string; chunk_id: string; score: number };

async function vectorSearch(query: string, topK = 5): Promise<Result[]> {
  const response = await api("POST", "/v1/search", { query, mode: "vector", top_k: topK });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.results;
}

const documents = [
  { id: "casing-refunds", title: "Refunds", content: "You can ask for a full refund within 30 days of purchase. Refunds go back to the original card." },
  { id: "casing-password", title: "Passwords", content: "To reset your password, open Settings, choose Security and click 'Forgot password'. We email you a link." },
  { id: "casing-shipping", title: "Shipping", content: "Orders ship within two business days. You receive a tracking number by email once the parcel leaves our warehouse." },
  { id: "casing-address", title: "Delivery address", content: "You can change the delivery address of an order until it ships: open the order and edit the shipping address." },
  { id: "casing-cancel", title: "Subscriptions", content: "To cancel your subscription, go to Account, then Billing, and click Cancel plan. You keep access until the end of the period." },
  { id: "casing-app", title: "Mobile app", content: "The mobile app is available on the App Store and Google Play. Search for our name and install it." },
];

// The same warranty text twice: once as written, once in capitals (as legal text often is).
const warranty = "The warranty covers manufacturing defects for two years from the date of purchase. It does not cover accidental damage or normal wear.";
const warrantyDocuments = [
  { id: "casing-warranty", title: "Warranty", content: warranty },
  { id: "casing-warranty-caps", title: "WARRANTY", content: warranty.toUpperCase() },
];

const questions: [question: string, expected: string][] = [
  ["how long do i have to ask for a refund?", "casing-refunds"],
  ["how do i reset my password?", "casing-password"],
  ["when will my order ship?", "casing-shipping"],
  ["can i change my delivery address?", "casing-address"],
  ["how do i cancel my subscription?", "casing-cancel"],
  ["where can i download the mobile app?", "casing-app"],
];

beforeAll(async () => {
  await ingest([...documents, ...warrantyDocuments]);
});

describe("vector search and text in capitals (default local model)", () => {
  it.each(questions)("%s — typed in capitals, finds the same documents with the same scores", async (question, expected) => {
    const lower = await vectorSearch(question);
    const caps = await vectorSearch(question.toUpperCase());
    expect(lower[0]!.document_id).toBe(expected);
    expect(caps.map((result) => [result.chunk_id, result.score])).toEqual(lower.map((result) => [result.chunk_id, result.score]));
  });

  it("without normalisation (EMBEDDING_NORMALIZE_CASE=off) the same questions in capitals score their documents far lower, some below others", async () => {
    // The switch is read where the embedder is built; run the same search service with it off.
    const adapters = await createAdapters({ ...env, EMBEDDING_NORMALIZE_CASE: "off" });
    const search = new SearchService({
      store: adapters.store,
      embedder: adapters.embedder,
      vectors: adapters.vectors,
      guard: adapters.guard,
      settings: new IndexSettings(adapters.store, { fusion: adapters.config.fusion, rerank: adapters.config.rerank }),
    });
    // Measured: 0.12–0.42 lower; the refund and the delivery-address questions get another document first.
    let worse = 0;
    let missed = 0;
    for (const [question, expected] of questions) {
      const normalized = (await vectorSearch(question.toUpperCase(), 20)).find((result) => result.document_id === expected)!.score;
      const rawResults = (await search.search({ tenantId: "default", query: question.toUpperCase(), topK: 20, mode: "vector" })).results;
      const raw = rawResults.find((result) => result.document_id === expected)?.score ?? 0;
      expect(raw).toBeLessThan(normalized);
      if (normalized - raw > 0.1) worse += 1;
      if (rawResults[0]?.document_id !== expected) missed += 1;
    }
    expect(worse).toBeGreaterThanOrEqual(questions.length - 1);
    expect(missed).toBeGreaterThanOrEqual(1);
  });

  it("a document written in capitals is found like the same document in ordinary case", async () => {
    // Measured: 0.635 (capitals, normalised at ingestion) and 0.625 (as written); raw capitals would score 0.007.
    const results = await vectorSearch("How long does the warranty last?");
    expect(results.slice(0, 2).map((result) => result.document_id).sort()).toEqual(["casing-warranty", "casing-warranty-caps"]);
    const [first, second] = results;
    expect(Math.abs(first!.score - second!.score)).toBeLessThan(0.05);
  });
});
