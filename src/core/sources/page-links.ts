/**
 * The links of an HTML page that a crawl may follow: `<a href>` and
 * `<area href>` resolved against the page URL (or its `<base href>`),
 * fragments removed, `rel="nofollow"` skipped, http(s) only, in document
 * order without duplicates. Whether a link stays on the site is the
 * caller's decision. Pure (htmlparser2, as core/parsing uses).
 */
import { Parser } from "htmlparser2";
import { canonicalPageUrl } from "./page-identity.js";

/** Absolute, canonical link URLs of `html`, fetched from `pageUrl`. */
export function extractLinks(html: string, pageUrl: string): string[] {
  const hrefs: string[] = [];
  let base = pageUrl;
  let sawBase = false;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === "base" && !sawBase && attributes.href) {
          sawBase = true;
          try {
            base = new URL(attributes.href, pageUrl).href;
          } catch {
            // An unusable <base> is ignored.
          }
        } else if ((name === "a" || name === "area") && attributes.href !== undefined) {
          if (/(?:^|\s)nofollow(?:\s|$)/i.test(attributes.rel ?? "")) return;
          hrefs.push(attributes.href);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  const seen = new Set<string>();
  const links: string[] = [];
  for (const href of hrefs) {
    const url = canonicalPageUrl(href.trim(), base);
    if (url && !seen.has(url)) {
      seen.add(url);
      links.push(url);
    }
  }
  return links;
}
