/**
 * Structured logs: one JSON object per line, which Workers Logs indexes.
 * Values under keys that look like credentials are redacted at any depth
 * (strings and objects; numbers such as token counts stay), and credentials
 * inside free text (our API keys, bearer tokens, `sk-…` provider keys, e.g.
 * in an upstream error message) are scrubbed. LOG_LEVEL (debug < info < warn
 * < error < silent) picks what is written.
 */

export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = "info" | "warn" | "error" | "silent";
export const logLevels: readonly LogLevel[] = ["info", "warn", "error", "silent"];

const secretKey = /(authorization|api[_-]?key|secret|token|password|cookie|credential)/i;
/** Our keys (the public `sk_<id>` part is kept), bearer tokens, OpenAI-style `sk-…` keys. */
const secretText = /\b((?:sk|pk)_[0-9a-f]{16})_[A-Za-z0-9_-]{43}|\b(Bearer)\s+[^\s"',;]+|\bsk-[A-Za-z0-9_-]{16,}/g;

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return value.replace(secretText, (_match, keyId?: string, bearer?: string) => (keyId ? `${keyId}_[redacted]` : bearer ? "Bearer [redacted]" : "[redacted]"));
  if (value === null || typeof value !== "object") return value;
  if (depth > 8) return "[too deep]";
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, secretKey.test(key) && (typeof item === "string" || (item !== null && typeof item === "object")) ? "[redacted]" : redactValue(item, depth + 1)]),
  );
}

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  return redactValue(fields, 0) as Record<string, unknown>;
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
