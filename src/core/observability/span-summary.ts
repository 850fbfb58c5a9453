/**
 * A compact, log-friendly view of recorded spans (local mode puts it in the
 * request's log line): each span's name, ids, start offset from the trace's
 * first span and duration in milliseconds, status, and the attributes that
 * are not already on the line (the common ones are left out). Pure.
 */
import type { AttributeValue, RecordedSpan } from "./span-recorder.js";

export interface LoggedSpan {
  name: string;
  span_id: string;
  parent_span_id?: string;
  /** Milliseconds after the earliest span started. */
  start_ms: number;
  duration_ms: number;
  status?: "ok" | "error";
  status_message?: string;
  attributes?: Record<string, AttributeValue>;
}

export function summarizeSpans(spans: readonly RecordedSpan[], options: { omitAttributes?: readonly string[] } = {}): LoggedSpan[] {
  if (spans.length === 0) return [];
  const origin = Math.min(...spans.map((span) => span.startMs));
  const omitted = new Set(options.omitAttributes ?? []);
  return spans.map((span) => {
    const attributes = Object.fromEntries(Object.entries(span.attributes).filter(([key]) => !omitted.has(key)));
    return {
      name: span.name,
      span_id: span.spanId,
      ...(span.parentSpanId ? { parent_span_id: span.parentSpanId } : {}),
      start_ms: round(span.startMs - origin),
      duration_ms: round(span.endMs - span.startMs),
      ...(span.status !== "unset" ? { status: span.status } : {}),
      ...(span.statusMessage ? { status_message: span.statusMessage } : {}),
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    };
  });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
