import { describe, expect, it } from "vitest";
import { summarizeServerLog } from "./load-server-log.js";

describe("summarizeServerLog", () => {
  it("counts structured lines by level and event, and unstructured error lines by text", () => {
    const log = [
      'LOAD_SERVER_READY {"url":"http://127.0.0.1:1/","pid":1}',
      '{"level":"error","event":"chat.stream_failed","error":"Error: boom"}',
      '{"level":"error","event":"chat.stream_failed","error":"Error: bang"}',
      'workerd/io: {"level":"warn","event":"search.slow","ms":900}',
      '{"level":"warn","event":"http.request","method":"POST","route":"/v1/search","status":500,"duration_ms":11342}',
      '{"level":"warn","event":"http.request","method":"POST","route":"/v1/search","status":500,"duration_ms":9000}',
      '{"level":"error","event":"http.unhandled","method":"POST","path":"/v1/search","error":"Error: Network connection lost."}',
      "[local-services] Error: index is closed",
      "    at VectorService.query (vector-service.ts:10:5)",
      "[local-services] Error: index is closed",
      "",
      "some info line",
    ].join("\n");
    const summary = summarizeServerLog(log);
    expect(summary.lines).toBe(11);
    expect(summary.structured.map(({ key, count }) => ({ key, count }))).toEqual([
      { key: "error chat.stream_failed", count: 2 },
      { key: "warn http.request POST /v1/search 500", count: 2 },
      { key: "error http.unhandled POST /v1/search", count: 1 },
      { key: "warn search.slow", count: 1 },
    ]);
    expect(summary.structured[0]!.example).toContain("boom");
    expect(summary.errorLines).toEqual([{ text: "[local-services] Error: index is closed", count: 2 }]);
  });

  it("is empty for an empty log", () => {
    expect(summarizeServerLog("")).toEqual({ lines: 0, structured: [], errorLines: [] });
  });
});
