/**
 * Sitemaps (sitemaps.org protocol): a `<urlset>` lists pages (`<url><loc>`,
 * with an optional `<lastmod>`), a `<sitemapindex>` lists further sitemaps
 * (`<sitemap><loc>`). Read with a tolerant scan of the tags rather than a
 * full XML parser: namespaces prefixes, CDATA and the five XML entities are
 * handled; anything else in the file is ignored. Pure.
 */

export type ParsedSitemap =
  | { kind: "urlset"; pages: Array<{ url: string; lastmod?: string }> }
  | { kind: "index"; sitemaps: string[] }
  | { kind: "invalid" };

/** Reads a sitemap document. Text that is neither a urlset nor a sitemap index is "invalid". */
export function parseSitemap(xml: string): ParsedSitemap {
  const root = /<(?:[\w-]+:)?(urlset|sitemapindex)[\s>]/i.exec(xml);
  if (!root) return { kind: "invalid" };
  if (root[1]!.toLowerCase() === "sitemapindex") {
    return { kind: "index", sitemaps: elements(xml, "sitemap").map((entry) => firstText(entry, "loc")).filter((loc): loc is string => !!loc) };
  }
  const pages: Array<{ url: string; lastmod?: string }> = [];
  for (const entry of elements(xml, "url")) {
    const url = firstText(entry, "loc");
    if (!url) continue;
    const lastmod = firstText(entry, "lastmod");
    pages.push(lastmod ? { url, lastmod } : { url });
  }
  return { kind: "urlset", pages };
}

/** The inner XML of every `<name>` element (any namespace prefix). */
function elements(xml: string, name: string): string[] {
  const pattern = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${name}\\s*>`, "gi");
  return [...xml.matchAll(pattern)].map((match) => match[1]!);
}

function firstText(xml: string, name: string): string | undefined {
  const inner = elements(xml, name)[0];
  if (inner === undefined) return undefined;
  const text = decodeXmlText(inner).trim();
  return text || undefined;
}

function decodeXmlText(text: string): string {
  return text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, "$1")
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
