/**
 * Captures what the worker writes to the console, one string per call, so a
 * test can check its log lines (and that secrets never reach them). Call
 * `captureConsole()` in `beforeAll`; it returns the array the lines go to.
 */
import { vi } from "vitest";

/** A console argument as a log reader would see it (errors with their stack). */
export function renderConsoleArgument(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ""}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Replaces every console method with one that records the line; returns the recorded lines. */
export function captureConsole(lines: string[] = []): string[] {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(renderConsoleArgument).join(" "));
    });
  }
  return lines;
}
