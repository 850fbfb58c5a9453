/**
 * Port: where documents, their chunks and the keyword index live. One
 * implementation (D1 with FTS5, `adapters/cloudflare/d1-document-store.ts`),
 * used in both modes because D1 runs locally for real. Every method takes the
 * tenant id and scopes its SQL by it.
 */

/** "pdf" only for uploaded files (JSON `content` is text, markdown or HTML). */
export type DocumentFormat = "text" | "markdown" | "html" | "pdf";
export type DocumentStatus = "queued" | "processing" | "ready" | "failed";
export type MetadataValue = string | number | boolean;
export type DocumentMetadata = Record<string, MetadataValue>;

/**
 * An uploaded file kept in the originals store (R2): the document's content
 * is read from there, not from `content` (which is "").
 */
export interface OriginalFile {
  /** Its key in the originals store. */
  key: string;
  format: DocumentFormat;
  bytes: number;
  /** The file name as uploaded. */
  filename: string;
}

export interface DocumentInput {
  id: string;
  title: string | null;
  format: DocumentFormat;
  sourceUrl: string | null;
  metadata: DocumentMetadata;
  content: string;
  contentHash: string;
  /** Set for an uploaded file (then `content` is ""). */
  original?: OriginalFile | null;
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
  /** Random id of this incarnation of the document (a new one after delete and re-create); "" for documents older than incarnations. */
  incarnation: string;
  activeVersion: number | null;
  chunkCount: number;
  status: DocumentStatus;
  error: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  /** The uploaded file of the latest version, when it was posted as a file. */
  original?: OriginalFile | null;
}

/** What `saveDocuments` did with each document. */
export type SaveOutcome =
  /**
   * New document or new content: stored as a new version, to be queued.
   * `replacedOriginal`: the key of the uploaded file the previous version
   * named, which no row names any more (the caller deletes it).
   */
  | { kind: "stored"; id: string; version: number; incarnation: string; replacedOriginal?: string }
  /** Same content as the ready version: nothing to do. */
  | { kind: "unchanged"; id: string; version: number; incarnation: string }
  /** Same content, but not ready (queued, processing, failed): queue the same version again. */
  | { kind: "requeue"; id: string; version: number; incarnation: string };

/**
 * One version of one incarnation of a document: what an ingestion job works
 * on. Every write a job makes is guarded by all four fields, so a job that
 * lost a race (newer version, deletion, re-creation) writes nothing visible.
 */
/** A version a queue message names; an undefined incarnation (messages from before incarnations) matches the current one. */
export interface ProcessingTarget {
  tenantId: string;
  documentId: string;
  version: number;
  incarnation: string | undefined;
}

/** A document loaded for processing; `content` is null when it was too long to load with the others. */
export type ProcessingDocument = DocumentRecord & { content: string | null; contentLength: number };

export interface VersionRef {
  tenantId: string;
  documentId: string;
  version: number;
  incarnation: string;
}

/** A recorded group of vectors (see migrations/0005): ids `<prefix(ref)>:<version>:<seq>` for seq < count. */
export interface VectorSet {
  ref: VersionRef;
  count: number;
  /** Bumped before every upsert; a set is dropped only if this is unchanged since it was read. */
  writes: number;
  /** `writes` when its ids were last deleted (null: never): equal means nothing to delete again until the next claim. */
  purgedWrites: number | null;
  /** Its last claim (ISO time). */
  claimedAt: string;
}

/** A document left queued or processing, to be queued again. */
export interface UnfinishedDocument {
  ref: VersionRef;
  status: "queued" | "processing";
  updatedAt: string;
}

export interface ChunkInput {
  id: string;
  seq: number;
  title: string;
  heading: string;
  text: string;
  start: number;
  end: number;
  tokenCount: number;
  /** PDFs: the 1-based pages the chunk starts and ends on; null or absent otherwise. */
  page?: number | null;
  pageEnd?: number | null;
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
  /** PDFs: the pages the chunk starts and ends on (1-based); null for formats without pages. */
  page: number | null;
  pageEnd: number | null;
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
  /** Stores documents (all or none) and reports per document whether it must be queued. Their ids are distinct (callers reject repeats). */
  saveDocuments(tenantId: string, documents: DocumentInput[]): Promise<SaveOutcome[]>;
  getDocument(tenantId: string, id: string): Promise<DocumentRecord | null>;
  listDocuments(tenantId: string, options: { limit: number; after?: string; status?: DocumentStatus }): Promise<ListPage>;
  /**
   * Removes the document and its chunks (keyword index included) in one step.
   * Its vectors stay accounted for by its vector sets, which are now stale:
   * `reconcile` purges them. Null when there was no such document; else the
   * key of the uploaded file it named (the caller deletes that object).
   */
  deleteDocument(tenantId: string, id: string): Promise<{ originalKey: string | null } | null>;

