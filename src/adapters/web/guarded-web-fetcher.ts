/**
 * The WebFetcher over the runtime's `fetch` (Workers, and Node in tests),
 * with the SSRF guard on every hop: redirects are not followed by `fetch`
 * (`redirect: "manual"`) but here, each target checked again, at most
 * `maxRedirects` hops. Bodies are read up to `maxBytes` (larger: refused),
 * only of the content types the resource kind allows, within `timeoutMs`
 * for the whole fetch. Sitemaps ending in `.gz` (or sent as gzip) are
 * decompressed, up to the same limit. Never throws: failures are results.
 */
import { checkUrl, type UrlGuardOptions } from "../../core/sources/url-guard.js";
import type { WebFetcher, WebFetchOptions, WebFetchResult, WebResourceKind } from "../../ports/web-fetcher.js";

/** The user agent sent, and the name robots.txt groups are matched against. */
export const crawlerAgent = "edge-rag-bot";
export const crawlerUserAgent = `${crawlerAgent}/1.0 (+https://github.com/edge-rag)`;

export interface GuardedWebFetcherOptions extends UrlGuardOptions {
  /** Largest body read (default 5 MiB). */
  maxBytes?: number;
  /** Time for the whole fetch, redirects included (default 15 s). */
  timeoutMs?: number;
  /** Redirect hops followed (default 5). */
  maxRedirects?: number;
  /** The fetch function (default: the global one). */
  fetch?: typeof fetch;
}

const acceptedTypes: Record<WebResourceKind, readonly string[]> = {
  page: ["text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown"],
  sitemap: ["application/xml", "text/xml", "application/x-xml", "text/plain", "application/gzip", "application/x-gzip", "application/octet-stream"],
  robots: ["text/plain"],
};

const acceptHeader: Record<WebResourceKind, string> = {
  page: "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8",
  sitemap: "application/xml,text/xml;q=0.9,*/*;q=0.1",
  robots: "text/plain",
};

export class GuardedWebFetcher implements WebFetcher {
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;

  constructor(private readonly options: GuardedWebFetcherOptions = {}) {
    this.maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxRedirects = options.maxRedirects ?? 5;
  }

  async fetch(start: string, options: WebFetchOptions): Promise<WebFetchResult> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const doFetch = this.options.fetch ?? fetch;
    let url = start;
    try {
      for (let hop = 0; ; hop++) {
        const verdict = checkUrl(url, this.options);
        if (!verdict.ok) return { kind: "error", url, reason: hop === 0 ? `URL not allowed: ${verdict.reason}` : `redirect target not allowed: ${verdict.reason}`, permanent: true };
        const headers: Record<string, string> = { "user-agent": crawlerUserAgent, accept: acceptHeader[options.kind] };
        if (hop === 0 && options.etag) headers["if-none-match"] = options.etag;
        if (hop === 0 && options.lastModified) headers["if-modified-since"] = options.lastModified;
        const response = await doFetch(verdict.url.href, { headers, redirect: "manual", signal });
        if (response.status >= 300 && response.status < 400 && response.status !== 304) {
          await response.body?.cancel();
          const location = response.headers.get("location");
          if (!location) return { kind: "error", url, status: response.status, reason: `redirect (${response.status}) without a Location`, permanent: true };
          if (hop >= this.maxRedirects) return { kind: "error", url, status: response.status, reason: `more than ${this.maxRedirects} redirects`, permanent: true };
          url = new URL(location, verdict.url).href;
          continue;
        }
        if (response.status === 304) {
          await response.body?.cancel();
          return { kind: "not-modified", url };
        }
        if (!response.ok) {
          await response.body?.cancel();
          const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
          return { kind: "error", url, status: response.status, reason: `HTTP ${response.status}`, permanent };
        }
        const contentType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
        const gzipped = options.kind === "sitemap" && (contentType.includes("gzip") || new URL(url).pathname.endsWith(".gz"));
        if (!acceptedTypes[options.kind].includes(contentType) && !(options.kind === "sitemap" && gzipped) && !(contentType === "" && options.kind !== "page")) {
          await response.body?.cancel();
          return { kind: "error", url, status: response.status, reason: `content type "${contentType || "(none)"}" is not accepted for a ${options.kind}`, permanent: true };
        }
        const bytes = await this.readLimited(response.body, gzipped);
        if (bytes === null) return { kind: "error", url, status: response.status, reason: `larger than ${this.maxBytes} bytes`, permanent: true };
        return {
          kind: "ok",
          url,
          contentType: gzipped ? "application/xml" : contentType,
          body: new TextDecoder().decode(bytes),
          etag: response.headers.get("etag"),
          lastModified: response.headers.get("last-modified"),
        };
      }
    } catch (error) {
      const timedOut = signal.aborted;
      return { kind: "error", url, reason: timedOut ? `timed out after ${this.timeoutMs} ms` : `fetch failed: ${error instanceof Error ? error.message : String(error)}`, permanent: false };
    }
  }

  /** The body's bytes (gunzipped when asked), or null past `maxBytes`. */
  private async readLimited(body: ReadableStream<Uint8Array> | null, gunzip: boolean): Promise<Uint8Array | null> {
    if (!body) return new Uint8Array();
    const stream = gunzip ? body.pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>) : body;
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.maxBytes) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
    const out = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
}
