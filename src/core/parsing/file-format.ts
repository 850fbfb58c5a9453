/**
 * Uploaded files: which format a file is (from its name, else its media
 * type), and the text of a text file. Formats: plain text, markdown, HTML
 * and PDF; anything else is refused with a reason.
 */
import { PermanentError } from "../errors.js";

export type FileFormat = "text" | "markdown" | "html" | "pdf";

/** File name extensions taken, and their formats. */
export const fileExtensions: Readonly<Record<string, FileFormat>> = Object.freeze({
  md: "markdown",
  markdown: "markdown",
  txt: "text",
  text: "text",
  html: "html",
  htm: "html",
  pdf: "pdf",
});

/** Media types taken when the name has no extension of the list above. */
export const fileMediaTypes: Readonly<Record<string, FileFormat>> = Object.freeze({
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "text/plain": "text",
  "text/html": "html",
  "application/xhtml+xml": "html",
  "application/pdf": "pdf",
});

/** The file name extension that stands for a format (used in storage keys). */
export const formatExtension: Readonly<Record<FileFormat, string>> = Object.freeze({ text: "txt", markdown: "md", html: "html", pdf: "pdf" });

export type FormatDetection = { format: FileFormat } | { unsupported: string };

/**
 * The format of an uploaded file: its name's extension decides when it is
 * one of `fileExtensions`, else its media type (parameters such as
 * `charset` ignored) when it is one of `fileMediaTypes`. Otherwise the
 * reason it is refused.
 */
export function detectFileFormat(filename: string, mediaType: string): FormatDetection {
  const extension = /\.([A-Za-z0-9]{1,16})$/.exec(filename)?.[1]?.toLowerCase();
  const byName = extension === undefined ? undefined : fileExtensions[extension];
  if (byName) return { format: byName };
  const type = mediaType.split(";")[0]!.trim().toLowerCase();
  const byType = fileMediaTypes[type];
  if (byType) return { format: byType };
  const what = [extension === undefined ? "no file name extension" : `.${extension}`, type ? type : "no media type"].join(", ");
  const accepted = Object.keys(fileExtensions).map((name) => `.${name}`).join(", ");
  return { unsupported: `unsupported file type (${what}); upload ${accepted}` };
}

/** Whether the bytes start like a PDF: `%PDF-` within the first 1,024 bytes (where readers look for it). */
export function hasPdfHeader(bytes: Uint8Array): boolean {
  const limit = Math.min(bytes.length - 5, 1024);
  for (let i = 0; i <= limit; i++) {
    if (bytes[i] === 0x25 && bytes[i + 1] === 0x50 && bytes[i + 2] === 0x44 && bytes[i + 3] === 0x46 && bytes[i + 4] === 0x2d) return true;
  }
  return false;
}

/**
 * The text of a text file: UTF-8 (a byte order mark is dropped). Throws
 * `PermanentError` for bytes that are not UTF-8 or hold NUL characters (a
 * binary file under a text name).
 */
export function decodeTextFile(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new PermanentError("the file is not UTF-8 text");
  }
  if (text.includes("\u0000")) throw new PermanentError("the file holds binary data (NUL characters), not text");
  return text;
}
