/**
 * The client address per-IP limits count by, from the `CF-Connecting-IP`
 * header (set by Cloudflare's edge; absent in local mode). IPv4 counts per
 * address. IPv6 counts per /64: one subscriber usually holds a whole /64 and
 * could otherwise take a fresh address, and a fresh limit, for every request.
 * Anything missing or unparseable is one shared "unknown" address.
 */

export const unknownAddress = "unknown";

export function clientAddressKey(header: string | null | undefined): string {
  const raw = header?.trim() ?? "";
  if (raw === "") return unknownAddress;
  const v4 = ipv4(raw);
  if (v4 !== null) return v4;
  const groups = ipv6Groups(raw);
  if (groups === null) return unknownAddress;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 client itself.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

function ipv4(text: string): string | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return null;
  return parts.map(Number).join(".");
}

/** The eight 16-bit groups of an IPv6 address, or null. Accepts `::` and a dotted IPv4 tail; drops a zone (`%eth0`). */
function ipv6Groups(text: string): number[] | null {
  let address = text.toLowerCase().replace(/^\[|\]$/g, "");
  const zone = address.indexOf("%");
  if (zone >= 0) address = address.slice(0, zone);
  if (!/^[0-9a-f:.]+$/.test(address) || !address.includes(":")) return null;

  let tail: number[] = [];
  const lastColon = address.lastIndexOf(":");
  const last = address.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = ipv4(last);
    if (v4 === null) return null;
    const [a, b, c, d] = v4.split(".").map(Number) as [number, number, number, number];
    tail = [(a << 8) | b, (c << 8) | d];
    const prefix = address.slice(0, lastColon + 1);
    address = prefix.endsWith("::") ? prefix : prefix.slice(0, -1);
  }

  const halves = address.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const groups = part.split(":");
    if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return null;
    return groups.map((group) => parseInt(group, 16));
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || rest === null) return null;
  const explicit = head.length + rest.length + tail.length;
  if (halves.length === 1) return explicit === 8 ? [...head, ...tail] : null;
  if (explicit > 7) return null;
  return [...head, ...new Array<number>(8 - explicit).fill(0), ...rest, ...tail];
}
