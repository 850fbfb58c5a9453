/**
 * Structured logs: one JSON object per line, which Workers Logs indexes.
 * Values under keys that look like credentials are redacted. LOG_LEVEL
 * (debug < info < warn < error < silent) picks what is written.
 */

export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = "info" | "warn" | "error" | "silent";
export const logLevels: readonly LogLevel[] = ["info", "warn", "error", "silent"];

const secretKey = /(authorization|api[_-]?key|secret|token|password)/i;

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, secretKey.test(key) ? "[redacted]" : value]));
}

export function createConsoleLogger(level: LogLevel = "info"): Logger {
  const threshold = logLevels.indexOf(level);
  const write = (at: Exclude<LogLevel, "silent">, sink: (line: string) => void) => (event: string, fields: Record<string, unknown> = {}) => {
    if (logLevels.indexOf(at) >= threshold) sink(JSON.stringify({ level: at, event, ...redact(fields) }));
  };
  return {
    info: write("info", (line) => console.log(line)),
    warn: write("warn", (line) => console.warn(line)),
    error: write("error", (line) => console.error(line)),
  };
}

/** For tests and quiet runs. */
export const silentLogger: Logger = createConsoleLogger("silent");
