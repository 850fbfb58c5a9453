import { describe, expect, it } from "vitest";
import { matchesPattern, matchesPatterns } from "./url-patterns.js";

describe("include/exclude patterns", () => {
  it.each([
    ["/docs", "/docs", true],
    ["/docs", "/docs/a/b", true],
    ["/docs", "/docs-old", true],
    ["/docs/", "/docs-old", false],
    ["/docs/", "/blog", false],
    ["/blog/*", "/blog/a", true],
    ["/blog/*", "/blog/a/b", false],
    ["/blog/**", "/blog/a/b", true],
    ["**.pdf", "/files/x.pdf", true],
    ["**.pdf", "/files/x.pdf.html", false],
    ["/a.b*", "/aXb", false],
    ["/search?*", "/search?q=1", true],
  ])("%s against %s is %s", (pattern, path, expected) => {
    expect(matchesPattern(pattern, path)).toBe(expected);
  });

  it("needs one include (when there are any) and no exclude", () => {
    expect(matchesPatterns("/docs/a", [], [])).toBe(true);
    expect(matchesPatterns("/docs/a", ["/docs/"], [])).toBe(true);
    expect(matchesPatterns("/blog/a", ["/docs/"], [])).toBe(false);
    expect(matchesPatterns("/docs/private/a", ["/docs/"], ["/docs/private"])).toBe(false);
  });
});
