import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { apiKey, ingest } from "../../test/helpers.js";
import { officeHours } from "../demo/sample-docs.js";

const origin = "https://customer.example";

function preflight(path: string) {
  return SELF.fetch(`http://edge-rag.test${path}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
  });
}

describe("CORS for the widget's routes", () => {
  beforeAll(async () => {
    await ingest([officeHours]);
  });

  it.each(["/v1/chat", "/v1/feedback", "/v1/search"])("answers the preflight of %s before authentication", async (path) => {
    const response = await preflight(path);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toBe("POST");
    expect(response.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    expect(Number(response.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    // Bearer keys, never cookies: credentials are not allowed.
    expect(response.headers.has("access-control-allow-credentials")).toBe(false);
  });

  it("adds the origin header to streamed answers", async () => {
    const response = await SELF.fetch("http://edge-rag.test/v1/chat", {
      method: "POST",
      headers: { origin, authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "When is support open?" }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-expose-headers")).toBe("retry-after");
    expect(await response.text()).toContain("event: done");
  });

  it("adds it to error answers too, so the widget can read them", async () => {
    const response = await SELF.fetch("http://edge-rag.test/v1/chat", {
      method: "POST",
      headers: { origin, authorization: "Bearer wrong", "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect((await response.json<{ error: { code: string } }>()).error.code).toBe("UNAUTHORIZED");
  });

  it("adds it to search results (the widget's search mode)", async () => {
    const response = await SELF.fetch("http://edge-rag.test/v1/search", {
      method: "POST",
      headers: { origin, authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ query: "When is support open?" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-expose-headers")).toBe("retry-after");
    const body = await response.json<{ results: { document_id: string }[] }>();
    expect(body.results.map((result) => result.document_id)).toContain(officeHours.id);
  });

  it("leaves the admin routes without CORS", async () => {
    for (const path of ["/v1/documents", "/v1/keys", "/v1/index/stats"]) {
      expect((await preflight(path)).headers.has("access-control-allow-origin"), path).toBe(false);
    }
    const documents = await SELF.fetch("http://edge-rag.test/v1/documents", { headers: { origin, authorization: `Bearer ${apiKey}` } });
    expect(documents.status).toBe(200);
    expect(documents.headers.has("access-control-allow-origin")).toBe(false);
  });
});
