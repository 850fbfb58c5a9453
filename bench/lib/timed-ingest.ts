/**
 * Ingestion throughput through the whole pipeline of a running server: from
 * the first `POST /v1/documents/batch` until `GET /v1/index/stats` counts
 * every new document as ready or failed (API → D1 → Queue → consumer → parse
 * → chunk → embed → vector upserts → D1 chunks + FTS5 → activation).
 *
 * Unlike `ingestDocuments` in bench-server.ts this works on an index that
 * already holds documents: it waits for the counts to grow by the number of
 * documents sent, so an index can be grown step by step.
 */
import type { BenchApi } from "./bench-server.js";

interface Stats {
  documents: { queued: number; processing: number; ready: number; failed: number; total: number };
  chunks: number;
}

export interface TimedIngest {
  documents: number;
  /** Chunks that became searchable (growth of `chunks` in the stats). */
  chunks: number;
  failed: number;
  /** From the first POST until every batch was accepted (202). */
  submitSeconds: number;
  /** From the first POST until every document was ready or failed. */
  totalSeconds: number;
  /** Stats after the last document finished. */
  stats: Stats;
}

export async function timedIngest(
  api: BenchApi,
  documents: readonly { id: string; title?: string; content: string; format?: string }[],
  onProgress: (line: string) => void = () => {},
  options: { batchSize?: number; progressEverySeconds?: number } = {},
): Promise<TimedIngest> {
  const batchSize = options.batchSize ?? 100;
  const progressEvery = (options.progressEverySeconds ?? 15) * 1000;
  const before = await api.request<Stats>("GET", "/v1/index/stats");
  const target = before.documents.ready + before.documents.failed + documents.length;
  const started = performance.now();
  let lastProgress = started;
  const report = (stats: Stats, submitted: number) => {
    const now = performance.now();
    if (now - lastProgress < progressEvery) return;
    lastProgress = now;
    const done = stats.documents.ready + stats.documents.failed - before.documents.ready - before.documents.failed;
    const seconds = (now - started) / 1000;
    onProgress(`  … ${seconds.toFixed(0)} s: submitted ${submitted}/${documents.length}, done ${done} (${(done / seconds).toFixed(0)} docs/s)`);
  };

  for (let start = 0; start < documents.length; start += batchSize) {
    await api.request("POST", "/v1/documents/batch", { documents: documents.slice(start, start + batchSize) });
    if (performance.now() - lastProgress >= progressEvery) report(await api.request<Stats>("GET", "/v1/index/stats"), start + batchSize);
  }
  const submitSeconds = (performance.now() - started) / 1000;

  for (;;) {
    const stats = await api.request<Stats>("GET", "/v1/index/stats");
    if (stats.documents.ready + stats.documents.failed >= target) {
      const totalSeconds = (performance.now() - started) / 1000;
      return {
        documents: documents.length,
        chunks: stats.chunks - before.chunks,
        failed: stats.documents.failed - before.documents.failed,
        submitSeconds,
        totalSeconds,
        stats,
      };
    }
    report(stats, documents.length);
    // Poll often while it is quick, gently when it takes minutes (the stats query scans documents).
    const elapsed = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(100, elapsed / 100))));
  }
}
