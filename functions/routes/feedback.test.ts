import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { D1FeedbackStore } from "../../src/adapters/cloudflare/d1-feedback-store.js";
import { api } from "../../test/helpers.js";

const feedback = {
  message_id: "m-1",
  rating: "down",
  question: "How long do I have to ask for a refund?",
  answer: "Within 30 days [1].",
  sources: [
    { n: 1, document_id: "billing-guide", chunk_id: "default:billing-guide:1:2" },
    { n: 2, document_id: "office-hours", chunk_id: "default:office-hours:1:0" },
  ],
  comment: "Missing the pro-rata rule.",
};

async function feedbackRow(id: string) {
  return env.DB.prepare("SELECT * FROM feedback WHERE id = ?").bind(id).first<Record<string, unknown>>();
}

describe("POST /v1/feedback", () => {
  it("stores the rating with the question, the answer and its sources (201 {id})", async () => {
    const response = await api("POST", "/v1/feedback", feedback);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(Object.keys(response.body)).toEqual(["id"]);
    const row = await feedbackRow(response.body.id);
    expect(row).toMatchObject({
      tenant_id: "default",
      message_id: "m-1",
      rating: "down",
      question: feedback.question,
      answer: feedback.answer,
      comment: feedback.comment,
    });
    expect(JSON.parse(String(row!.sources))).toEqual(feedback.sources);
    // The store reads it back, and only for its own tenant.
    const store = new D1FeedbackStore(env.DB);
    expect(await store.getFeedback("default", response.body.id)).toMatchObject({ messageId: "m-1", rating: "down", sources: feedback.sources, comment: feedback.comment });
    expect(await store.getFeedback("another-tenant", response.body.id)).toBeNull();
  });

  it("lets a later vote on the same message replace the earlier one", async () => {
    const first = await api("POST", "/v1/feedback", { ...feedback, message_id: "m-vote", rating: "up", comment: undefined });
    const second = await api("POST", "/v1/feedback", { ...feedback, message_id: "m-vote", rating: "down", comment: undefined });
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    const { results } = await env.DB.prepare("SELECT rating FROM feedback WHERE message_id = 'm-vote'").all();
    expect(results).toEqual([{ rating: "down" }]);
  });

  it("keeps feedback without a message id as separate rows", async () => {
    const body = { rating: "up", question: "When is support open?", answer: "Monday to Friday [1].", sources: [] };
    const first = await api("POST", "/v1/feedback", body);
    const second = await api("POST", "/v1/feedback", body);
    expect(first.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
  });

  it.each([
    ["an unknown field", { ...feedback, stars: 5 }],
    ["a rating other than up/down", { ...feedback, rating: "meh" }],
    ["a blank question", { ...feedback, question: "  " }],
    ["a source with an unknown field", { ...feedback, sources: [{ n: 1, document_id: "a", chunk_id: "b", text: "x" }] }],
    ["too many sources", { ...feedback, sources: Array.from({ length: 51 }, (_, i) => ({ n: (i % 100) + 1, document_id: "a", chunk_id: `c${i}` })) }],
    ["a too long comment", { ...feedback, comment: "x".repeat(2001) }],
    ["a bad message id", { ...feedback, message_id: "has space" }],
  ])("rejects %s (400)", async (_name, body) => {
    const response = await api("POST", "/v1/feedback", body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("rejects bodies over the size limit (413)", async () => {
    const response = await api("POST", "/v1/feedback", { ...feedback, answer: "x".repeat(300 * 1024) });
    expect(response.status).toBe(413);
  });

  it("needs the API key", async () => {
    const response = await api("POST", "/v1/feedback", feedback, { headers: { authorization: "Bearer wrong" } });
    expect(response.status).toBe(401);
  });
});
