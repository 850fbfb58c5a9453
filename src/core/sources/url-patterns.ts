/**
 * Include/exclude patterns of a website source. A pattern is matched against
 * the page URL's path plus query string (`/docs/intro?x=1`), never the host
 * (a source stays on its own origin anyway):
 * - without `*`: a prefix (`/docs` matches `/docs`, `/docs/` and `/docs/a`,
 *   and also `/docs-old`; write `/docs/` to mean the folder);
 * - with `*`: a glob over the whole path, `*` matching within one path
 *   segment (no `/`), `**` matching anything (`/blog/*` matches `/blog/a`
 *   but not `/blog/a/b`; `/blog/**` matches both; `**.pdf` any PDF).
 * A page is taken when it matches at least one include pattern (or there are
 * none) and no exclude pattern. Pure.
 */

/** Whether `pathAndQuery` passes `include` and `exclude`. */
export function matchesPatterns(pathAndQuery: string, include: readonly string[], exclude: readonly string[]): boolean {
  if (include.length > 0 && !include.some((pattern) => matchesPattern(pattern, pathAndQuery))) return false;
  return !exclude.some((pattern) => matchesPattern(pattern, pathAndQuery));
}

/** One pattern (see the module comment) against a path and query. */
export function matchesPattern(pattern: string, pathAndQuery: string): boolean {
  if (!pattern.includes("*")) return pathAndQuery.startsWith(pattern);
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "*") {
      if (pattern[i + 1] === "*") {
        source += ".*";
        i++;
      } else {
        source += "[^/]*";
      }
    } else {
      source += char.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`).test(pathAndQuery);
}
