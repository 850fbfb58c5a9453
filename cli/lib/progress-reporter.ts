/**
 * Shows ingest progress: on a terminal, one line redrawn in place (at most
 * ten times a second) that other messages scroll above; elsewhere (a pipe, a
 * CI log) a plain line when the phase changes and every few seconds.
 */
import { renderProgress, type ProgressSnapshot } from "./progress.js";

/** Where text goes: process.stdout/stderr or, in tests, a recorder. */
export interface TextOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  /** A message line, printed above the progress line. */
  log(line: string): void;
  /** Draws the last state for good. */
  finish(): void;
}

export interface ProgressReporterOptions {
  now?: () => number;
  /** Plain mode: seconds between lines within a phase. */
  plainIntervalMs?: number;
  /** Terminal mode: least time between redraws. */
  redrawIntervalMs?: number;
}

const clearLine = "\r\x1b[2K";

export function createProgressReporter(out: TextOutput, options: ProgressReporterOptions = {}): ProgressReporter {
  const now = options.now ?? Date.now;
  let last: ProgressSnapshot | undefined;
  let drawnAt = -Infinity;
  let drawn: string | undefined;

  if (out.isTTY) {
    const redrawIntervalMs = options.redrawIntervalMs ?? 100;
    const draw = () => {
      if (!last) return;
      drawn = renderProgress(last, out.columns ?? 80);
      out.write(`${clearLine}${drawn}`);
      drawnAt = now();
    };
    return {
      update(snapshot) {
        last = snapshot;
        if (now() - drawnAt >= redrawIntervalMs) draw();
      },
      log(line) {
        out.write(`${drawn === undefined ? "" : clearLine}${line}\n`);
        if (drawn !== undefined) out.write(drawn);
      },
      finish() {
        draw();
        if (drawn !== undefined) out.write("\n");
        drawn = undefined;
      },
    };
  }

  const plainIntervalMs = options.plainIntervalMs ?? 5_000;
  const print = () => {
    if (!last) return;
    const line = renderProgress(last);
    if (line === drawn) return;
    out.write(`${line}\n`);
    drawn = line;
    drawnAt = now();
  };
  return {
    update(snapshot) {
      const phaseChanged = last?.phase !== snapshot.phase;
      last = snapshot;
      if (phaseChanged || now() - drawnAt >= plainIntervalMs) print();
    },
    log(line) {
      out.write(`${line}\n`);
    },
    finish() {
      print();
    },
  };
}
