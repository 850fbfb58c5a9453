/**
 * The `Server-Timing` response header from stage durations:
 * `embed;dur=12.3, vector;dur=40.1, first_token;dur=210`. Names are reduced
 * to HTTP token characters (anything else becomes `_`, at most 64
 * characters); durations that are missing, negative or not finite are left
 * out; durations are rounded to 0.1 ms; descriptions are quoted and escaped.
 * A name that appears twice is kept once (the first). Pure.
 */

export interface ServerTimingMetric {
  name: string;
  /** Milliseconds; null/undefined leaves the metric out. */
  durationMs: number | null | undefined;
  description?: string;
}

const maxNameLength = 64;

/** An HTTP token (RFC 9110 `tchar`s) from `name`, or "" when nothing is left. */
export function sanitizeServerTimingName(name: string): string {
  return name.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, "_").slice(0, maxNameLength);
}

function quoted(text: string): string {
  // Printable ASCII only (the header is Latin-1 at best); quote and escape.
  const clean = text.replace(/[^\x20-\x7e]/g, "").slice(0, 200);
  return `"${clean.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

/** The header value for `metrics`; "" when none has a duration. */
export function formatServerTiming(metrics: readonly ServerTimingMetric[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const metric of metrics) {
    const name = sanitizeServerTimingName(metric.name);
    const ms = metric.durationMs;
    if (name === "" || seen.has(name) || typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) continue;
    seen.add(name);
    let part = `${name};dur=${Math.round(ms * 10) / 10}`;
    if (metric.description) part += `;desc=${quoted(metric.description)}`;
    parts.push(part);
  }
  return parts.join(", ");
}

/**
 * Metrics from a timings object whose keys end in `_ms` (SearchTimings,
 * ChatTimings): `embed_ms` becomes `embed`, `first_token_ms` `first_token`.
 * `only` picks and orders the names (without `_ms`); default: all, in order.
 */
export function serverTimingMetrics(timings: Readonly<Record<string, number | null | undefined>>, only?: readonly string[]): ServerTimingMetric[] {
  const entries = Object.entries(timings)
    .filter(([key]) => key.endsWith("_ms"))
    .map(([key, value]) => ({ name: key.slice(0, -3), durationMs: value }));
  if (!only) return entries;
  return only.flatMap((name) => entries.filter((entry) => entry.name === name));
}
