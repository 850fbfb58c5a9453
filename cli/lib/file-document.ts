/**
 * Turns a file into the document `POST /v1/documents/batch` takes: its id
 * (from the path), its text, its format (from the extension), its path as
 * metadata (`path`, usable in filters), and for plain text files, which have
 * no heading to take a title from, the file name as title. Also the content
 * hash the server computes for the same fields, which the state file keeps.
 */
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { maxDocumentBytes } from "../../functions/schemas.js";
import { contentHash } from "../../src/core/document-identity.js";
import { documentIdForPath } from "./document-id.js";
import type { DiscoveredFile } from "./file-discovery.js";
import type { DocumentFormat } from "./file-formats.js";

export interface ApiDocument {
  id: string;
  title?: string;
  content: string;
  format: DocumentFormat;
  metadata: { path: string };
}

export type FileDocument =
  | { kind: "document"; id: string; path: string; document: ApiDocument; hash: string; contentBytes: number; bodyBytes: number }
  /** Nothing to index (blank): the API would refuse it, and with it the whole batch. */
  | { kind: "empty"; id: string; path: string }
  | { kind: "too-large"; id: string; path: string; bytes: number };

const encoder = new TextEncoder();

export async function readFileDocument(file: DiscoveredFile, idPrefix = ""): Promise<FileDocument> {
  const id = documentIdForPath(file.relativePath, idPrefix);
  const path = file.relativePath;
  const content = (await readFile(file.absolutePath, "utf8")).replace(/^\uFEFF/, "");
  if (content.trim() === "") return { kind: "empty", id, path };
  const contentBytes = encoder.encode(content).byteLength;
  if (contentBytes > maxDocumentBytes) return { kind: "too-large", id, path, bytes: contentBytes };

  const title = file.format === "text" ? basename(path, extname(path)).replace(/[\u0000-\u001f\u007f]+/g, " ").trim().slice(0, 1024) : undefined;
  const document: ApiDocument = { id, ...(title ? { title } : {}), content, format: file.format, metadata: { path } };
  const hash = await contentHash({ content, title: title ?? null, format: file.format, metadata: document.metadata, sourceUrl: null });
  return { kind: "document", id, path, document, hash, contentBytes, bodyBytes: encoder.encode(JSON.stringify(document)).byteLength };
}
