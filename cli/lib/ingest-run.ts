/**
 * One `edge-rag ingest` run: reads the files in order, skips those the state
 * says are indexed as they are, packs the rest into batches sent a few at a
 * time, records what the server accepted after each batch, and with `wait`
 * polls until every sent document is ready or failed. A batch the server
 * refuses as a whole for one document's sake (400/413) is sent again one
 * document at a time, so only that document fails.
 *
 * Stopping (the signal) lets the batches in flight finish and be recorded,
 * then ends the run: a re-run picks up where it stopped.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ApiError, describeError, sleep, type ApiClient } from "./api-client.js";
import { apiBatchLimits, BatchPacker, type BatchLimits } from "./batching.js";
import { DocumentPoller, type Settled } from "./document-poller.js";
import type { DiscoveredFile } from "./file-discovery.js";
import { readFileDocument, type FileDocument } from "./file-document.js";
import { needsSending, type IngestState } from "./ingest-state.js";
import { RateMeter } from "./progress.js";
import type { ProgressReporter } from "./progress-reporter.js";

type Sendable = Extract<FileDocument, { kind: "document" }>;

export type FileOutcome = "queued" | "unchanged" | "skipped" | "ready" | "failed" | "empty" | "pending";

export interface FileReport {
  path: string;
  id: string;
  outcome: FileOutcome;
  chunks?: number;
  error?: string;
}

export interface IngestSummary {
  files: number;
  /** Sent in this run. */
  sent: number;
  /** Sent and answered `unchanged` (already indexed with this content). */
  unchanged: number;
  /** Not sent: the state says they are indexed with this content. */
  skipped: number;
  /** Not sent: blank. */
  empty: number;
  /** Indexed in this run (when waiting). */
  ready: number;
  chunks: number;
  failed: FileReport[];
  /** Still queued or processing when waiting stopped (timeout or interruption). */
  pending: FileReport[];
  /** State entries whose file is gone: deleted from the server (`prune`) or just counted. */
  gone: number;
  pruned: number;
  interrupted: boolean;
  timedOut: boolean;
  elapsedMs: number;
  reports: FileReport[];
}

export interface IngestRunOptions {
  client: ApiClient;
  files: readonly DiscoveredFile[];
  base: string;
  state: IngestState;
  progress: ProgressReporter;
  wait?: boolean;
  /** Milliseconds to wait for indexing once everything is sent; 0 or undefined: no limit. */
  waitTimeoutMs?: number;
  /** Batches in flight. Default 3. */
  concurrency?: number;
  limits?: BatchLimits;
  force?: boolean;
  prune?: boolean;
  idPrefix?: string;
  signal?: AbortSignal;
  now?: () => number;
  /** Pause between polling rounds: starts at `min`, grows while nothing changes. */
  pollIntervalMs?: { min: number; max: number };
}

