/**
 * Markdown documents: the normalised markdown is the text (offsets point
 * into what was sent); ATX and setext headings outside code blocks define
 * the sections; YAML front matter is skipped and its `title:` used as the
 * title (else the first h1). The heading scanner also serves HTML, which is
 * rendered to markdown-like text first (html.ts).
 */
import { plainHeadingText, maxHeadingSourceLength } from "./markdown-inline.js";
import { hasVisibleText, normaliseText } from "./normalise-text.js";
import { withTitle, type DocumentSection, type ParsedDocument } from "./parsed-document.js";

/** Parses a markdown document into its text, sections and title. */
export function parseMarkdown(content: string): ParsedDocument {
  const text = normaliseText(content);
  const frontMatter = readFrontMatter(text);
  const bodyStart = frontMatter?.end ?? 0;
  const { sections, firstH1 } = markdownSections(text, bodyStart);
  const title = frontMatter?.title ?? firstH1;
  if (!hasVisibleText(text, bodyStart)) return withTitle({ text: "", sections: [] }, title);
  return withTitle({ text, sections }, title);
}

export interface CodeFence {
  char: "`" | "~";
  length: number;
}

/**
 * The fence a line opens (up to 3 spaces, then 3+ backticks or tildes; a
 * backtick fence's info string may not contain backticks), or null.
 * Shared with the chunker so both agree on what is code.
 */
export function openingFence(line: string): CodeFence | null {
  const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
  if (!match) return null;
  const marker = match[1] ?? "";
  if (marker.startsWith("`") && (match[2] ?? "").includes("`")) return null;
  return { char: marker.startsWith("`") ? "`" : "~", length: marker.length };
}