  /**
   * Loads a document for processing `version`, or null when it is gone,
   * superseded or re-created (`incarnation` differs). An undefined
   * incarnation (messages from before incarnations) matches the current one.
   */
  loadForProcessing(tenantId: string, id: string, version: number, incarnation: string | undefined): Promise<(DocumentRecord & { content: string }) | null>;
  /**
   * Starts processing a queue batch's versions in one round trip: each version
   * still queued or processing is marked processing (its attempt counted),
   * then loaded — null when it is gone, superseded or re-created. Content of
   * more than `inlineContentChars` characters is left out (`content: null`;
   * `loadForProcessing` fetches it), so one batch never loads unbounded text.
   */
  startProcessing(targets: readonly ProcessingTarget[], options: { inlineContentChars: number }): Promise<(ProcessingDocument | null)[]>;
  /** Records a failed attempt (error kept) while the document is retried; `status` "queued" while it waits for a provider. */
  recordAttemptError(ref: VersionRef, error: string, status?: "queued" | "processing"): Promise<void>;
  markFailed(ref: VersionRef, error: string): Promise<void>;
  /**
   * Records (or bumps) the vector set of each `ref` before vectors are
   * upserted, and refreshes the document's heartbeat, in one round trip.
   * False for a version that is no longer its document's current one,
   * recording nothing: then nothing of it may be written.
   */
  claimVectorSets(claims: readonly { ref: VersionRef; count: number }[]): Promise<boolean[]>;
  /** Inserts the chunks of each version, skipping ids already present and versions no longer current. */
  insertChunks(items: readonly { ref: VersionRef; chunks: readonly ChunkInput[] }[]): Promise<void>;
  /**
   * Makes each `ref` the version searches see — only if it is still current
   * and exactly `chunkCount` of its chunk rows exist — and deletes older
   * versions' rows in the same step. When `ref` lost (superseded, deleted,
   * re-created), deletes its own rows if they can still exist, never anyone
   * else's. Vectors are left to `reconcile`. One round trip; true per
   * activated version.
   */
  activateVersions(items: readonly { ref: VersionRef; chunkCount: number }[]): Promise<boolean[]>;
  /** Those of `documents` that have a stale vector set with work left (see `staleVectorSets`), in one round trip. */
  documentsWithStaleSets(documents: readonly { tenantId: string; documentId: string }[], options: { claimedBefore: string }): Promise<{ tenantId: string; documentId: string }[]>;

  /**
   * Stale vector sets (not the active or current version of a live
   * document) with work left: ids not deleted since the last claim, or a
   * lease that ran out (`claimedBefore`, ISO time). Within a document every
   * stale set is considered; beyond one, only sets marked stale by the step
   * that made them so — unless `includeUnmarked` (a full audit).
   */
  staleVectorSets(scope: { tenantId?: string; documentId?: string }, limit: number, options: { claimedBefore: string; includeUnmarked?: boolean }): Promise<VectorSet[]>;
  /** The vector set of one version, if recorded, and whether it is live (the active or current version). */
  vectorSet(ref: VersionRef): Promise<(VectorSet & { live: boolean }) | null>;
  /** Records that the set's ids were deleted after its claim `set.writes` (no-op if it was claimed again since). */
  markVectorSetPurged(set: VectorSet): Promise<void>;
  /** Whether `ref` is still the document's current version (same incarnation). */
  isCurrent(ref: VersionRef): Promise<boolean>;
  /**
   * After the set's vectors were deleted: removes its leftover chunk rows (if
   * stale) and the set itself — only if it is stale, nobody claimed it since
   * it was read, and its last claim is older than `claimedBefore` (ISO time):
   * a job that claimed it may still upsert its ids until its lease runs out.
   */
  dropVectorSet(set: VectorSet, claimedBefore: string): Promise<boolean>;

  /** Chunks matching the FTS5 expression, best bm25 first; `filter` (Vectorize syntax, over user metadata and `document_id`) applies inside the query. */
  keywordSearch(tenantId: string, ftsQuery: string, options: { limit: number; filter?: VectorizeVectorMetadataFilter; weights: ColumnWeights }): Promise<KeywordHit[]>;
  /** The visible chunks among `ids`, in the order of `ids`; unknown or stale ids are left out. */
  visibleChunks(tenantId: string, ids: string[]): Promise<VisibleChunk[]>;
  /** Documents queued or processing whose last sign of life is older than `before` (ISO time), oldest first. */
  findUnfinished(before: string, limit: number): Promise<UnfinishedDocument[]>;
  touch(ref: VersionRef): Promise<void>;
  /** Documents of a tenant still queued or processing (the ingestion backlog). */
  backlog(tenantId: string): Promise<number>;
  /** Moves failed documents back to queued (all of the tenant's, or the given ids); returns the refs to enqueue. */
  requeueFailed(tenantId: string, options: { ids?: string[]; limit: number }): Promise<VersionRef[]>;

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
