import { SELF, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { D1FeedbackStore } from "../../src/adapters/cloudflare/d1-feedback-store.js";
import { api, apiKey } from "../../test/helpers.js";
import { createKey, createTenant } from "../../test/security/tenant-fixtures.js";

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

describe("GET /v1/feedback (read back and export)", () => {
  /** Five ratings dated in 2020 (no other test writes that year), oldest first. */
  const dated = [
    { at: "2020-03-01T10:00:00.000Z", rating: "up", question: "Q1" },
    { at: "2020-03-02T10:00:00.000Z", rating: "down", question: "=SUM(A1:A9)" },
    { at: "2020-03-02T12:00:00.000Z", rating: "down", question: 'Quote "and", comma\nnewline' },
    { at: "2020-03-03T00:00:00.000Z", rating: "up", question: "Q4" },
    { at: "2020-03-05T09:30:00.000Z", rating: "down", question: "Q5" },
  ];
  const ids: string[] = [];

  beforeAll(async () => {
    for (const row of dated) {
      const response = await api("POST", "/v1/feedback", { rating: row.rating, question: row.question, answer: `A for ${row.question}`, sources: [{ n: 1, document_id: "d", chunk_id: "c:1:0" }] });
      expect(response.status).toBe(201);
      ids.push(response.body.id);
      await env.DB.prepare("UPDATE feedback SET created_at = ?1, updated_at = ?1 WHERE id = ?2").bind(row.at, response.body.id).run();
    }
  });

  const inYear = "from=2020-01-01&to=2021-01-01";

  it("lists a page oldest first with next_cursor, and the cursor walks every match once", async () => {
    const first = await api("GET", `/v1/feedback?${inYear}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.feedback.map((item: any) => item.id)).toEqual(ids.slice(0, 2));
    expect(first.body.feedback[0]).toMatchObject({ rating: "up", question: "Q1", answer: "A for Q1", sources: [{ n: 1, document_id: "d", chunk_id: "c:1:0" }], created_at: dated[0]!.at });
    const seen = [...first.body.feedback];
    let cursor = first.body.next_cursor;
    while (cursor) {
      const page = await api("GET", `/v1/feedback?${inYear}&limit=2&cursor=${cursor}`);
      seen.push(...page.body.feedback);
      cursor = page.body.next_cursor;
    }
    expect(seen.map((item) => item.id)).toEqual(ids);
  });

  it("filters by rating and by date (from inclusive, to exclusive; a date is midnight UTC)", async () => {
    const down = await api("GET", `/v1/feedback?${inYear}&rating=down`);
    expect(down.body.feedback.map((item: any) => item.question)).toEqual([dated[1]!.question, dated[2]!.question, "Q5"]);
    const window = await api("GET", "/v1/feedback?from=2020-03-02&to=2020-03-03");
    expect(window.body.feedback.map((item: any) => item.id)).toEqual([ids[1], ids[2]]);
    const withTime = await api("GET", `/v1/feedback?from=${encodeURIComponent("2020-03-02T13:00:00+02:00")}&to=2020-03-03T00:00:00.001Z`);
    expect(withTime.body.feedback.map((item: any) => item.id)).toEqual([ids[2], ids[3]]);
  });

  it("exports every match as CSV (header, RFC 4180 quoting, formulas defused) for download", async () => {
    const response = await SELF.fetch(`http://edge-rag.test/v1/feedback?${inYear}&format=csv`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="feedback.csv"');
    const text = await response.text();
    const lines = text.split("\r\n");
    expect(lines[0]).toBe("id,created_at,updated_at,rating,message_id,question,answer,comment,sources");
    expect(lines.filter((line) => line.startsWith('"'))).toHaveLength(5);
    expect(text).toContain(`"'=SUM(A1:A9)"`);
    expect(text).toContain(`"Quote ""and"", comma\nnewline"`);
    expect(lines[lines.length - 1]).toBe("");
  });

  it("exports JSON Lines: one record per line, as in the JSON page", async () => {
    const response = await SELF.fetch(`http://edge-rag.test/v1/feedback?${inYear}&format=jsonl&rating=up`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const records = (await response.text()).trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(records.map((record) => record.id)).toEqual([ids[0], ids[3]]);
    const page = await api("GET", `/v1/feedback?${inYear}&rating=up`);
    expect(records).toEqual(page.body.feedback);
  });

  it("exports more than one store page (500 rows) completely", async () => {
    const values = Array.from({ length: 1_001 }, (_, i) => `('default', 'bulk-${String(i).padStart(4, "0")}', 'up', 'bulk', 'a', '2019-06-01T00:00:00.000Z', '2019-06-01T00:00:00.000Z')`);
    for (let i = 0; i < values.length; i += 200) {
      await env.DB.prepare(`INSERT INTO feedback (tenant_id, id, rating, question, answer, created_at, updated_at) VALUES ${values.slice(i, i + 200).join(",")}`).run();
    }
    const response = await SELF.fetch("http://edge-rag.test/v1/feedback?from=2019-01-01&to=2020-01-01&format=jsonl", { headers: { authorization: `Bearer ${apiKey}` } });
    const lines = (await response.text()).trimEnd().split("\n");
    expect(lines).toHaveLength(1_001);
    expect(new Set(lines.map((line) => JSON.parse(line).id)).size).toBe(1_001);
  });

  it.each([
    ["a bad date", "from=yesterday"],
    ["a date-time without an offset", "from=2020-03-01T10:00"],
    ["a day that does not exist", "from=2026-02-30"],
    ["29 February of a common year", "to=2026-02-29"],
    ["hour 24", "from=2026-01-01T24:00Z"],
    ["an unknown format", "format=xml"],
    ["a limit over 500", "limit=501"],
    ["a cursor it did not issue", "cursor=abc"],
    ["an unknown parameter", "stars=5"],
  ])("rejects %s (400)", async (_name, query) => {
    const response = await api("GET", `/v1/feedback?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("needs an admin key, and shows a tenant only its own feedback", async () => {
    const tenant = await createTenant("feedback-readers");
    const query = await createKey(tenant, ["query"]);
    expect((await api("GET", "/v1/feedback", undefined, { headers: { authorization: `Bearer ${query.key}` } })).status).toBe(403);
    const admin = await createKey(tenant, ["admin"]);
    const theirs = await api("GET", `/v1/feedback?${inYear}`, undefined, { headers: { authorization: `Bearer ${admin.key}` } });
    expect(theirs.status).toBe(200);
    expect(theirs.body.feedback).toEqual([]);
    // The operator's own tenant still sees its rows (the same query).
    expect((await api("GET", `/v1/feedback?${inYear}`)).body.feedback).toHaveLength(5);
  });
});
