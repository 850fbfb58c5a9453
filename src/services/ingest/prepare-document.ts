/**
 * Ingestion stage 1: load the version a message names, decide whether there
 * is anything to do, then parse it (`parseVersion`) and chunk it
 * (`chunkParsed`) — two steps, so each is timed and traced on its own. Only
 * the chunks are kept, not the raw content, so a batch holds chunk texts only.
 */
import { chunkDocument, type ChunkingOptions } from "../../core/chunking/chunker.js";
import { chunkId, chunkIdPrefix } from "../../core/document-identity.js";
import { PermanentError } from "../../core/errors.js";
import { parseDocument, type ParsedDocument } from "../../core/parsing/parse-document.js";
import type { ChunkInput, DocumentMetadata, DocumentRecord, DocumentStore, VersionRef } from "../../ports/document-store.js";

export interface PreparedDocument {
  ref: VersionRef;
  metadata: DocumentMetadata;
  chunks: ChunkInput[];
  /** What is embedded per chunk: title, heading path and text. */
  embeddingTexts: string[];
}

export type Loaded =
  | { kind: "loaded"; ref: VersionRef; doc: DocumentRecord & { content: string } }
  /** Nothing to do: deleted, superseded or re-created (`gone`), indexed already (a duplicate delivery), or failed for good. */
  | { kind: "skipped"; reason: "gone" | "indexed" | "failed" };

export interface IngestTarget {
  tenantId: string;
  documentId: string;
  version: number;
  /** Undefined for messages from before incarnations: the current incarnation. */
  incarnation: string | undefined;
}

/** Loads the version a message names and says whether there is work to do. */
export async function loadVersion(store: DocumentStore, target: IngestTarget): Promise<Loaded> {
  const doc = await store.loadForProcessing(target.tenantId, target.documentId, target.version, target.incarnation);
  if (!doc) return { kind: "skipped", reason: "gone" };
  if (doc.status === "ready" && doc.activeVersion === doc.version) return { kind: "skipped", reason: "indexed" };
  if (doc.status === "failed") return { kind: "skipped", reason: "failed" };
  return { kind: "loaded", ref: { tenantId: doc.tenantId, documentId: doc.id, version: doc.version, incarnation: doc.incarnation }, doc };
}

/** Parses a loaded version's content (the "parse" stage). */
export function parseVersion(doc: Pick<DocumentRecord, "format"> & { content: string }): ParsedDocument {
  return parseDocument(doc.content, doc.format);
}

/**
 * Chunks a parsed version and derives its chunk ids and embedding texts (the
 * "chunk" stage); throws PermanentError when there is nothing to index.
 */
export async function chunkParsed(ref: VersionRef, doc: DocumentRecord, parsed: ParsedDocument, chunking: ChunkingOptions): Promise<PreparedDocument> {
  const pieces = chunkDocument(parsed, chunking);
  if (pieces.length === 0) throw new PermanentError("the document has no text content to index");

  const title = doc.title ?? parsed.title ?? "";
  const prefix = await chunkIdPrefix(ref.tenantId, ref.documentId, ref.incarnation);
  const chunks: ChunkInput[] = pieces.map((piece) => ({
    id: chunkId(prefix, ref.version, piece.seq),
    seq: piece.seq,
    title,
    heading: piece.headingPath.join(" > "),
    text: piece.text,
    start: piece.start,
    end: piece.end,
    tokenCount: piece.tokenCount,
  }));
  // The title and heading path travel with the passage into the embedding.
  const embeddingTexts = chunks.map((chunk) => [chunk.title, chunk.heading, chunk.text].filter((part) => part !== "").join("\n"));
  return { ref, metadata: doc.metadata, chunks, embeddingTexts };
}
