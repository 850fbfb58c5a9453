import { describe, expect, it } from "vitest";
import { isAllowedByRobots, parseRobotsTxt } from "./robots-txt.js";

const file = `
# comments are ignored
User-agent: *
Disallow: /private/
Allow: /private/public-note
Disallow: /*.pdf$
Crawl-delay: 2

User-agent: other-bot
Disallow: /

Sitemap: https://example.com/sitemap.xml
sitemap: https://example.com/news-sitemap.xml
`;

describe("parseRobotsTxt / isAllowedByRobots", () => {
  const star = parseRobotsTxt(file, "edge-rag-bot");

  it("applies the * group when no group names us", () => {
    expect(isAllowedByRobots(star, "/")).toBe(true);
    expect(isAllowedByRobots(star, "/docs/intro")).toBe(true);
    expect(isAllowedByRobots(star, "/private/secret")).toBe(false);
    expect(star.crawlDelay).toBe(2);
  });

  it("decides by the longest match, Allow winning a tie", () => {
    expect(isAllowedByRobots(star, "/private/public-note")).toBe(true);
    const tie = parseRobotsTxt("User-agent: *\nDisallow: /a\nAllow: /a\n", "x");
    expect(isAllowedByRobots(tie, "/a/b")).toBe(true);
  });

  it("understands * and $ wildcards", () => {
    expect(isAllowedByRobots(star, "/files/report.pdf")).toBe(false);
    expect(isAllowedByRobots(star, "/files/report.pdf?download=1")).toBe(true);
  });

  it("uses our own group when one names us, case-insensitively, and only it", () => {
    const own = parseRobotsTxt("User-agent: *\nDisallow: /\n\nUser-agent: Edge-RAG-Bot\nDisallow: /drafts\n", "edge-rag-bot");
    expect(isAllowedByRobots(own, "/docs")).toBe(true);
    expect(isAllowedByRobots(own, "/drafts/1")).toBe(false);
    const other = parseRobotsTxt(file, "other-bot");
    expect(isAllowedByRobots(other, "/docs")).toBe(false);
  });

  it("groups several User-agent lines together", () => {
    const rules = parseRobotsTxt("User-agent: a\nUser-agent: edge-rag-bot\nDisallow: /x\n", "edge-rag-bot");
    expect(isAllowedByRobots(rules, "/x")).toBe(false);
  });

  it("collects Sitemap lines from anywhere", () => {
    expect(star.sitemaps).toEqual(["https://example.com/sitemap.xml", "https://example.com/news-sitemap.xml"]);
  });

  it("treats an empty Disallow and an empty file as allow-all, and always allows /robots.txt", () => {
    expect(isAllowedByRobots(parseRobotsTxt("User-agent: *\nDisallow:\n", "x"), "/anything")).toBe(true);
    expect(isAllowedByRobots(parseRobotsTxt("", "x"), "/anything")).toBe(true);
    expect(isAllowedByRobots(parseRobotsTxt("User-agent: *\nDisallow: /\n", "x"), "/robots.txt")).toBe(true);
  });

  it("ignores rules before any User-agent line and CRLF line ends are fine", () => {
    const rules = parseRobotsTxt("Disallow: /a\r\nUser-agent: *\r\nDisallow: /b\r\n", "x");
    expect(isAllowedByRobots(rules, "/a")).toBe(true);
    expect(isAllowedByRobots(rules, "/b")).toBe(false);
  });
});
