/**
 * Declining (issue 11) with an LLM generator: the real OpenAI-compatible
 * generator against a fake chat-completions endpoint (its `fetch`), behind a
 * search stand-in that returns fixed sources.
 */
import { describe, expect, it } from "vitest";
import { declineMarker, declineMessage } from "../core/answer/decline.js";
import { defaultGroundingGateSettings } from "../core/answer/grounding-gate.js";
import { OpenAiCompatibleGenerator } from "../adapters/openai/openai-compatible-generator.js";
import { ChatService, type ChatEvent } from "./chat-service.js";
import { QueryRewriter } from "./query-rewriter.js";
import { silentLogger } from "./logger.js";
import type { SearchResponse, SearchService } from "./search-service.js";

const refundChunk = {
  chunk_id: "billing-guide#1",
  document_id: "billing-guide",
  title: "Billing and refunds",
  heading: "Refund policy",
  text: "You can request a full refund within 30 days of purchase. Refunds are paid back within 5 business days.",
  score: 0.9,
  source_url: null,
  metadata: {},
  scoring: { keyword_rank: 1, keyword_score: 2.1, vector_rank: 1, vector_score: 0.64, fused_score: 0.09, rerank_score: null },
};

const search = {
  search: async (): Promise<SearchResponse> => ({
    results: [refundChunk] as unknown as SearchResponse["results"],
    timings: { embed_ms: 0, vector_ms: 0, keyword_ms: 0, hydrate_ms: 0, fuse_ms: 0, rerank_ms: 0, total_ms: 0 },
  }),
} as unknown as SearchService;

/** A chat-completions endpoint that streams `pieces` as the answer and records the prompts it was sent. */
function fakeLlm(pieces: string[]) {
  const prompts: string[] = [];
  const fakeFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body ?? (await new Request(input, init).text())));
    prompts.push(body.messages.map((m: { content: string }) => m.content).join("\n"));
    const frames = pieces.map((content) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`);
    return new Response(`${frames.join("")}data: [DONE]\n\n`, { status: 200, headers: { "content-type": "text/event-stream" } });
  }) as typeof fetch;
  return { generator: new OpenAiCompatibleGenerator({ baseUrl: "http://llm.test/v1", model: "fake", fetch: fakeFetch }), prompts };
}

async function ask(service: ChatService, question: string) {
  const events: ChatEvent[] = [];
  for await (const event of service.chat({ tenantId: "t", messages: [{ role: "user", content: question }], topK: 6, mode: "hybrid" })) events.push(event);
  const answer = events.flatMap((event) => (event.event === "delta" ? [event.data.text] : [])).join("");
  const done = events.at(-1);
  return { events, answer, grounded: done?.event === "done" ? done.data.grounded : undefined };
}

function service(generator: OpenAiCompatibleGenerator) {
  return new ChatService({ search, generator, rewriter: new QueryRewriter({ log: silentLogger }), grounding: defaultGroundingGateSettings });
}

describe("chat declining with an LLM generator", () => {
  it("tells the model the decline marker", async () => {
    const llm = fakeLlm(["Within 30 days [1]."]);
    await ask(service(llm.generator), "How many days do I have to request a refund?");
    expect(llm.prompts[0]).toContain(declineMarker);
  });

  it("answers grounded: true with citations when the model answers from the sources", async () => {
    const llm = fakeLlm(["You can ask for a full refund ", "within 30 days [1]."]);
    const result = await ask(service(llm.generator), "How many days do I have to request a refund?");
    expect(result.answer).toBe("You can ask for a full refund within 30 days [1].");
    expect(result.grounded).toBe(true);
  });

  it("maps the model's decline marker (even split across chunks) to the decline message, grounded: false, nothing cited", async () => {
    const llm = fakeLlm(["NOT_IN_", "DOCU", "MENTS"]);
    const result = await ask(service(llm.generator), "How many days do I have to request a refund in Bitcoin?");
    expect(llm.prompts).toHaveLength(1);
    expect(result.answer).toBe(declineMessage);
    expect(result.answer).not.toContain(declineMarker);
    expect(result.answer).not.toMatch(/\[\d+\]/);
    expect(result.grounded).toBe(false);
    // The sources event still lists what retrieval found.
    expect(result.events[0]).toMatchObject({ event: "sources", data: { sources: [{ n: 1, document_id: "billing-guide" }] } });
  });

  it("does not call the model when the gate finds the sources unsupportive", async () => {
    const llm = fakeLlm(["Lima is the capital of Peru."]);
    const result = await ask(service(llm.generator), "What is the capital of Peru?");
    expect(llm.prompts).toHaveLength(0);
    expect(result.answer).toBe(declineMessage);
    expect(result.grounded).toBe(false);
  });

  it("with the gate off, the model is asked (and here answers from outside knowledge)", async () => {
    const llm = fakeLlm(["Lima."]);
    const open = new ChatService({ search, generator: llm.generator, rewriter: new QueryRewriter({ log: silentLogger }), grounding: { ...defaultGroundingGateSettings, enabled: false } });
    const result = await ask(open, "What is the capital of Peru?");
    expect(llm.prompts).toHaveLength(1);
    expect(result.grounded).toBe(true);
  });
});
