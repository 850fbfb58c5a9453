/**
 * Structured logs: one JSON object per line, which Workers Logs indexes.
 * Values under keys that look like credentials are redacted.
 */

export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

const secretKey = /(authorization|api[_-]?key|secret|token|password)/i;

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, secretKey.test(key) ? "[redacted]" : value]));
}

export const consoleLogger: Logger = {
  info: (event, fields = {}) => console.log(JSON.stringify({ level: "info", event, ...redact(fields) })),
  warn: (event, fields = {}) => console.warn(JSON.stringify({ level: "warn", event, ...redact(fields) })),
  error: (event, fields = {}) => console.error(JSON.stringify({ level: "error", event, ...redact(fields) })),
};

/** For tests and quiet runs. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
