import { describe, expect, it } from "vitest";
import { classify, tallyOutcomes, type RequestRecord } from "./load-outcome.js";
import type { SseTiming } from "./load-sse-timing.js";

const chat = (sse: Partial<SseTiming> | undefined, extra: Partial<RequestRecord> = {}): RequestRecord => ({
  kind: "chat",
  startedMs: 0,
  durationMs: 100,
  status: 200,
  ...(sse ? { sse: { deltas: 0, characters: 0, end: "done", events: [], ...sse } } : {}),
  ...extra,
});
const search = (extra: Partial<RequestRecord> = {}): RequestRecord => ({ kind: "search", startedMs: 0, durationMs: 20, status: 200, results: 8, ...extra });

describe("classify", () => {
  it("a chat that reached done and a search with results are ok", () => {
    expect(classify(chat({ end: "done", sourcesMs: 10, doneMs: 90 }))).toEqual({ category: "ok" });
    expect(classify(search())).toEqual({ category: "ok" });
    expect(classify(search({ results: 0 }))).toEqual({ category: "ok" });
  });

  it("429 is counted apart, for either kind", () => {
    expect(classify(chat(undefined, { status: 429, errorCode: "RATE_LIMITED" }))).toEqual({ category: "rate_limited" });
    expect(classify(search({ status: 429, results: undefined }))).toEqual({ category: "rate_limited" });
  });

  it("a client that left on purpose is counted apart", () => {
    expect(classify(chat({ end: "stopped", sourcesMs: 10 }, { disconnectAt: "sources" }))).toEqual({ category: "disconnected" });
  });

  it("any other non-2xx status is an error, with its code", () => {
    expect(classify(chat(undefined, { status: 500, errorCode: "INTERNAL" }))).toEqual({ category: "error", reason: "chat: HTTP 500 INTERNAL" });
    expect(classify(search({ status: 503, results: undefined }))).toEqual({ category: "error", reason: "search: HTTP 503" });
    expect(classify(search({ status: 400, errorCode: "BAD_REQUEST" })).category).toBe("error");
  });

  it("connection failures and timeouts before an answer are errors", () => {
    expect(classify(search({ status: undefined, results: undefined, failure: "fetch failed (ECONNREFUSED)" }))).toEqual({
      category: "error",
      reason: "search: connection failed: fetch failed (ECONNREFUSED)",
    });
    expect(classify(chat(undefined, { status: undefined, timedOut: true, failure: "TimeoutError: x" }))).toEqual({
      category: "error",
      reason: "chat: no response before the time limit",
    });
  });

  it("streams that do not reach done are errors, saying how far they got", () => {
    expect(classify(chat({ end: "error", sourcesMs: 5, error: { code: "INTERNAL", message: "m" } }))).toEqual({
      category: "error",
      reason: "chat: error event INTERNAL after sources",
    });
    expect(classify(chat({ end: "eof", sourcesMs: 5, deltas: 3 }))).toEqual({ category: "error", reason: "chat: stream ended without done after deltas" });
    expect(classify(chat({ end: "eof" }))).toEqual({ category: "error", reason: "chat: stream ended without done after no event" });
    expect(classify(chat({ end: "broken", sourcesMs: 5, deltas: 1, failure: "terminated" }))).toEqual({
      category: "error",
      reason: "chat: stream broke after 1 delta: terminated",
    });
    expect(classify(chat({ end: "broken", sourcesMs: 5, failure: "aborted" }, { timedOut: true }))).toEqual({
      category: "error",
      reason: "chat: stream not finished before the time limit (after sources)",
    });
  });

  it("a protocol violation is an error even when the stream reached done or was left on purpose", () => {
    expect(classify(chat({ end: "done", violation: '"delta" before "sources"' }))).toEqual({ category: "error", reason: 'chat: protocol: "delta" before "sources"' });
    expect(classify(chat({ end: "stopped", violation: '"delta" before "sources"' }, { disconnectAt: "first-delta" })).category).toBe("error");
  });

  it("a 2xx chat that is not an event stream, and a 2xx search without results, are errors", () => {
    expect(classify(chat(undefined, { contentType: "application/json" }))).toEqual({
      category: "error",
      reason: "chat: 2xx answer that is not an event stream (application/json)",
    });
    expect(classify(search({ results: undefined }))).toEqual({ category: "error", reason: "search: 2xx answer without a results array" });
    expect(classify(search({ results: undefined, failure: "terminated" }))).toEqual({ category: "error", reason: "search: reading the body failed: terminated" });
  });
});

describe("tallyOutcomes", () => {
  it("counts per kind and groups error reasons, most frequent first", () => {
    const tally = tallyOutcomes([
      chat({ end: "done" }),
      chat({ end: "done" }),
      chat({ end: "stopped" }, { disconnectAt: "sources" }),
      chat(undefined, { status: 429 }),
      chat(undefined, { status: 500, errorCode: "INTERNAL" }),
      chat({ end: "eof" }),
      chat({ end: "eof" }),
      search(),
      search({ status: 500, errorCode: "INTERNAL", results: undefined }),
      search({ status: 429, results: undefined }),
    ]);
    expect(tally.byKind.chat).toEqual({ requests: 7, ok: 2, errors: 3, rateLimited: 1, disconnected: 1 });
    expect(tally.byKind.search).toEqual({ requests: 3, ok: 1, errors: 1, rateLimited: 1, disconnected: 0 });
    expect(tally.errors).toBe(4);
    expect(tally.rateLimited).toBe(2);
    expect(tally.disconnected).toBe(1);
    expect(tally.reasons).toEqual([
      { reason: "chat: stream ended without done after no event", count: 2 },
      { reason: "chat: HTTP 500 INTERNAL", count: 1 },
      { reason: "search: HTTP 500 INTERNAL", count: 1 },
    ]);
  });
});
