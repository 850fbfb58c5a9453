/**
 * bench/RESULTS.md is shared by several benchmarks, each owning one `## `
 * section. A benchmark replaces its own section and leaves the others alone.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export const resultsHeader = "# Benchmark results\n";

/**
 * Returns `markdown` with the level-2 section titled `title` (from its
 * `## title` line up to the next `## ` line or the end) replaced by
 * `## title` + `body`, or appended when there is none. A missing file
 * (empty `markdown`) starts with the shared header.
 */
export function replaceSection(markdown: string, title: string, body: string): string {
  const section = `## ${title}\n\n${body.trim()}\n`;
  const source = markdown.trim() === "" ? resultsHeader : markdown;
  const lines = source.split("\n");
  // Headings inside fenced code blocks are text, not sections.
  let fenced = false;
  const isHeading = lines.map((line) => {
    if (/^(```|~~~)/.test(line)) fenced = !fenced;
    return !fenced && /^## /.test(line);
  });
  const start = lines.findIndex((line, index) => isHeading[index] && line.trim() === `## ${title}`);
  if (start === -1) return `${source.trimEnd()}\n\n${section}`;
  let end = lines.findIndex((_, index) => index > start && isHeading[index]);
  if (end === -1) end = lines.length;
  const before = lines.slice(0, start).join("\n").trimEnd();
  const after = lines.slice(end).join("\n").trim();
  return `${before}\n\n${section}${after === "" ? "" : `\n${after}\n`}`;
}

/** Reads `file` (if it exists), replaces the section and writes it back. */
export function writeResultsSection(file: string, title: string, body: string): void {
  const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
  writeFileSync(file, replaceSection(existing, title, body));
}
