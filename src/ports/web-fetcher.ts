/**
 * Port: fetching web pages, sitemaps and robots.txt for website sources. The
 * implementation (adapters/web/guarded-web-fetcher.ts) applies the SSRF guard
 * to every hop, limits size, content type and time; tests use it against a
 * real local HTTP server.
 */

/** What is being fetched: decides the accepted content types. */
export type WebResourceKind = "page" | "sitemap" | "robots";

export interface WebFetchOptions {
  kind: WebResourceKind;
  /** Conditional request: the page's ETag from the last fetch. */
  etag?: string | null;
  /** Conditional request: its Last-Modified from the last fetch. */
  lastModified?: string | null;
}

export type WebFetchResult =
  | {
      kind: "ok";
      /** The URL the body came from (after redirects). */
      url: string;
      /** The media type without parameters, lowercased ("text/html"). */
      contentType: string;
      body: string;
      etag: string | null;
      lastModified: string | null;
    }
  /** 304: unchanged since the validators sent. */
  | { kind: "not-modified"; url: string }
  /**
   * Anything else: an HTTP status other than 2xx/304 (`status`), a refused
   * URL or redirect, a wrong content type, too large, a timeout, a network
   * error. `permanent`: retrying soon will not help (4xx, refused, too large).
   */
  | { kind: "error"; url: string; status?: number; reason: string; permanent: boolean };

export interface WebFetcher {
  fetch(url: string, options: WebFetchOptions): Promise<WebFetchResult>;
}
