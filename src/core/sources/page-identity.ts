/**
 * How a web page is named: its canonical URL (one spelling per page) and the
 * id of the document it becomes, derived from that URL so re-syncs update
 * the same document. Pure.
 */

/**
 * The canonical form of a page URL: absolute (resolved against `base`),
 * http(s) only, no fragment, no credentials; the URL parser already lowers
 * the host and drops default ports. Null for anything else.
 */
export function canonicalPageUrl(raw: string, base?: string): string | null {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  url.hash = "";
  url.username = "";
  url.password = "";
  return url.href;
}

/** Longest readable part of a page's document id. */
const maxSlugLength = 80;

/**
 * The document id of a page: `web-<slug>-<hash>`, where the slug is the
 * host and path in lowercase letters, digits and dashes (cut to 80
 * characters) and the hash is the first 12 hex digits of the SHA-256 of the
 * canonical URL — stable across syncs, distinct for distinct URLs (the slug
 * alone is not), and within the API's id rules (≤ 128 characters of
 * `[A-Za-z0-9._:@~+=-]`).
 */
export async function pageDocumentId(canonicalUrl: string): Promise<string> {
  const url = new URL(canonicalUrl);
  const slug = `${url.hostname}${url.pathname}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, maxSlugLength)
    .replace(/-+$/, "");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalUrl)));
  const hash = [...digest.slice(0, 6)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `web-${slug || "page"}-${hash}`;
}

/** The path and query of a URL, what robots.txt rules and include/exclude patterns are matched against. */
export function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
