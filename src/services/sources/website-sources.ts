/**
 * Website sources: a site whose pages become documents, found through its
 * sitemap or by following its links, fetched politely, and synced again on
 * a schedule.
 *
 * - create / sync: the source is stored, a sync started (state
 *   "discovering") and one `source-discover` message queued; the request
 *   never fetches anything itself.
 * - discover (queue): robots.txt first (4xx: no rules; 5xx or unreachable:
 *   retried, then the sync fails); then the sitemap the client named, else
 *   `<origin>/sitemap.xml` and the `Sitemap:` lines of robots.txt (a sitemap
 *   index is followed one level; `.gz` sitemaps are read). Without a sitemap
 *   the start page is the only page, and its links are followed as it is
 *   fetched, up to `max_depth` hops (a re-sync of such a source also
 *   re-queues every page it knew). Pages are kept when they are on the
 *   start page's origin, pass the SSRF guard, the include/exclude patterns
 *   (core/sources/url-patterns.ts) and robots.txt, up to `max_pages`.
 * - one `source-page` message per page, spaced by `delaySeconds` so the
 *   source's site sees at most `fetchesPerSecond` fetches a second (or one
 *   per robots.txt `Crawl-delay`): slots are reserved in D1 in one statement,
 *   so concurrent consumers never share a slot.
 * - page (queue): a conditional GET (If-None-Match / If-Modified-Since from
 *   the last fetch): 304 leaves the document alone; a body is converted to
 *   markdown (the HTML parser of core/parsing) and submitted through the
 *   DocumentService (stored before queued) with a document id derived from
 *   the URL (core/sources/page-identity.ts) and `source_url`; identical
 *   content is "unchanged" there and not indexed again.
 * - delete: the documents of the source's pages (unless another source of
 *   the tenant also has the page) and then the source.
 */
import { AppError } from "../../core/errors.js";
import { parseDocument, type DocumentFormat } from "../../core/parsing/parse-document.js";
import { extractLinks } from "../../core/sources/page-links.js";
import { canonicalPageUrl, pageDocumentId, pathAndQuery } from "../../core/sources/page-identity.js";
import { allowAll, isAllowedByRobots, parseRobotsTxt, type RobotsRules } from "../../core/sources/robots-txt.js";
import { parseSitemap } from "../../core/sources/sitemap.js";
import { nextSyncAt } from "../../core/sources/sync-schedule.js";
import { matchesPatterns } from "../../core/sources/url-patterns.js";
import { checkUrl } from "../../core/sources/url-guard.js";
import type { IngestMessage, IngestQueue } from "../../ports/ingest-queue.js";
import type { SourceCounts, SourcePage, SourceRecord, SourceStore } from "../../ports/source-store.js";
import type { WebFetcher } from "../../ports/web-fetcher.js";
import type { DocumentService } from "../document-service.js";
import type { MessageDecision } from "../ingest/ingest-processor.js";
import type { Logger } from "../logger.js";

export type SourceMessage = Extract<IngestMessage, { kind: "source-discover" | "source-page" }>;

export interface WebsiteSourceInput {
  url: string;
  sitemap?: string;
  include?: string[];
  exclude?: string[];
  max_pages?: number;
  max_depth?: number;
  schedule?: string | null;
}

export interface WebsiteSourcesOptions {
  /** SOURCES_ALLOW_PRIVATE_HOSTS: let the guard pass loopback/private hosts and any port (local testing). */
  allowPrivateHosts: boolean;
  /** SOURCES_MAX_PAGES: the largest `max_pages` a source may ask for. */
  maxPagesCeiling: number;
  /** SOURCES_FETCHES_PER_SECOND: fetches per second per source. */
  fetchesPerSecond: number;
  /** The robots.txt product token. */
  agent: string;
}

/** `max_pages` when the client does not say. */
export const defaultMaxPages = 100;
/** Link hops from the start page a crawl follows when the client does not say. */
export const defaultMaxDepth = 2;
/** Child sitemaps of a sitemap index read per sync. */
const maxChildSitemaps = 50;
/** Delivery attempts before a transient fetch failure counts as a failure. */
const maxFetchAttempts = 3;
/** A sync still "discovering" after this long may be started again. */
const staleDiscoveryMs = 10 * 60_000;
/** Due sources started per scheduled run. */
const dueSyncsPerRun = 50;
/** Longest page URL kept (the API's `source_url` limit). */
const maxUrlLength = 2048;

