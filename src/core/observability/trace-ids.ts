/**
 * Trace and span ids in the W3C Trace Context / OpenTelemetry format: a trace
 * id is 16 random bytes as 32 lowercase hex digits, a span id 8 bytes as 16,
 * neither all zeros. Also reads and writes the `traceparent` header, so a
 * request can continue a trace its caller started. Pure: the random source is
 * injectable.
 */

/** Fills a new array of `length` random bytes. */
export type RandomBytes = (length: number) => Uint8Array;

export const cryptoRandomBytes: RandomBytes = (length) => crypto.getRandomValues(new Uint8Array(length));

const traceIdPattern = /^[0-9a-f]{32}$/;
const spanIdPattern = /^[0-9a-f]{16}$/;
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

function randomHex(bytes: number, random: RandomBytes): string {
  // All-zero ids are invalid; with a real random source the loop runs once.
  for (let attempt = 0; attempt < 8; attempt++) {
    const hex = Array.from(random(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");
    if (/[1-9a-f]/.test(hex)) return hex;
  }
  return `${"0".repeat(bytes * 2 - 1)}1`;
}

/** A new trace id: 32 lowercase hex digits, not all zeros. */
export function newTraceId(random: RandomBytes = cryptoRandomBytes): string {
  return randomHex(16, random);
}

/** A new span id: 16 lowercase hex digits, not all zeros. */
export function newSpanId(random: RandomBytes = cryptoRandomBytes): string {
  return randomHex(8, random);
}

export function isValidTraceId(value: string): boolean {
  return traceIdPattern.test(value) && value !== "0".repeat(32);
}

export function isValidSpanId(value: string): boolean {
  return spanIdPattern.test(value) && value !== "0".repeat(16);
}

export interface TraceParent {
  traceId: string;
  /** The caller's span: the parent of this service's root span. */
  parentSpanId: string;
  sampled: boolean;
}

/**
 * Reads a W3C `traceparent` header (`00-<trace id>-<parent id>-<flags>`).
 * Returns null for a missing or invalid header (version ff, all-zero ids,
 * upper-case hex, extra fields on version 00), which then starts a new trace.
 */
export function parseTraceparent(header: string | null | undefined): TraceParent | null {
  if (!header) return null;
  const match = traceparentPattern.exec(header.trim());
  if (!match) return null;
  const [, version, traceId, parentSpanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || (version === "00" && rest !== undefined)) return null;
  if (!isValidTraceId(traceId) || !isValidSpanId(parentSpanId)) return null;
  return { traceId, parentSpanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** A version-00 `traceparent` header value naming `spanId` as the parent for downstream calls. */
export function formatTraceparent(traceId: string, spanId: string, sampled = true): string {
  return `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`;
}
