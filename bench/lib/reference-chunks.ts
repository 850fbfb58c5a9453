/**
 * The chunk rows the service stores for a set of documents, computed the way
 * its consumer computes them (the project's own parser and chunker with the
 * default chunking options; title = the document's title, else the parsed
 * one; heading = the heading path joined with " > "), so that a reference
 * index in the benchmark holds the same rows as the server's D1. Pure.
 */
import { chunkDocument, defaultChunkingOptions, type ChunkingOptions } from "../../src/core/chunking/chunker.js";
import { parseDocument } from "../../src/core/parsing/parse-document.js";

export interface ReferenceDocument {
  id: string;
  title?: string;
  content: string;
  format?: "text" | "markdown" | "html";
}

export interface ReferenceChunk {
  /** Unique per chunk (`<document id>#<seq>`); the service's ids are hashes, which no query here depends on. */
  id: string;
  documentId: string;
  seq: number;
  title: string;
  heading: string;
  text: string;
}

/** The chunk rows of `documents`, in document order then chunk order. */
export function referenceChunks(documents: readonly ReferenceDocument[], chunking: ChunkingOptions = defaultChunkingOptions): ReferenceChunk[] {
  const rows: ReferenceChunk[] = [];
  for (const doc of documents) {
    const parsed = parseDocument(doc.content, doc.format ?? "text");
    const title = doc.title ?? parsed.title ?? "";
    for (const piece of chunkDocument(parsed, chunking)) {
      rows.push({ id: `${doc.id}#${piece.seq}`, documentId: doc.id, seq: piece.seq, title, heading: piece.headingPath.join(" > "), text: piece.text });
    }
  }
  return rows;
}
