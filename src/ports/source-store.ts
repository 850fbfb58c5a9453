/**
 * Port: website sources and the pages they found (D1:
 * migrations/0007_website_sources.sql).
 */

export interface SourceSettings {
  url: string;
  sitemap: string | null;
  include: string[];
  exclude: string[];
  maxPages: number;
  maxDepth: number;
  schedule: string | null;
}

/** How the pages of the last sync were found. */
export type DiscoveryMethod = "sitemap" | "links";

/** The stored state: "discovering" (a sync is finding pages), "active" (pages are known), "error" (the last discovery failed). */
export type StoredSourceState = "discovering" | "active" | "error";

export interface SourceRecord extends SourceSettings {
  tenantId: string;
  id: string;
  type: "website";
  state: StoredSourceState;
  error: string | null;
  discovery: DiscoveryMethod | null;
  /** robots.txt as fetched at the last discovery ("" when there was none); null before. */
  robotsTxt: string | null;
  /** Syncs started so far; pages remember the sync that last queued them. */
  syncs: number;
  createdAt: string;
  lastSyncAt: string | null;
  nextSyncAt: string | null;
}

export type PageStatus = "pending" | "fetched" | "unchanged" | "skipped" | "failed";

export interface SourcePage {
  url: string;
  documentId: string;
  depth: number;
  status: PageStatus;
  error: string | null;
  etag: string | null;
  lastModified: string | null;
}

/** Progress figures of a source. */
export interface SourceCounts {
  /** Pages known (found by the sitemap or the crawl, within max_pages). */
  discovered: number;
  /** Pages fetched in the current sync (new content, or unchanged). */
  fetched: number;
  /** Pages still waiting for their fetch. */
  pending: number;
  /** Pages robots.txt or the patterns ruled out. */
  skipped: number;
  /** Pages whose fetch failed, plus documents whose indexing failed. */
  failed: number;
  /** Documents of the source that are ready (searchable). */
  ready: number;
  /** Documents of the source still queued or processing. */
  indexing: number;
}

export interface SourceStore {
  create(source: Omit<SourceRecord, "state" | "error" | "discovery" | "robotsTxt" | "syncs" | "lastSyncAt" | "nextSyncAt">): Promise<void>;
  get(tenantId: string, id: string): Promise<SourceRecord | null>;
  list(tenantId: string): Promise<SourceRecord[]>;
  counts(tenantId: string, ids: string[]): Promise<Map<string, SourceCounts>>;
  /** Marks a sync started (state discovering, syncs + 1, last/next sync times); false when the source is gone. */
  startSync(tenantId: string, id: string, at: Date, next: Date | null): Promise<boolean>;
  /** Records the result of a discovery. */
  finishDiscovery(tenantId: string, id: string, result: { state: "active" | "error"; error?: string | null; discovery?: DiscoveryMethod; robotsTxt?: string }): Promise<void>;
  /**
   * Adds pages (new ones pending; known ones set pending again for this sync)
   * while the source has fewer than `maxPages`; returns the pages that were
   * queued for this sync, in order. Pages already pending or done in this
   * sync are left as they are (a crawl finds the same link many times).
   */
  addPages(tenantId: string, sourceId: string, sync: number, pages: Array<{ url: string; documentId: string; depth: number }>, maxPages: number): Promise<SourcePage[]>;
  /** Every page of the source (at most its max_pages), in the order they were found. */
  pages(tenantId: string, sourceId: string): Promise<SourcePage[]>;
  getPage(tenantId: string, sourceId: string, url: string): Promise<SourcePage | null>;
  updatePage(tenantId: string, sourceId: string, url: string, update: Partial<Pick<SourcePage, "status" | "error" | "etag" | "lastModified">>): Promise<void>;
  /**
   * Reserves `count` fetch slots `intervalMs` apart, the first no sooner than
   * `now` and after every slot reserved before; returns their times (ms).
   */
  reserveFetchSlots(tenantId: string, sourceId: string, count: number, intervalMs: number, now: number): Promise<number[]>;
  /** Sources whose next sync is due at `now`, oldest first. */
  due(now: Date, limit: number): Promise<Array<{ tenantId: string; id: string }>>;
  /** Document ids of the source's pages that no other source of the tenant also has. */
  ownDocumentIds(tenantId: string, sourceId: string): Promise<string[]>;
  /** Removes the source and its page rows; false when it did not exist. */
  delete(tenantId: string, id: string): Promise<boolean>;
}
