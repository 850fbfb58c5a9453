import { describe, expect, it } from "vitest";
import { addBatchSummaries, callsPer1000Chunks, noBatches, summarizeBatchCalls } from "./batch-calls.js";

const batchLine = (fields: Record<string, unknown>) => JSON.stringify({ level: "info", event: "queue.batch", batch_id: "b", ...fields });

describe("summarizeBatchCalls", () => {
  it("sums the calls, finished documents and chunks of queue.batch lines, ignoring other lines", () => {
    const lines = [
      batchLine({ indexed: 10, failed: 0, chunks: 30, calls: { ai: 1, vectorize: 1, d1: 4 } }),
      JSON.stringify({ level: "info", event: "http.request", method: "POST", status: 202, calls: { ai: 99, vectorize: 99, d1: 99 } }),
      "workerd/server: some unstructured line",
      // workerd may prefix the JSON.
      `[wrangler:inf] ${batchLine({ indexed: 7, failed: 2, chunks: 20, calls: { ai: 2, vectorize: 1, d1: 5 } })}`,
      "",
    ];
    expect(summarizeBatchCalls(lines)).toEqual({ batches: 2, batchesWithCalls: 2, finished: 19, chunks: 50, calls: { ai: 3, vectorize: 2, d1: 9 } });
  });

  it("gives null calls when any batch line lacks a well-formed calls field (older code)", () => {
    const old = [batchLine({ indexed: 10, chunks: 10 }), batchLine({ indexed: 10, chunks: 10 })];
    expect(summarizeBatchCalls(old)).toMatchObject({ batches: 2, batchesWithCalls: 0, finished: 20, calls: null });
    const mixed = [batchLine({ indexed: 1, calls: { ai: 1, vectorize: 1, d1: 1 } }), batchLine({ indexed: 1, calls: { ai: "1", vectorize: 1, d1: 1 } })];
    expect(summarizeBatchCalls(mixed)).toMatchObject({ batches: 2, batchesWithCalls: 1, calls: null });
    expect(summarizeBatchCalls([]).calls).toBeNull();
  });

  it("skips lines that are not valid JSON after the level marker", () => {
    expect(summarizeBatchCalls(['{"level":"info","event":"queue.batch", broken']).batches).toBe(0);
  });
});

describe("addBatchSummaries and callsPer1000Chunks", () => {
  it("adds steps and scales calls to 1,000 chunks", () => {
    const a = summarizeBatchCalls([batchLine({ indexed: 100, chunks: 100, calls: { ai: 1, vectorize: 1, d1: 3 } })]);
    const b = summarizeBatchCalls([batchLine({ indexed: 400, chunks: 400, calls: { ai: 4, vectorize: 1, d1: 12 } })]);
    const sum = addBatchSummaries(addBatchSummaries(noBatches, a), b);
    expect(sum).toEqual({ batches: 2, batchesWithCalls: 2, finished: 500, chunks: 500, calls: { ai: 5, vectorize: 2, d1: 15 } });
    expect(callsPer1000Chunks(sum.calls, 500)).toEqual({ ai: 10, vectorize: 4, d1: 30 });
  });

  it("stays null once a step had no counts, and for zero chunks", () => {
    const counted = summarizeBatchCalls([batchLine({ calls: { ai: 1, vectorize: 1, d1: 1 } })]);
    const uncounted = summarizeBatchCalls([batchLine({})]);
    expect(addBatchSummaries(counted, uncounted).calls).toBeNull();
    expect(callsPer1000Chunks(null, 1000)).toBeNull();
    expect(callsPer1000Chunks({ ai: 1, vectorize: 1, d1: 1 }, 0)).toBeNull();
  });
});
