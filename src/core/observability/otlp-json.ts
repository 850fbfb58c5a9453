/**
 * Recorded spans as an OTLP/JSON trace export request (the body of
 * `POST <collector>/v1/traces` with `Content-Type: application/json`):
 * `resourceSpans[] → scopeSpans[] → spans[]`, ids as lowercase hex, times as
 * decimal strings of nanoseconds since the epoch, attributes as typed
 * `{key, value: {stringValue | intValue | doubleValue | boolValue}}`, kinds
 * and statuses as the protocol's enum numbers. Pure: printing or posting it
 * is the caller's business.
 */
import type { AttributeValue, Attributes, RecordedSpan, SpanKind } from "./span-recorder.js";

export type OtlpAnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  status: { code: number; message?: string };
}

export interface OtlpTraceExport {
  resourceSpans: Array<{
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: Array<{ scope: { name: string; version?: string }; spans: OtlpSpan[] }>;
  }>;
}

export interface OtlpResourceOptions {
  /** `service.name` (e.g. "edge-rag"). */
  serviceName: string;
  /** More resource attributes (e.g. `deployment.environment`). */
  attributes?: Attributes;
  /** The instrumentation scope; default `{name: serviceName}`. */
  scope?: { name: string; version?: string };
}

/** SPAN_KIND_* in opentelemetry/proto/trace/v1/trace.proto. */
export const otlpSpanKind: Record<SpanKind, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
/** STATUS_CODE_UNSET / OK / ERROR. */
export const otlpStatusCode = { unset: 0, ok: 1, error: 2 } as const;

/**
 * Milliseconds since the epoch (fractions allowed) as a decimal string of
 * nanoseconds: whole milliseconds are converted exactly (a plain `ms * 1e6`
 * would round past 2^53), the fraction to the nearest nanosecond.
 */
export function unixNanos(ms: number): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  const whole = Math.floor(safe);
  const fraction = Math.round((safe - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(fraction)).toString();
}

export function otlpValue(value: AttributeValue): OtlpAnyValue {
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: Number.isFinite(value) ? value : 0 };
  return { stringValue: value };
}

export function otlpAttributes(attributes: Attributes): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: otlpValue(value) }));
}

export function toOtlpSpan(span: RecordedSpan): OtlpSpan {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: otlpSpanKind[span.kind],
    startTimeUnixNano: unixNanos(span.startMs),
    endTimeUnixNano: unixNanos(span.endMs),
    attributes: otlpAttributes(span.attributes),
    status: { code: otlpStatusCode[span.status], ...(span.statusMessage ? { message: span.statusMessage } : {}) },
  };
}

/** One export request holding `spans` under one resource and scope. */
export function toOtlpJson(spans: readonly RecordedSpan[], resource: OtlpResourceOptions): OtlpTraceExport {
  return {
    resourceSpans: [
      {
        resource: { attributes: otlpAttributes({ "service.name": resource.serviceName, ...resource.attributes }) },
        scopeSpans: [{ scope: resource.scope ?? { name: resource.serviceName }, spans: spans.map(toOtlpSpan) }],
      },
    ],
  };
}
