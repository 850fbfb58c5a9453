/**
 * Ingestion stage 1: given the version a message names (loaded with the rest
 * of the batch by `DocumentStore.startProcessing`), decide whether there is
 * anything to do, read its uploaded file when it has one (`readOriginal`),
 * then parse it (`parseVersion`) and chunk it (`chunkParsed`) — separate
 * steps, so each is timed and traced on its own. Only the chunks are kept,
 * not the raw content, so a batch holds chunk texts only. Chunks of a PDF
 * carry the pages they start and end on.
 */
import { chunkDocument, type ChunkingOptions } from "../../core/chunking/chunker.js";
import { chunkId, chunkIdPrefix } from "../../core/document-identity.js";
import { AppError, PermanentError } from "../../core/errors.js";
import { parseDocument, parseFile, type ParsedDocument } from "../../core/parsing/parse-document.js";
import { pageAt } from "../../core/parsing/pdf.js";
import type { ChunkInput, DocumentMetadata, DocumentRecord, DocumentStore, OriginalFile, ProcessingDocument, VersionRef } from "../../ports/document-store.js";
import type { OriginalStore } from "../../ports/original-store.js";

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

/**
 * Characters of content loaded together with the rest of a batch's documents
 * (at most 6.5 M for 100 messages); a longer document's content is fetched on
 * its own when its turn comes, and every document's content is dropped once
 * it is chunked (see `contentGroups` in ingest-processor.ts).
 */
export const inlineContentChars = 65_536;

/** Why a version `startProcessing` returned has nothing to do, or undefined when it has. */
export function skipReason(doc: Pick<ProcessingDocument, "status" | "activeVersion" | "version"> | null): "gone" | "indexed" | "failed" | undefined {
  if (!doc) return "gone";
  if (doc.status === "ready" && doc.activeVersion === doc.version) return "indexed";
  if (doc.status === "failed") return "failed";
  return undefined;
}

/**
 * Says whether a version `startProcessing` returned has work to do; fetches
 * its content when it was too long to come with the batch.
 */
export async function classifyLoaded(store: Pick<DocumentStore, "loadForProcessing">, doc: ProcessingDocument | null): Promise<Loaded> {
  const skipped = skipReason(doc);
  if (skipped || !doc) return { kind: "skipped", reason: skipped ?? "gone" };
  const ref = { tenantId: doc.tenantId, documentId: doc.id, version: doc.version, incarnation: doc.incarnation };
  if (doc.content !== null) return { kind: "loaded", ref, doc: { ...doc, content: doc.content } };
  const full = await store.loadForProcessing(ref.tenantId, ref.documentId, ref.version, ref.incarnation);
  return full ? { kind: "loaded", ref, doc: full } : { kind: "skipped", reason: "gone" };
}

/**
 * The bytes of a version's uploaded file, or null when the object is gone
 * because the version is no longer current (a newer version or a delete
 * removed it: nothing to do). Missing while the version is still current: a
 * PermanentError.
 */
export async function readOriginal(
  originals: OriginalStore | undefined,
  store: Pick<DocumentStore, "isCurrent">,
  ref: VersionRef,
  original: OriginalFile,
): Promise<Uint8Array | null> {
  if (!originals) throw new AppError("MISCONFIGURED", "configuration error: the ORIGINALS bucket binding is missing (see wrangler.toml)");
  const bytes = await originals.get(original.key);
  if (bytes) return bytes;
  if (!(await store.isCurrent(ref))) return null;
  throw new PermanentError("the uploaded file is missing from storage; upload it again");
}

/** Parses a loaded version (the "parse" stage): its inline content, or the bytes of its uploaded file. */
export async function parseVersion(doc: Pick<DocumentRecord, "format"> & { content: string }, original?: Uint8Array): Promise<ParsedDocument> {
  if (original) return parseFile(original, doc.format);
  if (doc.format === "pdf") throw new PermanentError("the document's PDF file is not stored; upload it again");
  return parseDocument(doc.content, doc.format);
}

/**
 * Chunks a parsed version and derives its chunk ids and embedding texts (the
 * "chunk" stage); throws PermanentError when there is nothing to index.
 */
export async function chunkParsed(ref: VersionRef, doc: DocumentRecord, parsed: ParsedDocument, chunking: ChunkingOptions): Promise<PreparedDocument> {
  const pieces = chunkDocument(parsed, chunking);
  if (pieces.length === 0) {
    throw new PermanentError(doc.format === "pdf" ? "the PDF has no text layer to index (scanned pages would need OCR)" : "the document has no text content to index");
  }

  const title = doc.title ?? parsed.title ?? fileTitle(doc.original?.filename) ?? "";
  const { pageStarts } = parsed;
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
    ...(pageStarts ? { page: pageAt(pageStarts, piece.start), pageEnd: pageAt(pageStarts, piece.end - 1) } : {}),
  }));
  // The title and heading path travel with the passage into the embedding.
  const embeddingTexts = chunks.map((chunk) => [chunk.title, chunk.heading, chunk.text].filter((part) => part !== "").join("\n"));
  return { ref, metadata: doc.metadata, chunks, embeddingTexts };
}

/** An uploaded file's name without its extension, as a title of last resort. */
function fileTitle(filename: string | undefined): string | undefined {
  const name = filename?.replace(/\.[A-Za-z0-9]{1,16}$/, "").trim();
  return name ? name : undefined;
}
