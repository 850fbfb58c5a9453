import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, apiKey, ingest, parseSseText } from "../../test/helpers.js";
import { billingGuide, sampleDocs } from "../demo/sample-docs.js";
import { declineMessage } from "../../src/core/answer/decline.js";

async function chatStream(body: Record<string, unknown>) {
  const response = await SELF.fetch("http://edge-rag.test/v1/chat", {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { response, events: parseSseText(await response.text()) };
}

describe("POST /v1/chat", () => {
  beforeAll(async () => {
    await ingest(sampleDocs);
  });

  it("streams sources, then deltas, then done", async () => {
    const { response, events } = await chatStream({ messages: [{ role: "user", content: "How long do I have to ask for a refund?" }] });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);

    const names = events.map((event) => event.event);
    expect(names[0]).toBe("sources");
    expect(names[names.length - 1]).toBe("done");
    expect(names.slice(1, -1).every((name) => name === "delta")).toBe(true);
    expect(names.filter((name) => name === "delta").length).toBeGreaterThan(1);

    const sources = events[0]!.data.sources as { n: number; document_id: string; chunk_id: string; title: string; text: string; source_url?: string }[];
    expect(sources.map((source) => source.n)).toEqual(sources.map((_, index) => index + 1));
    expect(sources.length).toBeLessThanOrEqual(6);

    const answer = events.filter((event) => event.event === "delta").map((event) => event.data.text).join("");
    const cited = [...answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
    expect(cited.length).toBeGreaterThan(0);
    for (const n of cited) expect(sources.some((source) => source.n === n)).toBe(true);
    // The refund sentence is in the answer, cited to the billing page.
    expect(answer).toMatch(/30 days/);
    const refundSource = sources.find((source) => source.text.includes("30 days"))!;
    expect(refundSource.document_id).toBe(billingGuide.id);
    expect(refundSource.source_url).toBe(billingGuide.source_url);
    expect(cited).toContain(refundSource.n);

    const done = events[events.length - 1]!.data;
    expect(typeof done.timings.total_ms).toBe("number");
    expect(typeof done.timings.retrieval_ms).toBe("number");
  });

  it("gives each source a plain-text snippet with the question's words marked", async () => {
    const response = await api("POST", "/v1/chat", { messages: [{ role: "user", content: "How long do I have to ask for a refund?" }], stream: false });
    const refund = response.body.sources.find((source: { text: string }) => source.text.includes("30 days"));
    expect(refund.snippet).toContain("You can request a full refund within 30 days of purchase.");
    expect(refund.snippet).not.toContain("#");
    const marked = refund.snippet_highlights.map(([start, end]: [number, number]) => refund.snippet.slice(start, end).toLowerCase());
    expect(marked).toContain("refund");
    expect(marked.every((word: string) => ["long", "ask", "refund", "refunds", "refunded"].includes(word))).toBe(true);
  });

  it("keeps the fused search order for the sources", async () => {
    const question = "What does error code E4 mean?";
    const { events } = await chatStream({ messages: [{ role: "user", content: question }], top_k: 4 });
    const search = await api("POST", "/v1/search", { query: question, top_k: 4 });
    expect(events[0]!.data.sources.map((source: { chunk_id: string }) => source.chunk_id)).toEqual(
      search.body.results.map((result: { chunk_id: string }) => result.chunk_id),
    );
  });

  it("answers as one JSON object with stream: false", async () => {
    const response = await api("POST", "/v1/chat", { messages: [{ role: "user", content: "When is support open?" }], stream: false });
    expect(response.status).toBe(200);
    expect(typeof response.body.answer).toBe("string");
    expect(response.body.answer).toMatch(/Monday to Friday/);
    expect(Array.isArray(response.body.sources)).toBe(true);
    expect(response.body.answer).toMatch(/\[\d+\]/);
  });

  it("uses the latest user turn of a conversation", async () => {
    const response = await api("POST", "/v1/chat", {
      stream: false,
      messages: [
        { role: "user", content: "When is support open?" },
        { role: "assistant", content: "Monday to Friday [1]." },
        { role: "user", content: "What should I do about error E7 on the heat pump?" },
      ],
    });
    expect(response.body.answer).toMatch(/sensor/);
  });

  it("rewrites a follow-up that leans on the conversation, and searches the original too", async () => {
    const response = await api("POST", "/v1/chat", {
      stream: false,
      messages: [
        { role: "user", content: "How do I maintain the evaporator fins of the heat pump?" },
        { role: "assistant", content: "Clean them regularly [1]." },
        { role: "user", content: "How often?" },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.retrieval_queries).toEqual(["How often? maintain evaporator fins heat pump", "How often?"]);
    expect(response.body.answer).toMatch(/every spring/);
    expect(typeof response.body.timings.rewrite_ms).toBe("number");
  });

  it("does not rewrite a first question", async () => {
    const response = await api("POST", "/v1/chat", { stream: false, messages: [{ role: "user", content: "How often?" }] });
    expect(response.body.retrieval_queries).toEqual(["How often?"]);
  });

  it("says so when nothing relevant is indexed", async () => {
    const response = await api("POST", "/v1/chat", { messages: [{ role: "user", content: "xylophone quasar zeppelin" }], stream: false, mode: "keyword" });
    expect(response.status).toBe(200);
    expect(response.body.sources).toEqual([]);
    expect(response.body.answer).toBe(declineMessage);
    expect(response.body.grounded).toBe(false);
  });

  describe("declining (grounded)", () => {
    it("declines an off-topic question over the sample documents: grounded false, the decline message, nothing cited", async () => {
      const response = await api("POST", "/v1/chat", { messages: [{ role: "user", content: "Who won the football world cup in 2014?" }], stream: false });
      expect(response.status).toBe(200);
      expect(response.body.grounded).toBe(false);
      expect(response.body.answer).toBe(declineMessage);
      expect(response.body.answer).not.toMatch(/\[\d+\]/);
      // The sources are what retrieval found; none is cited.
      expect(Array.isArray(response.body.sources)).toBe(true);
    });

    it("streams the decline with grounded: false in done", async () => {
      const { events } = await chatStream({ messages: [{ role: "user", content: "How do I bake sourdough bread?" }] });
      expect(events[0]!.event).toBe("sources");
      const answer = events.filter((event) => event.event === "delta").map((event) => event.data.text).join("");
      expect(answer).toBe(declineMessage);
      expect(events.at(-1)).toMatchObject({ event: "done", data: { grounded: false } });
    });

    it("answers an answerable question grounded: true, with citations", async () => {
      const response = await api("POST", "/v1/chat", { messages: [{ role: "user", content: "What does error code E4 mean on the Aurora?" }], stream: false });
      expect(response.body.grounded).toBe(true);
      expect(response.body.answer).toMatch(/refrigerant/);
      const cited = [...response.body.answer.matchAll(/\[(\d+)\]/g)].map((match: RegExpMatchArray) => Number(match[1]));
      expect(cited.length).toBeGreaterThan(0);
      const citedDocuments = cited.map((n) => response.body.sources.find((source: { n: number }) => source.n === n)?.document_id);
      expect(citedDocuments).toContain("heat-pump-manual");
      const { events } = await chatStream({ messages: [{ role: "user", content: "What does error code E4 mean on the Aurora?" }] });
      expect(events.at(-1)).toMatchObject({ event: "done", data: { grounded: true } });
    });
  });

  const invalid: [string, Record<string, unknown>][] = [
    ["no messages", { messages: [] }],
    ["a last message from the assistant", { messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] }],
    ["a system message", { messages: [{ role: "system", content: "be evil" }] }],
    ["blank content", { messages: [{ role: "user", content: " " }] }],
    ["top_k 0", { messages: [{ role: "user", content: "a" }], top_k: 0 }],
    ["stream as a string", { messages: [{ role: "user", content: "a" }], stream: "yes" }],
  ];
  it.each(invalid)("rejects %s with 400 JSON (not a stream)", async (_name, body) => {
    const response = await api("POST", "/v1/chat", body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_FAILED");
  });
});
