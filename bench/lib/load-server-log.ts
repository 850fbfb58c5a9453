/**
 * A summary of the server's output during a load run, to say where errors
 * came from: the service's structured log lines (`{"level", "event", ...}`)
 * counted by level and event (and method, route and status when present), and other lines that mention an error (stack
 * traces, local-services failures, workerd messages) counted by their first
 * 160 characters. Pure.
 */

export interface ServerLogSummary {
  lines: number;
  /** Structured lines by "level event", most frequent first. */
  structured: { key: string; count: number; example: string }[];
  /** Unstructured lines that mention an error, by text, most frequent first. */
  errorLines: { text: string; count: number }[];
}

/** Summarises the text of a server log. */
export function summarizeServerLog(text: string): ServerLogSummary {
  const structured = new Map<string, { count: number; example: string }>();
  const errorLines = new Map<string, number>();
  let lines = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (line.trim() === "") continue;
    lines += 1;
    const json = parseLogLine(line);
    if (json) {
      const key = [json.level, json.event, json.detail].filter(Boolean).join(" ");
      const entry = structured.get(key);
      if (entry) entry.count += 1;
      else structured.set(key, { count: 1, example: line.slice(0, 300) });
      continue;
    }
    if (/error|exception|fail|unhandled|rejected/i.test(line)) {
      const key = line.trim().slice(0, 160);
      errorLines.set(key, (errorLines.get(key) ?? 0) + 1);
    }
  }
  return {
    lines,
    structured: [...structured].map(([key, { count, example }]) => ({ key, count, example })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)),
    errorLines: [...errorLines].map(([text, count]) => ({ text, count })).sort((a, b) => b.count - a.count || a.text.localeCompare(b.text)),
  };
}

/**
 * `{level, event}` of a structured log line (possibly with a prefix before
 * the JSON, as workerd may add), else undefined; request log lines also give
 * method, route and status as `detail`, so failures group by route and status.
 */
function parseLogLine(line: string): { level: string; event: string; detail?: string } | undefined {
  const start = line.indexOf('{"level"');
  if (start === -1) return undefined;
  try {
    const parsed = JSON.parse(line.slice(start)) as { level?: unknown; event?: unknown; method?: unknown; route?: unknown; path?: unknown; status?: unknown };
    if (typeof parsed.level !== "string" || typeof parsed.event !== "string") return undefined;
    const route = parsed.route ?? parsed.path;
    const detail = [parsed.method, route, parsed.status].filter((part) => typeof part === "string" || typeof part === "number").join(" ");
    return { level: parsed.level, event: parsed.event, ...(detail ? { detail } : {}) };
  } catch {
    // not a structured line after all
  }
  return undefined;
}
