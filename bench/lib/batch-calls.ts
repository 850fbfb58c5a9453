/**
 * Remote binding calls of the ingestion consumer, read from its log: every
 * queue batch writes one `queue.batch` line (level info) which, once the
 * consumer counts them, carries `calls: {"ai", "vectorize", "d1"}` — AI.run
 * calls, Vectorize upsert/insert/delete/query/getByIds calls, and D1 round
 * trips (each statement run/all/first/raw and each db.batch() is one) of that
 * batch. This sums them over the batches of an ingest and scales them to
 * 1,000 chunks. Pure.
 */

export interface CallCounts {
  ai: number;
  vectorize: number;
  d1: number;
}

export interface BatchLogSummary {
  /** `queue.batch` lines seen. */
  batches: number;
  /** Of those, lines with a well-formed `calls` field. */
  batchesWithCalls: number;
  /** Sum of `indexed` + `failed` over the batches: documents finished (a retried one counts when it finishes). */
  finished: number;
  /** Sum of `chunks` over the batches. */
  chunks: number;
  /** Sum of `calls`; null unless every batch line had the field (older code logs none). */
  calls: CallCounts | null;
}

/** The JSON object of a structured log line (workerd may put a prefix before it), else undefined. */
function parseJsonLine(line: string): Record<string, unknown> | undefined {
  const start = line.indexOf('{"level"');
  if (start === -1) return undefined;
  try {
    const parsed: unknown = JSON.parse(line.slice(start).trimEnd());
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const finiteCount = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0);

function callsOf(value: unknown): CallCounts | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { ai, vectorize, d1 } = value as Record<string, unknown>;
  if ([ai, vectorize, d1].some((n) => typeof n !== "number" || !Number.isFinite(n) || n < 0)) return undefined;
  return { ai: ai as number, vectorize: vectorize as number, d1: d1 as number };
}

/** Sums the `queue.batch` lines among `lines` (other lines are ignored). */
export function summarizeBatchCalls(lines: Iterable<string>): BatchLogSummary {
  let batches = 0;
  let batchesWithCalls = 0;
  let finished = 0;
  let chunks = 0;
  const calls: CallCounts = { ai: 0, vectorize: 0, d1: 0 };
  for (const line of lines) {
    const entry = parseJsonLine(line);
    if (!entry || entry.event !== "queue.batch") continue;
    batches += 1;
    finished += finiteCount(entry.indexed) + finiteCount(entry.failed);
    chunks += finiteCount(entry.chunks);
    const counted = callsOf(entry.calls);
    if (counted) {
      batchesWithCalls += 1;
      calls.ai += counted.ai;
      calls.vectorize += counted.vectorize;
      calls.d1 += counted.d1;
    }
  }
  return { batches, batchesWithCalls, finished, chunks, calls: batches > 0 && batchesWithCalls === batches ? calls : null };
}

/** Adds two summaries (e.g. the ingest steps of one run); calls stay null if either is null. */
export function addBatchSummaries(a: BatchLogSummary, b: BatchLogSummary): BatchLogSummary {
  return {
    batches: a.batches + b.batches,
    batchesWithCalls: a.batchesWithCalls + b.batchesWithCalls,
    finished: a.finished + b.finished,
    chunks: a.chunks + b.chunks,
    calls: a.calls && b.calls ? { ai: a.calls.ai + b.calls.ai, vectorize: a.calls.vectorize + b.calls.vectorize, d1: a.calls.d1 + b.calls.d1 } : null,
  };
}

/** An empty summary, the unit of `addBatchSummaries`. */
export const noBatches: BatchLogSummary = { batches: 0, batchesWithCalls: 0, finished: 0, chunks: 0, calls: { ai: 0, vectorize: 0, d1: 0 } };

/** Calls per 1,000 chunks (null when the calls are unknown or there were no chunks). */
export function callsPer1000Chunks(calls: CallCounts | null, chunks: number): CallCounts | null {
  if (!calls || !(chunks > 0)) return null;
  const scale = 1000 / chunks;
  return { ai: calls.ai * scale, vectorize: calls.vectorize * scale, d1: calls.d1 * scale };
}
