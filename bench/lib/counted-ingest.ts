/**
 * A timed ingest (timed-ingest.ts) whose queue batches are read back from the
 * server's log: the `queue.batch` lines written from the first POST until
 * they account for every document sent (their `indexed` + `failed`), which
 * gives the remote binding calls of the ingest (batch-calls.ts). A document
 * counts as ready in the stats a moment before its batch logs its line, so
 * the log is read until it catches up (or stays silent for `settleMs`).
 */
import { summarizeBatchCalls, type BatchLogSummary } from "./batch-calls.js";
import type { BenchApi } from "./bench-server.js";
import type { LogTail } from "./log-tail.js";
import { timedIngest, type TimedIngest } from "./timed-ingest.js";

export interface CountedIngest {
  ingest: TimedIngest;
  batches: BatchLogSummary;
}

export async function countedIngest(
  server: { api: BenchApi; tail: LogTail },
  documents: readonly { id: string; title?: string; content: string; format?: string }[],
  options: { onProgress?: (line: string) => void; settleMs?: number; maxWaitMs?: number } = {},
): Promise<CountedIngest> {
  const settleMs = options.settleMs ?? 3_000;
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  server.tail.skipToEnd();
  const ingest = await timedIngest(server.api, documents, options.onProgress);
  const lines: string[] = [];
  const started = performance.now();
  let lastNew = started;
  for (;;) {
    const fresh = server.tail.readNew();
    const now = performance.now();
    if (fresh.length > 0) {
      lines.push(...fresh);
      lastNew = now;
    }
    const batches = summarizeBatchCalls(lines);
    if (batches.finished >= documents.length || now - lastNew >= settleMs || now - started >= maxWaitMs) return { ingest, batches };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