/** A source as the API shows it. */
export interface SourceView {
  id: string;
  type: "website";
  url: string;
  sitemap: string | null;
  include: string[];
  exclude: string[];
  max_pages: number;
  max_depth: number;
  schedule: string | null;
  status: "discovering" | "syncing" | "idle" | "error";
  error: string | null;
  discovery: "sitemap" | "links" | null;
  discovered: number;
  pending: number;
  fetched: number;
  skipped: number;
  indexing: number;
  ready: number;
  failed: number;
  created_at: string;
  last_sync_at: string | null;
  next_sync_at: string | null;
}

export class WebsiteSources {
  constructor(
    private readonly deps: {
      store: SourceStore;
      fetcher: WebFetcher;
      documents: DocumentService;
      queue: IngestQueue;
      log: Logger;
      options: WebsiteSourcesOptions;
    },
  ) {}

  /** Stores a source and starts its first sync. 400 URL_NOT_ALLOWED for a URL the SSRF guard refuses. */
  async create(tenantId: string, input: WebsiteSourceInput): Promise<SourceView> {
    const { options } = this.deps;
    const url = this.allowed(input.url, "url");
    const sitemap = input.sitemap === undefined ? null : this.allowed(input.sitemap, "sitemap");
    const maxPages = input.max_pages ?? Math.min(defaultMaxPages, options.maxPagesCeiling);
    if (maxPages > options.maxPagesCeiling) throw new AppError("VALIDATION_FAILED", `max_pages may be at most ${options.maxPagesCeiling} (SOURCES_MAX_PAGES)`);
    const id = `src_${randomHex(8)}`;
    const now = new Date();
    await this.deps.store.create({
      tenantId,
      id,
      type: "website",
      url,
      sitemap,
      include: input.include ?? [],
      exclude: input.exclude ?? [],
      maxPages,
      maxDepth: input.max_depth ?? defaultMaxDepth,
      schedule: input.schedule ?? null,
      createdAt: now.toISOString(),
    });
    await this.startSync(tenantId, id, now);
    return this.get(tenantId, id);
  }

  async list(tenantId: string): Promise<SourceView[]> {
    const sources = await this.deps.store.list(tenantId);
    const counts = await this.deps.store.counts(tenantId, sources.map((source) => source.id));
    return sources.map((source) => toView(source, counts.get(source.id)!));
  }

  async get(tenantId: string, id: string): Promise<SourceView> {
    const source = await this.deps.store.get(tenantId, id);
    if (!source) throw notFound(id);
    const counts = await this.deps.store.counts(tenantId, [id]);
    return toView(source, counts.get(id)!);
  }

  /** Starts a sync now (409 while one is still discovering pages). */
  async sync(tenantId: string, id: string): Promise<SourceView> {
    const source = await this.deps.store.get(tenantId, id);
    if (!source) throw notFound(id);
    const now = new Date();
    if (source.state === "discovering" && source.lastSyncAt && now.getTime() - Date.parse(source.lastSyncAt) < staleDiscoveryMs) {
      throw new AppError("CONFLICT", `source "${id}" is still discovering its pages; try again when its status is no longer "discovering"`);
    }
    await this.startSync(tenantId, id, now);
    return this.get(tenantId, id);
  }

  /** Deletes the source and its documents; the number of documents deleted. */
  async delete(tenantId: string, id: string): Promise<{ documents: number }> {
    const source = await this.deps.store.get(tenantId, id);
    if (!source) throw notFound(id);
    let deleted = 0;
    for (const documentId of await this.deps.store.ownDocumentIds(tenantId, id)) {
      try {
        await this.deps.documents.delete(tenantId, documentId);
        deleted += 1;
      } catch (error) {
        if (!(error instanceof AppError && error.code === "NOT_FOUND")) throw error;
      }
    }
    await this.deps.store.delete(tenantId, id);
    this.deps.log.info("sources.deleted", { tenant_id: tenantId, source_id: id, documents: deleted });
    return { documents: deleted };
  }

  /** Starts the syncs that are due (the scheduled handler); how many started. */
  async startDueSyncs(now = new Date()): Promise<number> {
    const due = await this.deps.store.due(now, dueSyncsPerRun);
    for (const source of due) await this.startSync(source.tenantId, source.id, now);
    if (due.length > 0) this.deps.log.info("sources.scheduled_syncs", { sources: due.length });
    return due.length;
  }

  /** A `source-discover` or `source-page` message: ack, or retry later. */
  async handle(body: SourceMessage, attempts: number): Promise<MessageDecision> {
    return body.kind === "source-discover" ? this.discover(body, attempts) : this.fetchPage(body, attempts);
  }

