/**
 * What one request of the load benchmark did, and how it counts. Pure. The
 * rules: a 429 is counted apart (throttling, not a failure); a client that
 * disconnected on purpose is counted apart; everything else that is not a
 * complete answer is an error — any other non-2xx status, a connection
 * failure, a timeout, an `error` event, a stream that ends without `done`,
 * a malformed response or stream.
 */
import type { DisconnectPoint, SseTiming } from "./load-sse-timing.js";

export type RequestKind = "chat" | "search";

export interface RequestRecord {
  kind: RequestKind;
  /** Milliseconds since the load started, when the request was sent. */
  startedMs: number;
  /** Milliseconds from sending to the end (body read, stream ended or left). */
  durationMs: number;
  /** HTTP status; absent when no response arrived. */
  status?: number;
  /** `error.code` of a non-2xx JSON body. */
  errorCode?: string;
  /** A failure before or while reading the response (connection refused or reset, timeout). */
  failure?: string;
  /** The request went over a kept-alive connection that an earlier request had used. */
  reusedConnection?: boolean;
  /** The request was cut by the benchmark's own per-request or overall time limit. */
  timedOut?: boolean;
  /** Chats: the planned disconnect point, if this client was to leave on purpose. */
  disconnectAt?: DisconnectPoint;
  /** Chats that answered with an event stream. */
  sse?: SseTiming;
  /** Searches: results in a well-formed 2xx answer, or absent when the body was not one. */
  results?: number;
  /** Chats: the response was not `text/event-stream` although the status was 2xx. */
  contentType?: string;
}

export type Outcome =
  | { category: "ok" }
  | { category: "disconnected" }
  | { category: "rate_limited" }
  | { category: "error"; reason: string };

/** Classifies one request (see the module comment). `reason` is short and groups alike failures. */
export function classify(record: RequestRecord): Outcome {
  const kind = record.kind;
  if (record.status === undefined) {
    if (record.timedOut) return { category: "error", reason: `${kind}: no response before the time limit` };
    const reused = record.reusedConnection ? " on a reused keep-alive connection" : "";
    return { category: "error", reason: `${kind}: connection failed${reused}: ${record.failure ?? "unknown"}` };
  }
  if (record.status === 429) return { category: "rate_limited" };
  if (record.status < 200 || record.status > 299) {
    return { category: "error", reason: `${kind}: HTTP ${record.status}${record.errorCode ? ` ${record.errorCode}` : ""}` };
  }
  if (kind === "search") {
    if (record.timedOut) return { category: "error", reason: "search: body not read before the time limit" };
    if (record.failure !== undefined) return { category: "error", reason: `search: reading the body failed: ${record.failure}` };
    if (record.results === undefined) return { category: "error", reason: "search: 2xx answer without a results array" };
    return { category: "ok" };
  }
  const sse = record.sse;
  if (!sse) {
    if (record.timedOut) return { category: "error", reason: "chat: no stream before the time limit" };
    return { category: "error", reason: `chat: 2xx answer that is not an event stream (${record.contentType ?? "no content-type"})` };
  }
  if (sse.violation !== undefined) return { category: "error", reason: `chat: protocol: ${sse.violation}` };
  switch (sse.end) {
    case "done":
      return { category: "ok" };
    case "stopped":
      return { category: "disconnected" };
    case "error":
      return { category: "error", reason: `chat: error event ${sse.error?.code ?? "UNKNOWN"} after ${stage(sse)}` };
    case "eof":
      return { category: "error", reason: `chat: stream ended without done after ${stage(sse)}` };
    case "broken":
      if (record.timedOut) return { category: "error", reason: `chat: stream not finished before the time limit (after ${stage(sse)})` };
      return { category: "error", reason: `chat: stream broke after ${stage(sse)}: ${sse.failure ?? "unknown"}` };
  }
}

/** How far a stream got: "no event", "sources", "N deltas". */
function stage(sse: SseTiming): string {
  if (sse.deltas > 0) return sse.deltas === 1 ? "1 delta" : "deltas";
  if (sse.sourcesMs !== undefined) return "sources";
  return "no event";
}

export interface KindTally {
  requests: number;
  ok: number;
  errors: number;
  rateLimited: number;
  disconnected: number;
}

export interface OutcomeTally {
  byKind: Record<RequestKind, KindTally>;
  errors: number;
  rateLimited: number;
  disconnected: number;
  /** Error reasons with their counts, most frequent first. */
  reasons: { reason: string; count: number }[];
}

/** Counts outcomes per kind and error reasons over `records`. */
export function tallyOutcomes(records: readonly RequestRecord[]): OutcomeTally {
  const empty = (): KindTally => ({ requests: 0, ok: 0, errors: 0, rateLimited: 0, disconnected: 0 });
  const byKind: Record<RequestKind, KindTally> = { chat: empty(), search: empty() };
  const reasons = new Map<string, number>();
  for (const record of records) {
    const tally = byKind[record.kind];
    tally.requests += 1;
    const outcome = classify(record);
    if (outcome.category === "ok") tally.ok += 1;
    else if (outcome.category === "disconnected") tally.disconnected += 1;
    else if (outcome.category === "rate_limited") tally.rateLimited += 1;
    else {
      tally.errors += 1;
      reasons.set(outcome.reason, (reasons.get(outcome.reason) ?? 0) + 1);
    }
  }
  return {
    byKind,
    errors: byKind.chat.errors + byKind.search.errors,
    rateLimited: byKind.chat.rateLimited + byKind.search.rateLimited,
    disconnected: byKind.chat.disconnected + byKind.search.disconnected,
    reasons: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