export async function runIngest(options: IngestRunOptions): Promise<IngestSummary> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const { client, state, progress } = options;
  const wait = options.wait ?? false;
  const concurrency = Math.max(1, options.concurrency ?? 3);
  const reports = new Map<string, FileReport>();
  const summary: IngestSummary = {
    files: options.files.length,
    sent: 0,
    unchanged: 0,
    skipped: 0,
    empty: 0,
    ready: 0,
    chunks: 0,
    failed: [],
    pending: [],
    gone: 0,
    pruned: 0,
    interrupted: false,
    timedOut: false,
    elapsedMs: 0,
    reports: [],
  };
  const meter = new RateMeter();
  let finished = 0;
  let sendingDone = false;
  let sendingEndedAt = Infinity;
  const report = (entry: FileReport, settles: boolean) => {
    reports.set(entry.id, entry);
    if (settles) finished++;
    showProgress();
  };
  const showProgress = () => {
    const at = now();
    meter.record(at, finished);
    progress.update({
      phase: wait && sendingDone ? "indexing" : "sending",
      done: finished,
      total: summary.files,
      ...(wait ? { chunks: summary.chunks } : {}),
      failed: summary.failed.length,
      rate: meter.rate(at),
      etaSeconds: meter.eta(summary.files - finished, at),
    });
  };
  const fail = (path: string, id: string, error: string) => {
    const entry: FileReport = { path, id, outcome: "failed", error };
    summary.failed.push(entry);
    report(entry, true);
  };

  // Stops the run on a fatal error (a refused key, the server gone) or when asked to.
  const stop = new AbortController();
  let fatal: unknown;
  const onAbort = () => {
    summary.interrupted = true;
    stop.abort(options.signal?.reason);
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  // Documents accepted while waiting: settled by the poller.
  const wake = notifier();
  const poller = new DocumentPoller(
    client,
    (settled: Settled) => {
      const path = state.get(settled.id)?.path ?? settled.id;
      if (settled.status === "ready") {
        summary.ready++;
        summary.chunks += settled.chunks;
        state.update(settled.id, { status: "ready", chunks: settled.chunks, version: settled.version, error: undefined });
        report({ path, id: settled.id, outcome: "ready", chunks: settled.chunks }, true);
      } else {
        state.update(settled.id, { status: "failed", error: settled.error });
        fail(path, settled.id, settled.error);
      }
    },
    { signal: stop.signal },
  );

  const sendBatch = async (batch: Sendable[]): Promise<void> => {
    let results: { id: string; status: "queued" | "unchanged"; version: number }[];
    try {
      ({ results } = await client.request<{ results: typeof results }>("POST", "/v1/documents/batch", {
        body: { documents: batch.map((doc) => doc.document) },
        retries: 5,
      }));
    } catch (error) {
      if (error instanceof ApiError && (error.status === 400 || error.status === 413)) {
        if (batch.length > 1) {
          for (const doc of batch) await sendBatch([doc]);
          return;
        }
        fail(batch[0]!.path, batch[0]!.id, describeError(error));
        return;
      }
      throw error;
    }
    batch.forEach((doc, index) => {
      const result = results[index];
      if (!result || result.id !== doc.id) throw new ApiError("BAD_RESPONSE", "the batch answer does not match the documents sent");
      summary.sent++;
      if (result.status === "unchanged") {
        summary.unchanged++;
        const previous = state.get(doc.id);
        state.set(doc.id, { path: doc.path, hash: doc.hash, version: result.version, status: "ready", ...(previous?.hash === doc.hash && previous.chunks !== undefined ? { chunks: previous.chunks } : {}) });
        report({ path: doc.path, id: doc.id, outcome: "unchanged" }, true);
      } else {
        state.set(doc.id, { path: doc.path, hash: doc.hash, version: result.version, status: "queued" });
        report({ path: doc.path, id: doc.id, outcome: wait ? "pending" : "queued" }, !wait);
        if (wait) poller.add(doc.id, result.version);
      }
    });
    if (wait) wake.notify();
    await state.save();
  };

  // Sending: read in order, up to `concurrency` batches in flight.
  const inFlight = new Set<Promise<void>>();
  const dispatch = async (batch: Sendable[]) => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (fatal !== undefined) return;
    const sending: Promise<void> = sendBatch(batch)
      .catch((error: unknown) => {
        fatal ??= error;
        stop.abort(error);
      })
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };

  // Polls while batches are still being sent; a polling failure stops the sending too.
  const polling = (wait ? pollUntilSettled() : Promise.resolve()).catch((error: unknown) => {
    fatal ??= error;
    stop.abort(error);
  });
  try {
    const packer = new BatchPacker<Sendable>(options.limits ?? apiBatchLimits);
    for (const file of options.files) {
      if (stop.signal.aborted) break;
      let doc: FileDocument;
      try {
        doc = await readFileDocument(file, options.idPrefix);
      } catch (error) {
        // An id prefix that is not allowed fails the same way for every file: stop.
        if (!(error as NodeJS.ErrnoException).code) throw error;
        fail(file.relativePath, file.relativePath, `cannot read the file: ${(error as Error).message}`);
        continue;
      }
      if (doc.kind === "empty") {
        summary.empty++;
        report({ path: doc.path, id: doc.id, outcome: "empty" }, true);
        continue;
      }
      if (doc.kind === "too-large") {
        fail(doc.path, doc.id, `${doc.bytes} bytes of text; the API takes at most 1 MiB per document`);
        continue;
      }
      if (!needsSending(state.get(doc.id), doc.hash, options.force)) {
        summary.skipped++;
        const entry = state.get(doc.id);
        report({ path: doc.path, id: doc.id, outcome: "skipped", ...(entry?.chunks !== undefined ? { chunks: entry.chunks } : {}) }, true);
        continue;
      }
      for (const batch of packer.add(doc, doc)) await dispatch(batch);
    }
    const last = packer.flush();
    if (last && !stop.signal.aborted) await dispatch(last);
    await Promise.all(inFlight);
  } finally {
    sendingDone = true;
    sendingEndedAt = now();
    wake.notify();
    await polling;
    options.signal?.removeEventListener("abort", onAbort);
    await state.save();
  }
  if (fatal !== undefined && !summary.interrupted) throw fatal;

  for (const id of poller.pendingIds()) {
    const entry: FileReport = { path: state.get(id)?.path ?? id, id, outcome: "pending" };
    summary.pending.push(entry);
    reports.set(id, entry);
  }

  // Files recorded in the state that are gone from the disk.
  if (!summary.interrupted) {
    const seen = new Set(options.files.map((file) => file.relativePath));
    for (const [id, entry] of state.entries()) {
      if (seen.has(entry.path) || existsSync(join(options.base, entry.path))) continue;
      summary.gone++;
      if (!options.prune) continue;
      try {
        await client.request("DELETE", `/v1/documents/${encodeURIComponent(id)}`, { retries: 3 });
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      state.delete(id);
      summary.pruned++;
    }
    await state.save();
  }

  showProgress();
  progress.finish();
  summary.reports = [...reports.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  summary.elapsedMs = now() - startedAt;
  return summary;

  async function pollUntilSettled(): Promise<void> {
    const interval = options.pollIntervalMs ?? { min: 250, max: 2_000 };
    let pause = interval.min;
    while (!stop.signal.aborted) {
      if (poller.pending === 0) {
        if (sendingDone) return;
        await wake.next();
        continue;
      }
      if (options.waitTimeoutMs && now() >= sendingEndedAt + options.waitTimeoutMs) {
        summary.timedOut = true;
        return;
      }
      const settled = await poller.round();
      pause = settled > 0 ? interval.min : Math.min(interval.max, Math.round(pause * 1.5));
      if (poller.pending === 0) continue;
      await sleep(pause, stop.signal).catch(() => undefined);
    }
  }
}

/** `next()` resolves at the following `notify()`. */
function notifier(): { notify(): void; next(): Promise<void> } {
  let waiters: (() => void)[] = [];
  return {
    notify() {
      const current = waiters;
      waiters = [];
      for (const resolve of current) resolve();
    },
    next() {
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