  /** The queue gave up on a message (dead-letter queue): record the failure. */
  async deadLetter(body: SourceMessage): Promise<void> {
    if (body.kind === "source-discover") {
      await this.deps.store.finishDiscovery(body.tenant_id, body.source_id, { state: "error", error: "discovery gave up after repeated failures" });
    } else {
      await this.deps.store.updatePage(body.tenant_id, body.source_id, body.url, { status: "failed", error: "gave up after repeated failures" });
    }
  }

  private allowed(raw: string, field: string): string {
    const verdict = checkUrl(raw, { allowPrivate: this.deps.options.allowPrivateHosts });
    if (!verdict.ok) throw new AppError("URL_NOT_ALLOWED", `${field}: ${verdict.reason}`);
    return canonicalPageUrl(verdict.url.href)!;
  }

  private async startSync(tenantId: string, id: string, now: Date): Promise<void> {
    const source = await this.deps.store.get(tenantId, id);
    if (!source) return;
    if (!(await this.deps.store.startSync(tenantId, id, now, nextSyncAt(source.schedule, now)))) return;
    const message: SourceMessage = { kind: "source-discover", tenant_id: tenantId, source_id: id, sync: source.syncs + 1 };
    try {
      await this.deps.queue.send([message]);
    } catch (error) {
      await this.deps.store.finishDiscovery(tenantId, id, { state: "error", error: "the sync could not be queued; start it again" });
      throw new AppError("UPSTREAM_UNAVAILABLE", "the sync could not be queued; retry", { cause: error });
    }
  }

  private async discover(body: Extract<SourceMessage, { kind: "source-discover" }>, attempts: number): Promise<MessageDecision> {
    const { store, fetcher, log } = this.deps;
    const source = await store.get(body.tenant_id, body.source_id);
    if (!source || source.syncs !== body.sync) return { action: "ack" };
    const origin = new URL(source.url).origin;

    const robotsResult = await fetcher.fetch(`${origin}/robots.txt`, { kind: "robots" });
    let robotsTxt = "";
    if (robotsResult.kind === "ok") robotsTxt = robotsResult.body;
    else if (robotsResult.kind === "error" && !(robotsResult.status !== undefined && robotsResult.status >= 400 && robotsResult.status < 500)) {
      // RFC 9309: an unreachable robots.txt means "disallow everything" — wait, then give up on this sync.
      if (attempts < maxFetchAttempts) return { action: "retry", delaySeconds: 30 * attempts };
      await store.finishDiscovery(source.tenantId, source.id, { state: "error", error: `robots.txt could not be read (${robotsResult.reason}); nothing was fetched` });
      return { action: "ack" };
    }
    const robots = parseRobotsTxt(robotsTxt, this.deps.options.agent);

    const named = source.sitemap !== null;
    const sitemapUrls = named ? [source.sitemap!] : unique([`${origin}/sitemap.xml`, ...robots.sitemaps]);
    const found = await this.readSitemaps(sitemapUrls, source);
    if (named && found.error) {
      await store.finishDiscovery(source.tenantId, source.id, { state: "error", error: found.error, robotsTxt });
      return { action: "ack" };
    }

    let pages: Array<{ url: string; depth: number }>;
    let discovery: "sitemap" | "links";
    if (found.urls.length > 0 || found.read) {
      discovery = "sitemap";
      pages = found.urls.map((url) => ({ url, depth: 0 }));
    } else {
      discovery = "links";
      // The start page, and on a re-sync every page the crawl found before.
      pages = [{ url: source.url, depth: 0 }];
      if (!this.admits(source, robots, source.url)) {
        await store.finishDiscovery(source.tenantId, source.id, { state: "error", error: "robots.txt or the include/exclude patterns rule out the start page", robotsTxt, discovery });
        return { action: "ack" };
      }
    }
    const kept = pages.filter((page) => this.admits(source, robots, page.url));
    await store.addPages(source.tenantId, source.id, source.syncs, await withIds(kept.slice(0, source.maxPages)), source.maxPages);
    if (discovery === "links") {
      const known = await this.knownPages(source);
      await store.addPages(source.tenantId, source.id, source.syncs, known.filter((page) => this.admits(source, robots, page.url)), source.maxPages);
    }
    const queued = await this.pendingPages(source);
    await store.finishDiscovery(source.tenantId, source.id, { state: "active", discovery, robotsTxt });
    await this.enqueuePages(source, robots, queued);
    log.info("sources.discovered", { tenant_id: source.tenantId, source_id: source.id, discovery, pages: queued.length, sync: source.syncs });
    return { action: "ack" };
  }

