/**
 * Reads an HTTP `Retry-After` value (RFC 9110 §10.2.3): either delta-seconds
 * ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"), the date taken
 * relative to an injected `now`. The result is clamped to a maximum so one
 * odd header cannot park work for days.
 */

/** Default ceiling for a parsed Retry-After: one hour. */
export const defaultMaxRetryAfterSeconds = 3600;

export interface RetryAfterOptions {
  /** The current time in ms since the epoch (what an HTTP-date is measured against). */
  nowMs: number;
  /** Largest value returned (default 3600 s). */
  maxSeconds?: number;
}

/**
 * Seconds to wait according to `value`, in [0, maxSeconds], or undefined when
 * there is no usable value. Numbers are taken as seconds; strings are
 * delta-seconds (decimals tolerated) or an HTTP-date, whose distance from
 * `nowMs` is rounded up to whole seconds (a date in the past gives 0).
 */
export function parseRetryAfter(value: string | number | null | undefined, options: RetryAfterOptions): number | undefined {
  const max = options.maxSeconds ?? defaultMaxRetryAfterSeconds;
  let seconds: number | undefined;
  if (typeof value === "number") {
    seconds = Number.isFinite(value) && value >= 0 ? value : undefined;
  } else if (typeof value === "string") {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) {
      seconds = Number(text);
    } else if (/[a-z]/i.test(text)) {
      const at = Date.parse(text);
      if (Number.isFinite(at)) seconds = Math.max(0, Math.ceil((at - options.nowMs) / 1000));
    }
  }
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  return Math.min(seconds, Math.max(0, max));
}
