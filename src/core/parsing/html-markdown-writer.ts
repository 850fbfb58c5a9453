/**
 * The writer HTML rendering (html.ts) emits markdown-like text through:
 * inline text and block boundaries in, text whose headings the markdown
 * section scanner reads out.
 */
import { plainHeadingText } from "./markdown-inline.js";
import { stripClosingSequence } from "./markdown.js";
import { collapseWhitespace } from "./normalise-text.js";


/**
 * Builds markdown-like text from a stream of inline text and block
 * boundaries: collapses whitespace, emits blank lines between blocks,
 * prefixes list items, and escapes line starts that markdown would read as
 * headings or code fences, so the section scanner sees only real headings.
 */
export class MarkdownWriter {
  private readonly out: string[] = [];
  private pendingBreaks = 0;
  private pendingSpace = false;
  private atLineStart = true;
  private hasContent = false;
  private readonly listItems: Array<{ marker: string; indent: string; used: boolean }> = [];
  private inlineDepth = 0;
  private heading: string[] | null = null;
  /** Table cell separators waiting for the next cell with text (trailing empty cells add nothing). */
  private pendingSeparators = 0;

  /** Inside a table cell or heading: block boundaries become spaces. */
  get inline(): boolean {
    return this.inlineDepth > 0 || this.heading !== null;
  }

  enterInline(): void {
    this.inlineDepth++;
  }

  exitInline(): void {
    this.inlineDepth--;
  }

  text(raw: string): void {
    if (this.heading) {
      this.heading.push(raw);
      return;
    }
    const collapsed = raw.replace(/\s+/g, " ");
    const core = collapsed.trim();
    if (collapsed.startsWith(" ")) this.pendingSpace = true;
    if (core) this.writeContent(core);
    if (core && collapsed.endsWith(" ")) this.pendingSpace = true;
  }

  blockBreak(breaks: 1 | 2): void {
    if (this.inline) {
      this.space();
      return;
    }
    if (this.hasContent) this.pendingBreaks = Math.max(this.pendingBreaks, breaks);
    this.pendingSpace = false;
    this.pendingSeparators = 0;
  }

  lineBreak(): void {
    if (this.inline) {
      this.space();
      return;
    }
    if (this.hasContent) this.pendingBreaks = Math.min(2, this.pendingBreaks + 1);
    this.pendingSpace = false;
    this.pendingSeparators = 0;
  }

  /** ` | ` between table cells; written lazily so empty trailing cells leave no dangling bar. */
  cellSeparator(): void {
    if (this.heading) this.heading.push(" ");
    else this.pendingSeparators++;
  }

  beginListItem(marker: string): void {
    if (this.inline) {
      this.space();
      return;
    }
    // An outer item that has shown no text yet gives up its marker to the inner one.
    for (const item of this.listItems) item.used = true;
    const parentIndent = this.listItems[this.listItems.length - 1]?.indent ?? "";
    this.listItems.push({ marker: parentIndent + marker, indent: parentIndent + " ".repeat(marker.length), used: false });
  }

  endListItem(): void {
    if (!this.inline) this.listItems.pop();
  }

  beginHeading(): void {
    this.heading = [];
  }

  endHeading(level: number): void {
    const text = collapseWhitespace((this.heading ?? []).join(" "));
    this.heading = null;
    if (!text) return;
    this.writeBlock(`${"#".repeat(level)} ${escapeHeadingText(text)}`);
  }

  codeBlock(raw: string, language: string): void {
    const code = (raw.startsWith("\n") ? raw.slice(1) : raw).trimEnd();
    if (!code.trim()) return;
    let longestRun = 0;
    for (const run of code.match(/`+/g) ?? []) longestRun = Math.max(longestRun, run.length);
    const fence = "`".repeat(Math.max(3, longestRun + 1));
    this.writeBlock(`${fence}${language}\n${code}\n${fence}`);
  }

  toString(): string {
    return this.out.join("");
  }

  private space(): void {
    if (this.heading) this.heading.push(" ");
    else this.pendingSpace = true;
  }

  /** A whole block at column 0, separated by blank lines. */
  private writeBlock(block: string): void {
    if (this.hasContent) this.out.push("\n\n");
    this.out.push(block);
    for (const item of this.listItems) item.used = true;
    this.hasContent = true;
    this.atLineStart = false;
    this.pendingBreaks = 2;
    this.pendingSpace = false;
  }

  private writeContent(core: string): void {
    if (this.pendingBreaks > 0 && this.hasContent) {
      this.out.push("\n".repeat(this.pendingBreaks));
      this.atLineStart = true;
    }
    this.pendingBreaks = 0;
    const separators = this.pendingSeparators;
    this.pendingSeparators = 0;
    if (this.atLineStart) {
      let prefix = "";
      for (const item of this.listItems) {
        prefix += item.used ? "" : item.marker;
        item.used = true;
      }
      const current = this.listItems[this.listItems.length - 1];
      const linePrefix = prefix || current?.indent || "";
      this.out.push(linePrefix);
      // Text that markdown would read as a heading, setext underline, fence or comment.
      if (separators > 0) this.out.push(`|${" |".repeat(separators - 1)} `);
      else if (!/\S/.test(linePrefix) && /^(?:#|```|~~~|<!--|=+$|-+$)/.test(core)) this.out.push("\\");
    } else if (separators > 0) {
      this.out.push(`${" |".repeat(separators)} `);
    } else if (this.pendingSpace) {
      this.out.push(" ");
    }
    this.out.push(core);
    this.pendingSpace = false;
    this.atLineStart = false;
    this.hasContent = true;
  }
}

/** Backslash-escapes a heading's text when markdown syntax in it would otherwise change its plain text. */
function escapeHeadingText(text: string): string {
  if (plainHeadingText(stripClosingSequence(text)) === text) return text;
  return text.replace(/[\\`*_[\]<>~&!#]/g, "\\$&");
}
