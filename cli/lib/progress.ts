/**
 * Progress arithmetic and wording for `edge-rag ingest`: the rate over a
 * sliding window, the time left at that rate, and the one line that shows
 * them (with a bar on a terminal, plain for logs). Pure: time is passed in.
 */

export interface ProgressSnapshot {
  /** What is being counted: "sending" documents, or waiting for "indexing". */
  phase: "sending" | "indexing";
  /** Files finished (sent, or indexed/failed/unchanged while waiting). */
  done: number;
  total: number;
  /** Chunks of the documents indexed so far (known while waiting). */
  chunks?: number;
  failed: number;
  /** Files per second, when known. */
  rate?: number;
  etaSeconds?: number;
}

/** `42s`, `3m 05s`, `1h 02m`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, "0")}s`;
  return `${Math.floor(total / 3600)}h ${String(Math.floor((total % 3600) / 60)).padStart(2, "0")}m`;
}

/** `1,234`. */
export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

/** `1 chunk`, `1,234 chunks`. */
export function countOf(value: number, noun: string): string {
  return `${formatCount(value)} ${noun}${value === 1 ? "" : "s"}`;
}

/** `0.25`, `3.5`, `42`: two significant figures below 10, whole numbers above. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 10) return String(Math.round(perSecond));
  if (perSecond >= 1) return perSecond.toFixed(1);
  return perSecond.toPrecision(2);
}

/**
 * Rate of progress over the last `windowMs`: items finished in the window
 * divided by the time from the window's first sample to now, so the rate
 * falls while nothing finishes. Unknown until `minimumMs` of data.
 */
export class RateMeter {
  private samples: { at: number; done: number }[] = [];

  constructor(
    private readonly windowMs = 10_000,
    private readonly minimumMs = 1_000,
  ) {}

  record(at: number, done: number): void {
    this.samples.push({ at, done });
    // Keep one sample at or before the window's start, so the window is always covered.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.windowMs) this.samples.shift();
  }

  /** Items per second, or undefined when there is not enough data yet. */
  rate(now: number): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || now - first.at < this.minimumMs) return undefined;
    return (last.done - first.done) / ((now - first.at) / 1000);
  }

  /** Seconds left for `remaining` items at the current rate; undefined when unknown or stalled. */
  eta(remaining: number, now: number): number | undefined {
    if (remaining <= 0) return 0;
    const rate = this.rate(now);
    return rate === undefined || rate <= 0 ? undefined : remaining / rate;
  }
}

/** A bar of `width` cells, `fraction` of them full. */
export function renderBar(fraction: number, width: number): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(clamped * width);
  return `${"█".repeat(full)}${"░".repeat(width - full)}`;
}

/**
 * One progress line. With `columns` (a terminal) it has a bar and never
 * exceeds that width; without, it is a plain log line.
 */
export function renderProgress(snapshot: ProgressSnapshot, columns?: number): string {
  const parts = [`${formatCount(snapshot.done)}/${formatCount(snapshot.total)} files`];
  if (snapshot.chunks !== undefined) parts.push(countOf(snapshot.chunks, "chunk"));
  if (snapshot.failed > 0) parts.push(`${formatCount(snapshot.failed)} failed`);
  if (snapshot.rate !== undefined) parts.push(`${formatRate(snapshot.rate)} files/s`);
  if (snapshot.done < snapshot.total) parts.push(`ETA ${snapshot.etaSeconds === undefined ? "?" : formatDuration(snapshot.etaSeconds)}`);
  const fraction = snapshot.total === 0 ? 1 : snapshot.done / snapshot.total;

  if (columns === undefined) return `${snapshot.phase}: ${parts.join(", ")} (${Math.floor(fraction * 100)}%)`;
  const text = parts.join(" · ");
  const label = snapshot.phase.padEnd(8);
  const room = columns - label.length - text.length - 4; // spaces around the bar, one column spare
  const line = room >= 10 ? `${label} ${renderBar(fraction, Math.min(30, room))} ${text}` : `${label} ${text}`;
  return line.length < columns ? line : line.slice(0, Math.max(0, columns - 1));
}
