/**
 * The SSRF guard for website sources: decides whether the service may fetch
 * a URL a client gave it (a start page, a sitemap, a link found on a page, a
 * redirect target). Pure: it looks at the URL only.
 *
 * Refused: schemes other than http(s); credentials in the URL; ports other
 * than 80/443; hosts that are `localhost`, `*.localhost`, `*.internal`,
 * `*.local`, `*.home.arpa` or a bare name without a dot; IP literals in
 * private, loopback, link-local, unique-local, CGNAT, multicast, reserved,
 * documentation, benchmarking or unspecified ranges, and IPv6 addresses that
 * embed such an IPv4 address (IPv4-mapped, -compatible, NAT64, 6to4).
 * Numeric IPv4 tricks (`http://2130706433/`, `http://0x7f.1/`,
 * `http://0177.0.0.1/`) are normalised by the WHATWG URL parser to dotted
 * form before the check, so they are caught like `127.0.0.1`.
 *
 * What it cannot do: resolve names. A public-looking name whose DNS record
 * points at a private address passes here (Workers have no DNS API). See
 * README "Websites and sitemaps" for what that means in production and
 * locally. `allowPrivate` (SOURCES_ALLOW_PRIVATE_HOSTS) turns the host and
 * port checks off, for testing against a site on your own machine; scheme
 * and credential checks stay.
 */

export interface UrlGuardOptions {
  /** Allow private/loopback hosts and any port (local testing only). */
  allowPrivate?: boolean;
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

const allowedPorts = new Set(["", "80", "443"]);

/** Checks `raw` (absolute, or relative to `base`) against the guard's rules. */
export function checkUrl(raw: string, options: UrlGuardOptions = {}, base?: string | URL): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return { ok: false, reason: "not a valid absolute URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, reason: `scheme "${url.protocol.slice(0, -1)}" is not allowed (http and https only)` };
  if (url.username !== "" || url.password !== "") return { ok: false, reason: "URLs with credentials are not allowed" };
  if (options.allowPrivate) return { ok: true, url };
  if (!allowedPorts.has(url.port)) return { ok: false, reason: `port ${url.port} is not allowed (80 and 443 only)` };
  const host = url.hostname.toLowerCase();
  const refused = refusedHost(host);
  return refused ? { ok: false, reason: refused } : { ok: true, url };
}

/** Why `host` (a URL's hostname, as the URL parser normalised it) is refused, or null. */
export function refusedHost(host: string): string | null {
  if (host === "") return "the URL has no host";
  if (host.startsWith("[")) {
    const address = parseIpv6(host.slice(1, -1));
    if (!address) return "not a valid IPv6 address";
    const range = privateIpv6Range(address);
    return range ? `the address is ${range}` : null;
  }
  const ipv4 = parseDottedIpv4(host);
  if (ipv4 !== null) {
    const range = privateIpv4Range(ipv4);
    return range ? `the address is ${range}` : null;
  }
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name === "localhost" || name.endsWith(".localhost")) return "localhost is not allowed";
  for (const suffix of [".internal", ".local", ".localdomain", ".home.arpa", ".intranet", ".lan", ".corp"]) {
    if (name.endsWith(suffix) || name === suffix.slice(1)) return `hosts under "${suffix.slice(1)}" are not allowed`;
  }
  if (!name.includes(".")) return "hosts without a dot (intranet names) are not allowed";
  // A last label of digits only would be an IPv4 address the parser did not accept.
  if (/^(?:0x[0-9a-f]*|\d+)$/i.test(name.slice(name.lastIndexOf(".") + 1))) return "not a valid IPv4 address";
  return null;
}

/** `a.b.c.d` with each part 0–255 (the URL parser's output form) as a 32-bit number, else null. */
export function parseDottedIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

