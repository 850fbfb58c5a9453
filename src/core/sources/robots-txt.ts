/**
 * robots.txt (RFC 9309), the parts a polite crawler needs: the group for our
 * user agent (our own name if a group names it, else `*`), its Allow and
 * Disallow rules with `*` and `$` wildcards decided by the longest match
 * (Allow wins a tie), `Crawl-delay` and the `Sitemap:` lines. Pure.
 */

export interface RobotsRules {
  /** Rules of the group that applies to us, in file order. */
  rules: Array<{ allow: boolean; pattern: string }>;
  /** Seconds between requests the site asks for, if it does. */
  crawlDelay?: number;
  /** Sitemap URLs the file lists (any group). */
  sitemaps: string[];
}

/** Everything allowed (no robots.txt, or a 4xx for it). */
export const allowAll: RobotsRules = { rules: [], sitemaps: [] };
/** Nothing allowed (robots.txt unreachable: a 5xx or a network failure). */
export const disallowAll: RobotsRules = { rules: [{ allow: false, pattern: "/" }], sitemaps: [] };

interface Group {
  agents: string[];
  rules: Array<{ allow: boolean; pattern: string }>;
  crawlDelay?: number;
}

/** Parses robots.txt for `agent` (a product token such as "edge-rag-bot"; matched case-insensitively). */
export function parseRobotsTxt(text: string, agent: string): RobotsRules {
  const groups: Group[] = [];
  const sitemaps: string[] = [];
  let current: Group | null = null;
  let lastWasAgent = false;
  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    const line = rawLine.replace(/#.*$/, "").trim();
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "user-agent") {
      if (!current || !lastWasAgent) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      lastWasAgent = true;
      continue;
    }
    lastWasAgent = false;
    if (key === "sitemap") {
      if (value) sitemaps.push(value);
    } else if (!current) {
      continue;
    } else if (key === "allow" || key === "disallow") {
      // An empty Disallow allows everything: it adds no rule.
      if (value) current.rules.push({ allow: key === "allow", pattern: value });
    } else if (key === "crawl-delay") {
      const seconds = Number(value);
      if (Number.isFinite(seconds) && seconds >= 0) current.crawlDelay = seconds;
    }
  }
  const name = agent.toLowerCase();
  const own = groups.filter((group) => group.agents.some((a) => a !== "*" && name.startsWith(a)));
  const chosen = own.length > 0 ? own : groups.filter((group) => group.agents.includes("*"));
  const crawlDelays = chosen.map((group) => group.crawlDelay).filter((delay): delay is number => delay !== undefined);
  return {
    rules: chosen.flatMap((group) => group.rules),
    ...(crawlDelays.length > 0 ? { crawlDelay: Math.max(...crawlDelays) } : {}),
    sitemaps,
  };
}

/** Whether `pathAndQuery` (a URL's pathname + search) may be fetched under `robots`. `/robots.txt` itself always may. */
export function isAllowedByRobots(robots: RobotsRules, pathAndQuery: string): boolean {
  if (pathAndQuery === "/robots.txt") return true;
  let best: { allow: boolean; length: number } | null = null;
  for (const rule of robots.rules) {
    if (!matchesRule(rule.pattern, pathAndQuery)) continue;
    const length = rule.pattern.length;
    if (!best || length > best.length || (length === best.length && rule.allow && !best.allow)) best = { allow: rule.allow, length };
  }
  return best ? best.allow : true;
}

/** A robots.txt path pattern (`*` any characters, `$` end) against a path; percent-encoding is compared as written. */
function matchesRule(pattern: string, path: string): boolean {
  const anchored = pattern.endsWith("$");
  const body = anchored ? pattern.slice(0, -1) : pattern;
  const source = body
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}${anchored ? "$" : ""}`).test(path);
}
