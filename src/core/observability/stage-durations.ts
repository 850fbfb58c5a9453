/**
 * Per-stage durations for a log line or a Server-Timing header, from spans:
 * for each span name, the wall-clock time during which at least one span of
 * that name was open (the union of their intervals), in milliseconds to
 * 0.01. Sequential spans of one name add up; concurrent ones (a chat that
 * searches two queries at once) are not counted twice. Names appear in the
 * order their first span started. Pure.
 */

export interface TimedSpan {
  name: string;
  startMs: number;
  endMs: number;
}

export function stageDurations(spans: Iterable<TimedSpan>): Record<string, number> {
  const byName = new Map<string, Array<[number, number]>>();
  const ordered = [...spans].filter((span) => Number.isFinite(span.startMs) && Number.isFinite(span.endMs)).sort((a, b) => a.startMs - b.startMs);
  for (const span of ordered) {
    const intervals = byName.get(span.name) ?? [];
    intervals.push([span.startMs, Math.max(span.startMs, span.endMs)]);
    byName.set(span.name, intervals);
  }
  const result: Record<string, number> = {};
  for (const [name, intervals] of byName) {
    let total = 0;
    let [from, to] = intervals[0]!;
    for (const [start, end] of intervals.slice(1)) {
      if (start > to) {
        total += to - from;
        [from, to] = [start, end];
      } else {
        to = Math.max(to, end);
      }
    }
    total += to - from;
    result[name] = Math.round(total * 100) / 100;
  }
  return result;
}