  /** Page URLs from the sitemaps (an index followed one level), canonical, in order, without duplicates. */
  private async readSitemaps(urls: string[], source: SourceRecord): Promise<{ urls: string[]; read: boolean; error?: string }> {
    const pages: string[] = [];
    const seen = new Set<string>();
    let read = false;
    let error: string | undefined;
    const limit = source.maxPages * 4;
    const readOne = async (url: string, level: number): Promise<void> => {
      if (pages.length >= limit) return;
      const result = await this.deps.fetcher.fetch(url, { kind: "sitemap" });
      if (result.kind !== "ok") {
        error ??= `sitemap ${url}: ${result.kind === "error" ? result.reason : "not modified"}`;
        return;
      }
      const parsed = parseSitemap(result.body);
      if (parsed.kind === "invalid") {
        error ??= `sitemap ${url}: not a sitemap (no <urlset> or <sitemapindex>)`;
        return;
      }
      read = true;
      if (parsed.kind === "index") {
        if (level > 0) return;
        for (const child of parsed.sitemaps.slice(0, maxChildSitemaps)) {
          const verdict = checkUrl(child, { allowPrivate: this.deps.options.allowPrivateHosts }, url);
          if (verdict.ok) await readOne(verdict.url.href, level + 1);
        }
        return;
      }
      for (const page of parsed.pages) {
        const canonical = canonicalPageUrl(page.url, url);
        if (canonical && !seen.has(canonical)) {
          seen.add(canonical);
          pages.push(canonical);
        }
      }
    };
    for (const url of urls) await readOne(url, 0);
    return { urls: pages, read, ...(error && !read ? { error } : {}) };
  }

  private async fetchPage(body: Extract<SourceMessage, { kind: "source-page" }>, attempts: number): Promise<MessageDecision> {
    const { store, fetcher, log } = this.deps;
    const source = await store.get(body.tenant_id, body.source_id);
    // A deleted source, or a newer sync that queued the page again.
    if (!source || source.syncs !== body.sync) return { action: "ack" };
    const page = await store.getPage(source.tenantId, source.id, body.url);
    if (!page || page.status !== "pending") return { action: "ack" };
    const robots = parseRobotsTxt(source.robotsTxt ?? "", this.deps.options.agent);
    if (!isAllowedByRobots(robots, pathAndQuery(page.url))) {
      await store.updatePage(source.tenantId, source.id, page.url, { status: "skipped", error: "disallowed by robots.txt" });
      return { action: "ack" };
    }

    const result = await fetcher.fetch(page.url, { kind: "page", etag: page.etag, lastModified: page.lastModified });
    if (result.kind === "not-modified") {
      await store.updatePage(source.tenantId, source.id, page.url, { status: "unchanged", error: null });
      return { action: "ack" };
    }
    if (result.kind === "error") {
      if (!result.permanent && attempts < maxFetchAttempts) return { action: "retry", delaySeconds: 10 * attempts };
      await store.updatePage(source.tenantId, source.id, page.url, { status: "failed", error: result.reason });
      log.warn("sources.page_failed", { tenant_id: source.tenantId, source_id: source.id, status: result.status, reason: result.reason });
      return { action: "ack" };
    }

    const format: DocumentFormat = result.contentType === "text/plain" ? "text" : result.contentType.includes("markdown") ? "markdown" : "html";
    const parsed = parseDocument(result.body, format);
    const content = format === "html" ? parsed.text : result.body;
    if (parsed.text.trim() === "") {
      await store.updatePage(source.tenantId, source.id, page.url, { status: "failed", error: "the page has no text" });
      return { action: "ack" };
    }
    const title = parsed.title?.replace(/[\u0000-\u001f\u007f]/g, " ").slice(0, 1024);
    let status: "fetched" | "unchanged";
    try {
      const [outcome] = await this.deps.documents.submit(source.tenantId, [
        {
          id: page.documentId,
          ...(title ? { title } : {}),
          content,
          format: format === "html" ? "markdown" : format,
          source_url: page.url,
          metadata: { source_id: source.id },
        },
      ]);
      status = outcome!.status === "unchanged" ? "unchanged" : "fetched";
    } catch (error) {
      if (attempts < maxFetchAttempts + 2) {
        const retryAfter = error instanceof AppError ? error.retryAfterSeconds : undefined;
        return { action: "retry", delaySeconds: Math.max(10 * attempts, retryAfter ?? 0) };
      }
      await store.updatePage(source.tenantId, source.id, page.url, { status: "failed", error: `could not be stored: ${error instanceof Error ? error.message : String(error)}` });
      return { action: "ack" };
    }
    await store.updatePage(source.tenantId, source.id, page.url, { status, error: null, etag: result.etag, lastModified: result.lastModified });

    if (source.discovery === "links" && format === "html" && page.depth < source.maxDepth) {
      const links = extractLinks(result.body, result.url).filter((url) => this.admits(source, robots, url));
      const added = await store.addPages(source.tenantId, source.id, source.syncs, await withIds(links.map((url) => ({ url, depth: page.depth + 1 }))), source.maxPages);
      await this.enqueuePages(source, robots, added);
    }
    return { action: "ack" };
  }