const ipv4Ranges: Array<[string, number, string]> = [
  ["0.0.0.0", 8, "unspecified (0.0.0.0/8)"],
  ["10.0.0.0", 8, "private (10.0.0.0/8)"],
  ["100.64.0.0", 10, "carrier-grade NAT (100.64.0.0/10)"],
  ["127.0.0.0", 8, "loopback (127.0.0.0/8)"],
  ["169.254.0.0", 16, "link-local (169.254.0.0/16)"],
  ["172.16.0.0", 12, "private (172.16.0.0/12)"],
  ["192.0.0.0", 24, "IETF protocol assignments (192.0.0.0/24)"],
  ["192.0.2.0", 24, "documentation (192.0.2.0/24)"],
  ["192.88.99.0", 24, "6to4 relay anycast (192.88.99.0/24)"],
  ["192.168.0.0", 16, "private (192.168.0.0/16)"],
  ["198.18.0.0", 15, "benchmarking (198.18.0.0/15)"],
  ["198.51.100.0", 24, "documentation (198.51.100.0/24)"],
  ["203.0.113.0", 24, "documentation (203.0.113.0/24)"],
  ["224.0.0.0", 4, "multicast (224.0.0.0/4)"],
  ["240.0.0.0", 4, "reserved (240.0.0.0/4, incl. broadcast)"],
];

/** The name of the non-public range `address` falls in, or null for a public address. */
export function privateIpv4Range(address: number): string | null {
  for (const [base, bits, name] of ipv4Ranges) {
    const size = 2 ** (32 - bits);
    const start = parseDottedIpv4(base)!;
    if (address >= start && address < start + size) return name;
  }
  return null;
}

/** Eight 16-bit groups, or null. Accepts `::` compression and a trailing dotted IPv4 part; a zone id is refused. */
export function parseIpv6(text: string): number[] | null {
  if (text.includes("%")) return null;
  const lastColon = text.lastIndexOf(":");
  if (lastColon < 0) return null;
  let head = text;
  const tail: number[] = [];
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseDottedIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail.push(Math.floor(v4 / 65536), v4 % 65536);
    const before = text.slice(0, lastColon + 1);
    head = before.endsWith("::") ? before : text.slice(0, lastColon);
  }
  const groupsOf = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const group of part.split(":")) {
      if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
      out.push(parseInt(group, 16));
    }
    return out;
  };
  const wanted = 8 - tail.length;
  const pieces = head.split("::");
  if (pieces.length > 2) return null;
  if (pieces.length === 2) {
    const left = groupsOf(pieces[0]!);
    const right = groupsOf(pieces[1]!);
    if (!left || !right || left.length + right.length > wanted - 1) return null;
    return [...left, ...new Array<number>(wanted - left.length - right.length).fill(0), ...right, ...tail];
  }
  const all = groupsOf(head);
  return all && all.length === wanted ? [...all, ...tail] : null;
}

/** The name of the non-public range of an IPv6 address (eight groups), or null. */
export function privateIpv6Range(groups: number[]): string | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const embedded = (hi: number, lo: number) => privateIpv4Range(hi * 65536 + lo);
  if (groups.every((g) => g === 0)) return "unspecified (::)";
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0 && g7 === 1) return "loopback (::1)";
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || g5 === 0)) {
    // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) forms.
    const range = embedded(g6, g7);
    return range ? `an IPv4-mapped address that is ${range}` : null;
  }
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) {
    const range = embedded(g6, g7);
    return range ? `an IPv4-translated address that is ${range}` : null;
  }
  if (g0 === 0x64 && g1 === 0xff9b) {
    // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48).
    if (g2 === 1) return "NAT64 local-use (64:ff9b:1::/48)";
    const range = embedded(g6, g7);
    return range ? `a NAT64 address that is ${range}` : null;
  }
  if (g0 === 0x2002) {
    const range = embedded(g1, g2);
    return range ? `a 6to4 address that is ${range}` : null;
  }
  if (g0 === 0x2001 && g1 === 0x0db8) return "documentation (2001:db8::/32)";
  if (g0 === 0x2001 && g1 === 0) return "Teredo (2001::/32)";
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return "discard-only (100::/64)";
  if ((g0 & 0xfe00) === 0xfc00) return "unique-local (fc00::/7)";
  if ((g0 & 0xffc0) === 0xfe80) return "link-local (fe80::/10)";
  if ((g0 & 0xffc0) === 0xfec0) return "site-local (fec0::/10)";
  if ((g0 & 0xff00) === 0xff00) return "multicast (ff00::/8)";
  if (g0 < 0x2000 || g0 > 0x3fff) return "not global unicast (outside 2000::/3)";
  return null;
}
