import { describe, expect, it } from "vitest";
import { parseSitemap } from "./sitemap.js";

describe("parseSitemap", () => {
  it("reads a urlset with lastmod, entities and CDATA", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://example.com/</loc><lastmod>2026-01-01</lastmod></url>
  <url>
    <loc> https://example.com/a?x=1&amp;y=2 </loc>
  </url>
  <url><loc><![CDATA[https://example.com/b]]></loc></url>
  <url><lastmod>2026-01-01</lastmod></url>
</urlset>`;
    expect(parseSitemap(xml)).toEqual({
      kind: "urlset",
      pages: [{ url: "https://example.com/", lastmod: "2026-01-01" }, { url: "https://example.com/a?x=1&y=2" }, { url: "https://example.com/b" }],
    });
  });

  it("reads a sitemap index, with namespace prefixes", () => {
    const xml = `<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sm:sitemap><sm:loc>https://example.com/s1.xml</sm:loc></sm:sitemap>
  <sm:sitemap><sm:loc>https://example.com/s2.xml.gz</sm:loc></sm:sitemap>
</sm:sitemapindex>`;
    expect(parseSitemap(xml)).toEqual({ kind: "index", sitemaps: ["https://example.com/s1.xml", "https://example.com/s2.xml.gz"] });
  });

  it("calls anything else invalid", () => {
    expect(parseSitemap("<html><body>Not found</body></html>")).toEqual({ kind: "invalid" });
    expect(parseSitemap("")).toEqual({ kind: "invalid" });
  });
});
