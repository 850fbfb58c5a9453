/**
 * Document parsing for ingestion: turns a stored raw document into
 * normalised text plus its heading structure (and, for PDFs, its page
 * boundaries), which the chunker uses to keep chunks inside sections, to
 * label them and to give them page numbers.
 *
 * One module per format, this one dispatches:
 * - text.ts: plain text;
 * - markdown.ts (with markdown-inline.ts): markdown;
 * - html.ts (with html-markdown-writer.ts): HTML, rendered to markdown-like
 *   text first, so sections of markdown and HTML documents are computed by
 *   the same heading scanner;
 * - pdf.ts: a PDF's text layer, page by page (bytes in, asynchronous);
 * - file-format.ts: which format an uploaded file is, and its text.
 */
import { PermanentError } from "../errors.js";
import { decodeTextFile, type FileFormat } from "./file-format.js";
import { parseHtml } from "./html.js";
import { parseMarkdown } from "./markdown.js";
import type { ParsedDocument } from "./parsed-document.js";
import { parsePdf, type PdfParseOptions } from "./pdf.js";
import { parsePlainText } from "./text.js";

export type { DocumentSection, ParsedDocument } from "./parsed-document.js";
export type { FileFormat } from "./file-format.js";
export { normaliseText } from "./normalise-text.js";
export { closesFence, openingFence, type CodeFence } from "./markdown.js";
export { plainHeadingText } from "./markdown-inline.js";

/** Formats whose documents are text (sent as JSON `content`, or uploaded as a text file). */
export type DocumentFormat = "text" | "markdown" | "html";

/**
 * Parses a raw document into normalised text and heading sections.
 *
 * - text: line endings normalised, BOM and control characters removed; one
 *   untitled section.
 * - markdown: `text` is the normalised markdown (offsets point into what was
 *   sent); ATX and setext headings outside code blocks define sections; YAML
 *   front matter is skipped and its `title:` used as title (else the first h1).
 * - html: rendered to markdown-like text (headings as `#` lines, lists,
 *   tables, fenced `pre` blocks), page chrome and hidden content dropped;
 *   title from `<title>`, else the first h1.
 *
 * A document with no text yields `{ text: "", sections: [] }`; the caller
 * decides what that means. Throws `PermanentError` only for input that cannot
 * be processed at all (not a string, unknown format).
 */
export function parseDocument(content: string, format: DocumentFormat): ParsedDocument {
  if (typeof content !== "string") throw new PermanentError("document content is not text");
  switch (format) {
    case "text":
      return parsePlainText(content);
    case "markdown":
      return parseMarkdown(content);
    case "html":
      return parseHtml(content);
    default:
      throw new PermanentError(`unsupported document format: ${String(format)}`);
  }
}

/**
 * Parses an uploaded file's bytes: text formats are decoded (UTF-8) and
 * parsed as above; a PDF's text layer is extracted page by page, with
 * `pageStarts`. Throws `PermanentError` (with a reason a client may read)
 * for bytes that are not a file of that format.
 */
export async function parseFile(bytes: Uint8Array, format: FileFormat, options: PdfParseOptions = {}): Promise<ParsedDocument> {
  if (format === "pdf") return parsePdf(bytes, options);
  return parseDocument(decodeTextFile(bytes), format);
}