  /** Same origin as the start page, allowed by the guard, patterns and robots.txt. */
  private admits(source: SourceRecord, robots: RobotsRules, url: string): boolean {
    return this.admitsUrl(source, url) && isAllowedByRobots(robots, pathAndQuery(url));
  }

  private admitsUrl(source: SourceRecord, url: string): boolean {
    if (url.length > maxUrlLength) return false;
    if (new URL(url).origin !== new URL(source.url).origin) return false;
    if (!checkUrl(url, { allowPrivate: this.deps.options.allowPrivateHosts }).ok) return false;
    return matchesPatterns(pathAndQuery(url), source.include, source.exclude);
  }

  private async knownPages(source: SourceRecord): Promise<Array<{ url: string; documentId: string; depth: number }>> {
    return (await this.deps.store.pages(source.tenantId, source.id)).map((page) => ({ url: page.url, documentId: page.documentId, depth: page.depth }));
  }

  private async pendingPages(source: SourceRecord): Promise<SourcePage[]> {
    return (await this.deps.store.pages(source.tenantId, source.id)).filter((page) => page.status === "pending");
  }

  /** Queues one `source-page` message per page, spaced by the source's rate (see the module comment). */
  private async enqueuePages(source: SourceRecord, robots: RobotsRules, pages: SourcePage[]): Promise<void> {
    if (pages.length === 0) return;
    const intervalMs = Math.max(Math.ceil(1000 / this.deps.options.fetchesPerSecond), Math.ceil((robots.crawlDelay ?? 0) * 1000));
    const now = Date.now();
    const slots = await this.deps.store.reserveFetchSlots(source.tenantId, source.id, pages.length, intervalMs, now);
    const byDelay = new Map<number, SourceMessage[]>();
    pages.forEach((page, i) => {
      const delaySeconds = Math.max(0, Math.floor((slots[i]! - now) / 1000));
      const message: SourceMessage = { kind: "source-page", tenant_id: source.tenantId, source_id: source.id, url: page.url, sync: source.syncs };
      byDelay.set(delaySeconds, [...(byDelay.get(delaySeconds) ?? []), message]);
    });
    for (const [delaySeconds, messages] of byDelay) await this.deps.queue.send(messages, delaySeconds > 0 ? { delaySeconds } : {});
  }
}

async function withIds(pages: Array<{ url: string; depth: number }>): Promise<Array<{ url: string; documentId: string; depth: number }>> {
  return Promise.all(pages.map(async (page) => ({ ...page, documentId: await pageDocumentId(page.url) })));
}

function toView(source: SourceRecord, counts: SourceCounts): SourceView {
  const status: SourceView["status"] =
    source.state === "discovering" ? "discovering" : source.state === "error" ? "error" : counts.pending > 0 || counts.indexing > 0 ? "syncing" : "idle";
  return {
    id: source.id,
    type: source.type,
    url: source.url,
    sitemap: source.sitemap,
    include: source.include,
    exclude: source.exclude,
    max_pages: source.maxPages,
    max_depth: source.maxDepth,
    schedule: source.schedule,
    status,
    error: source.error,
    discovery: source.discovery,
    discovered: counts.discovered,
    pending: counts.pending,
    fetched: counts.fetched,
    skipped: counts.skipped,
    indexing: counts.indexing,
    ready: counts.ready,
    failed: counts.failed,
    created_at: source.createdAt,
    last_sync_at: source.lastSyncAt,
    next_sync_at: source.nextSyncAt,
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `source "${id.slice(0, 64)}" does not exist`);
}
