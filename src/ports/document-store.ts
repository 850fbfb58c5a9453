/**
 * Port: where documents, their chunks and the keyword index live. One
 * implementation (D1 with FTS5, `adapters/cloudflare/d1-document-store.ts`),
 * used in both modes because D1 runs locally for real. Every method takes the
 * tenant id and scopes its SQL by it.
 */

export type DocumentFormat = "text" | "markdown" | "html";
export type DocumentStatus = "queued" | "processing" | "ready" | "failed";
export type MetadataValue = string | number | boolean;
export type DocumentMetadata = Record<string, MetadataValue>;

export interface DocumentInput {
  id: string;
  title: string | null;
  format: DocumentFormat;
  sourceUrl: string | null;
  metadata: DocumentMetadata;
  content: string;
  contentHash: string;
}

export interface DocumentRecord {
  tenantId: string;
  id: string;
  title: string | null;
  format: DocumentFormat;
  sourceUrl: string | null;
  metadata: DocumentMetadata;
  contentHash: string;
  version: number;
  activeVersion: number | null;
  chunkCount: number;
  status: DocumentStatus;
  error: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

/** What `saveDocuments` did with each document. */
export type SaveOutcome =
  /** New document or new content: stored as a new version, to be queued. */
  | { kind: "stored"; id: string; version: number }
  /** Same content as the ready version: nothing to do. */
  | { kind: "unchanged"; id: string; version: number }
  /** Same content, but not ready (queued, processing, failed): queue the same version again. */
  | { kind: "requeue"; id: string; version: number };

export interface ChunkInput {
  id: string;
  seq: number;
  title: string;
  heading: string;
  text: string;
  start: number;
  end: number;
  tokenCount: number;
}

/** A chunk that searches may show: it belongs to its document's active version. */
export interface VisibleChunk {
  chunkId: string;
  documentId: string;
  seq: number;
  title: string;
  heading: string;
  text: string;
  sourceUrl: string | null;
  metadata: DocumentMetadata;
}

export interface KeywordHit extends VisibleChunk {
  /** SQLite bm25(): lower is better (more negative = more relevant). */
  bm25: number;
}

export interface ListPage {
  documents: DocumentRecord[];
  nextCursor: string | null;
}

export interface DocumentStore {
  /** Stores documents (all or none) and reports per document whether it must be queued. */
  saveDocuments(tenantId: string, documents: DocumentInput[]): Promise<SaveOutcome[]>;
  getDocument(tenantId: string, id: string): Promise<DocumentRecord | null>;
  listDocuments(tenantId: string, options: { limit: number; after?: string; status?: DocumentStatus }): Promise<ListPage>;
  /** Removes the document and its chunks (keyword index included) at once; returns the ids of vectors to purge. */
  deleteDocument(tenantId: string, id: string): Promise<{ deleted: boolean; vectorIds: string[] }>;

  /** Loads a document for processing version `version`, or null when it is gone or superseded. */
  loadForProcessing(tenantId: string, id: string, version: number): Promise<(DocumentRecord & { content: string }) | null>;
  markProcessing(tenantId: string, id: string, version: number): Promise<void>;
  /** Records a failed attempt (error kept) while the document is retried. */
  recordAttemptError(tenantId: string, id: string, version: number, error: string): Promise<void>;
  markFailed(tenantId: string, id: string, version: number, error: string): Promise<void>;
  /** Inserts chunks of `version`, skipping ids already present; does nothing if the version is no longer current. */
  insertChunks(tenantId: string, documentId: string, version: number, chunks: ChunkInput[]): Promise<void>;
  /**
   * Makes `version` the one searches see and deletes every other version's
   * chunks. Returns whether it happened (false when superseded or deleted)
   * and the ids of the chunks that were removed (their vectors must go too).
   */
  activateVersion(tenantId: string, documentId: string, version: number, chunkCount: number): Promise<{ activated: boolean; removedChunkIds: string[] }>;

  /** Chunks matching the FTS5 expression, best bm25 first; `filter` (Vectorize syntax, over user metadata and `document_id`) applies inside the query. */
  keywordSearch(tenantId: string, ftsQuery: string, options: { limit: number; filter?: VectorizeVectorMetadataFilter; weights: ColumnWeights }): Promise<KeywordHit[]>;
  /** The visible chunks among `ids`, in the order of `ids`; unknown or stale ids are left out. */
  visibleChunks(tenantId: string, ids: string[]): Promise<VisibleChunk[]>;
  /** Documents queued earlier than `before` (ISO time), oldest first, for re-enqueueing. */
  findStalled(before: string, limit: number): Promise<{ tenantId: string; id: string; version: number }[]>;
  touch(tenantId: string, id: string): Promise<void>;

  /** Document counts by status and the number of visible chunks. */
  stats(tenantId: string): Promise<IndexStats>;

  getSetting(key: string): Promise<string | null>;
  /** The values of those `keys` that are set. */
  getSettings(keys: string[]): Promise<Record<string, string>>;
  /** Sets `key` only if it has no value yet; returns the stored value. */
  initSetting(key: string, value: string): Promise<string>;
  /** Sets `key` (or removes it when `value` is null). */
  putSetting(key: string, value: string | null): Promise<void>;
}

export interface IndexStats {
  documents: Record<DocumentStatus, number> & { total: number };
  /** Chunks of ready documents (what searches can return). */
  chunks: number;
}

/** bm25 column weights for (title, heading, text). */
export interface ColumnWeights {
  title: number;
  heading: number;
  text: number;
}
