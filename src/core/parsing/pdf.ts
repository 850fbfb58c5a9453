/**
 * PDF documents: the text layer, page by page, through pdf.js (unpdf's
 * serverless build, which needs no worker thread, no `eval` and no canvas,
 * so it runs inside workerd). Pages are joined with a blank line; the text
 * is one untitled section (PDFs carry no reliable heading structure) and
 * `pageStarts` says where each page begins, so every chunk knows its pages.
 * The title comes from the document information dictionary (`/Title`).
 *
 * Scanned pages have no text layer: a PDF of scans parses to no text (OCR
 * is out of scope). Encrypted PDFs are refused.
 */
import { getDocumentProxy } from "unpdf";
import { PermanentError } from "../errors.js";
import { hasPdfHeader } from "./file-format.js";
import { collapseWhitespace, hasVisibleText, normaliseText } from "./normalise-text.js";
import type { ParsedDocument } from "./parsed-document.js";

export interface PdfParseOptions {
  /** Characters of text a PDF may hold (default 10,000,000); more is a `PermanentError`. */
  maxChars?: number;
}

export const defaultPdfMaxChars = 10_000_000;

/** Between pages: a paragraph break, so no chunk reads two pages' lines as one. */
const pageSeparator = "\n\n";

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/**
 * Checks, cheaply, that the bytes are a PDF pdf.js can open: the `%PDF-`
 * header, then its cross-reference data and page tree (no page is read).
 * Returns its page count; throws `PermanentError` with the reason.
 */
export async function inspectPdf(bytes: Uint8Array): Promise<{ pages: number }> {
  const pdf = await openPdf(bytes);
  try {
    if (pdf.numPages < 1) throw new PermanentError("the PDF has no pages");
    return { pages: pdf.numPages };
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}

/** Extracts the text layer of every page (see the module comment). */
export async function parsePdf(bytes: Uint8Array, options: PdfParseOptions = {}): Promise<ParsedDocument> {
  const maxChars = options.maxChars ?? defaultPdfMaxChars;
  const pdf = await openPdf(bytes);
  try {
    const pageStarts: number[] = [];
    const parts: string[] = [];
    let length = 0;
    for (let number = 1; number <= pdf.numPages; number++) {
      const pageText = await readPage(pdf, number);
      if (number > 1) {
        parts.push(pageSeparator);
        length += pageSeparator.length;
      }
      pageStarts.push(length);
      parts.push(pageText);
      length += pageText.length;
      if (length > maxChars) throw new PermanentError(`the PDF holds more than ${maxChars} characters of text`);
    }
    const text = parts.join("");
    const title = await readTitle(pdf);
    if (!hasVisibleText(text)) return title ? { text: "", sections: [], title } : { text: "", sections: [] };
    return { text, sections: [{ headingPath: [], start: 0, end: text.length }], pageStarts, ...(title ? { title } : {}) };
  } catch (error) {
    throw error instanceof PermanentError ? error : unreadable(error);
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}

/**
 * The 1-based page that `offset` (into the parsed text) falls on: the last
 * page starting at or before it.
 */
export function pageAt(pageStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = pageStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (pageStarts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  // Empty pages share their start with the next page: the last of them holds the text.
  return low + 1;
}

async function openPdf(bytes: Uint8Array): Promise<PdfDocument> {
  if (!hasPdfHeader(bytes)) throw new PermanentError("the file is not a PDF (no %PDF- header)");
  try {
    // A copy: pdf.js may take over (detach) the buffer it is given.
    return await getDocumentProxy(bytes.slice(), { verbosity: 0, stopAtErrors: false });
  } catch (error) {
    throw unreadable(error);
  }
}

/** A page's text as unpdf's `extractText` builds it (items, a newline where pdf.js sees a line end), normalised. */
async function readPage(pdf: PdfDocument, number: number): Promise<string> {
  const page = await pdf.getPage(number);
  try {
    const content = await page.getTextContent();
    let text = "";
    for (const item of content.items) {
      if (!("str" in item)) continue;
      text += item.str + (item.hasEOL ? "\n" : "");
    }
    return normaliseText(text).trimEnd();
  } finally {
    page.cleanup();
  }
}

async function readTitle(pdf: PdfDocument): Promise<string | undefined> {
  try {
    const { info } = await pdf.getMetadata();
    const title = (info as { Title?: unknown } | undefined)?.Title;
    if (typeof title !== "string") return undefined;
    return collapseWhitespace(normaliseText(title)).slice(0, 1024) || undefined;
  } catch {
    return undefined;
  }
}

/** pdf.js's reason, said safely: encrypted, or not readable (its exception name and message, on one short line). */
function unreadable(error: unknown): PermanentError {
  const name = error instanceof Error ? error.name : "";
  if (name === "PasswordException") return new PermanentError("the PDF is encrypted (password-protected); upload it without encryption", { cause: error });
  const message = error instanceof Error ? collapseWhitespace(error.message).slice(0, 200) : "";
  return new PermanentError(`the PDF could not be read${message ? ` (${message})` : ""}`, { cause: error });
}