/** Whether `line` closes `fence`: same character, at least as long, nothing after it. */
export function closesFence(line: string, fence: CodeFence): boolean {
  const match = /^ {0,3}(`+|~+)[ \t]*$/.exec(line);
  const marker = match?.[1];
  return marker !== undefined && marker.startsWith(fence.char) && marker.length >= fence.length;
}

interface FrontMatter {
  end: number;
  title?: string;
}

/**
 * YAML front matter: a `---` line at the very top, up to the next `---` or
 * `...` line. Only taken as front matter when some line looks like a YAML
 * key, so a document that merely opens with a thematic break keeps its text.
 */
function readFrontMatter(text: string): FrontMatter | null {
  const firstLineEnd = text.indexOf("\n");
  if (firstLineEnd < 0 || text.slice(0, firstLineEnd).trimEnd() !== "---") return null;
  const lines: string[] = [];
  let pos = firstLineEnd + 1;
  while (pos < text.length) {
    const newline = text.indexOf("\n", pos);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = text.slice(pos, lineEnd);
    const marker = line.trimEnd();
    if (marker === "---" || marker === "...") {
      if (!lines.some((entry) => /^[^\s#:][^:]*:(?:\s|$)/.test(entry))) return null;
      const title = yamlTitle(lines);
      return { end: newline < 0 ? text.length : newline + 1, ...(title ? { title } : {}) };
    }
    lines.push(line);
    pos = lineEnd + 1;
  }
  return null;
}

/** The top-level `title:` scalar of front matter lines (plain, quoted, or block scalar). */
function yamlTitle(lines: string[]): string | undefined {
  for (let i = 0; i < lines.length; i++) {
    const match = /^title[ \t]*:(.*)$/i.exec(lines[i] ?? "");
    if (!match) continue;
    let value = (match[1] ?? "").slice(0, maxHeadingSourceLength).trim();
    if (value.startsWith('"')) {
      const close = /^"((?:[^"\\]|\\.)*)"/.exec(value);
      const body = close ? (close[1] ?? "") : value.slice(1);
      value = body.replace(/\\(["\\/])/g, "$1").replace(/\\n/g, " ").replace(/\\t/g, " ");
    } else if (value.startsWith("'")) {
      const close = /^'((?:[^']|'')*)'/.exec(value);
      value = (close ? (close[1] ?? "") : value.slice(1)).replace(/''/g, "'");
    } else if (/^[|>][+-]?\d*(?:\s+#.*)?$/.test(value) || value === "") {
      const continuation: string[] = [];
      for (let j = i + 1; j < lines.length && /^[ \t]+\S/.test(lines[j] ?? ""); j++) continuation.push((lines[j] ?? "").trim());
      value = continuation.join(" ");
    } else {
      value = value.replace(/[ \t]+#.*$/, "");
    }
    value = value.replace(/\s+/g, " ").trim();
    return value || undefined;
  }
  return undefined;
}

interface HeadingLine {
  /** Offset of the heading's first line (for setext headings, the first text line). */
  start: number;
  /** Offset just after the heading's last line. */
  bodyStart: number;
  level: number;
  text: string;
}

/**
 * Sections of markdown `text` from offset `from` (after front matter), and
 * the first non-empty h1. Used for markdown documents and for the rendered
 * text of HTML documents.
 */
export function markdownSections(text: string, from: number): { sections: DocumentSection[]; firstH1?: string } {
  const headings = findHeadings(text, from);
  const sections: DocumentSection[] = [];
  const firstHeadingStart = headings[0]?.start ?? text.length;
  if (hasVisibleText(text, from, firstHeadingStart)) sections.push({ headingPath: [], start: from, end: firstHeadingStart });

  const open: Array<{ level: number; text: string }> = [];
  headings.forEach((heading, index) => {
    while (open.length > 0 && (open[open.length - 1]?.level ?? 0) >= heading.level) open.pop();
    // An empty heading closes deeper levels but adds no path entry.
    if (heading.text) open.push({ level: heading.level, text: heading.text });
    const end = headings[index + 1]?.start ?? text.length;
    sections.push({ headingPath: open.map((entry) => entry.text), start: heading.bodyStart, end });
  });

  const firstH1 = headings.find((heading) => heading.level === 1 && heading.text)?.text;
  return firstH1 ? { sections, firstH1 } : { sections };
}

/**
 * Scans lines for ATX and setext headings, skipping fenced and indented
 * code and HTML comments. Setext underlines only count after a plain
 * paragraph (not a list item or block quote); `---` after a blank line is a
 * thematic break.
 */
function findHeadings(text: string, from: number): HeadingLine[] {
  const headings: HeadingLine[] = [];
  let fence: CodeFence | null = null;
  let inComment = false;
  let paragraph: { start: number; plain: boolean } | null = null;

  for (let pos = from; pos < text.length; ) {
    const newline = text.indexOf("\n", pos);
    const lineEnd = newline < 0 ? text.length : newline;
    const next = newline < 0 ? text.length : newline + 1;
    const line = text.slice(pos, lineEnd);
    const lineStart = pos;
    pos = next;

    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    if (inComment) {
      if (line.includes("-->")) inComment = false;
      continue;
    }
    if (!hasVisibleText(line)) {
      paragraph = null;
      continue;
    }
    if (indentWidth(line) >= 4) {
      // Indented code, or a lazy continuation of an open paragraph.
      continue;
    }
    const opened = openingFence(line);
    if (opened) {
      fence = opened;
      paragraph = null;
      continue;
    }
    const atx = /^ {0,3}(#{1,6})(?:[ \t]|$)/.exec(line);
    if (atx) {
      const level = atx[1]?.length ?? 1;
      const content = stripClosingSequence(line.slice(atx[0].length));
      headings.push({ start: lineStart, bodyStart: next, level, text: plainHeadingText(content) });
      paragraph = null;
      continue;
    }
    const underline = /^ {0,3}(=+|-+)[ \t]*$/.exec(line);
    if (underline && paragraph?.plain) {
      const source = text.slice(paragraph.start, Math.min(lineStart, paragraph.start + maxHeadingSourceLength));
      headings.push({
        start: paragraph.start,
        bodyStart: next,
        level: underline[1]?.startsWith("=") ? 1 : 2,
        text: plainHeadingText(source.split("\n").map((part) => part.trim()).join(" ")),
      });
      paragraph = null;
      continue;
    }
    if (isThematicBreak(line)) {
      paragraph = null;
      continue;
    }
    const trimmed = line.trimStart();
    if (trimmed.startsWith("<!--")) {
      if (!trimmed.includes("-->", 4)) inComment = true;
      paragraph = null;
      continue;
    }
    if (/^ {0,3}(?:>|[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$))/.test(line)) {
      // Block quotes and list items: an underline below them is not a setext heading.
      paragraph = { start: lineStart, plain: false };
      continue;
    }
    if (!paragraph) paragraph = { start: lineStart, plain: true };
  }
  return headings;
}

/** Leading indentation in columns (tabs advance to the next multiple of 4). */
function indentWidth(line: string): number {
  let width = 0;
  for (const char of line) {
    if (char === " ") width += 1;
    else if (char === "\t") width += 4 - (width % 4);
    else break;
    if (width >= 4) break;
  }
  return width;
}

function isThematicBreak(line: string): boolean {
  if (indentWidth(line) >= 4) return false;
  const compact = line.replace(/[ \t]/g, "");
  const first = compact[0];
  if (compact.length < 3 || (first !== "*" && first !== "-" && first !== "_")) return false;
  for (const char of compact) if (char !== first) return false;
  return true;
}

/** ATX heading content without its optional closing `#` sequence. */
export function stripClosingSequence(content: string): string {
  let end = content.length;
  while (end > 0 && (content[end - 1] === " " || content[end - 1] === "\t")) end--;
  let hashes = end;
  while (hashes > 0 && content[hashes - 1] === "#") hashes--;
  if (hashes < end && (hashes === 0 || content[hashes - 1] === " " || content[hashes - 1] === "\t")) end = hashes;
  return content.slice(0, end).trim();
}
