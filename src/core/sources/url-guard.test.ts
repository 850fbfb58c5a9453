import { describe, expect, it } from "vitest";
import { checkUrl, parseIpv6, privateIpv6Range } from "./url-guard.js";

const refused: Array<[string, RegExp]> = [
  ["ftp://example.com/", /scheme/],
  ["file:///etc/passwd", /scheme/],
  ["javascript:alert(1)", /scheme/],
  ["data:text/html,hi", /scheme/],
  ["gopher://example.com/", /scheme/],
  ["http://user:pass@example.com/", /credentials/],
  ["http://user@example.com/", /credentials/],
  ["http://example.com:8080/", /port 8080/],
  ["https://example.com:22/", /port 22/],
  ["http://localhost/", /localhost/],
  ["http://LOCALHOST./", /localhost/],
  ["http://app.localhost/", /localhost/],
  ["http://metadata.google.internal/", /internal/],
  ["http://printer.local/", /local/],
  ["http://router.home.arpa/", /home\.arpa/],
  ["http://wiki/", /without a dot/],
  ["http://intranet/", /intranet/],
  ["http://127.0.0.1/", /loopback/],
  ["http://127.1.2.3/", /loopback/],
  ["http://2130706433/", /loopback/],
  ["http://0x7f.1/", /loopback/],
  ["http://0x7f000001/", /loopback/],
  ["http://0177.0.0.1/", /loopback/],
  ["http://017700000001/", /loopback/],
  ["http://127.000.000.001/", /loopback/],
  ["http://0/", /unspecified/],
  ["http://0.0.0.0/", /unspecified/],
  ["http://10.0.0.1/", /private/],
  ["http://10.255.255.255/", /private/],
  ["http://172.16.0.1/", /private/],
  ["http://172.31.255.254/", /private/],
  ["http://192.168.1.1/", /private/],
  ["http://0xc0.0xa8.1.1/", /private/],
  ["http://3232235777/", /private/],
  ["http://100.64.0.1/", /carrier-grade NAT/],
  ["http://100.127.255.255/", /carrier-grade NAT/],
  ["http://169.254.169.254/latest/meta-data/", /link-local/],
  ["http://224.0.0.1/", /multicast/],
  ["http://239.255.255.250/", /multicast/],
  ["http://255.255.255.255/", /reserved/],
  ["http://240.0.0.1/", /reserved/],
  ["http://192.0.2.1/", /documentation/],
  ["http://198.18.0.1/", /benchmarking/],
  ["http://[::1]/", /loopback/],
  ["http://[0:0:0:0:0:0:0:1]/", /loopback/],
  ["http://[::]/", /unspecified/],
  ["http://[::ffff:127.0.0.1]/", /IPv4-mapped.*loopback/],
  ["http://[::ffff:7f00:1]/", /IPv4-mapped.*loopback/],
  ["http://[::ffff:10.0.0.1]/", /IPv4-mapped.*private/],
  ["http://[::ffff:169.254.169.254]/", /IPv4-mapped.*link-local/],
  ["http://[::127.0.0.1]/", /loopback/],
  ["http://[64:ff9b::10.0.0.1]/", /NAT64.*private/],
  ["http://[2002:7f00:1::]/", /6to4.*loopback/],
  ["http://[fc00::1]/", /unique-local/],
  ["http://[fd12:3456::1]/", /unique-local/],
  ["http://[fe80::1]/", /link-local/],
  ["http://[febf::1]/", /link-local/],
  ["http://[ff02::1]/", /multicast/],
  ["http://[2001:db8::1]/", /documentation/],
  ["http://1.2.3.4.5/", /not a valid/],
  ["not a url", /not a valid/],
  ["/relative/path", /not a valid/],
  ["http://example.123/", /not a valid/],
];

const allowed = [
  "https://example.com/",
  "http://example.com/docs?x=1#top",
  "https://example.com:443/",
  "http://example.com:80/",
  "https://sub.example.co.uk/path",
  "http://8.8.8.8/",
  "http://1.1.1.1/",
  "http://172.32.0.1/",
  "http://100.128.0.1/",
  "http://[2606:4700:4700::1111]/",
  "http://[::ffff:8.8.8.8]/",
  "https://xn--bcher-kva.example/",
];

describe("checkUrl (SSRF guard)", () => {
  it.each(refused)("refuses %s", (url, reason) => {
    const verdict = checkUrl(url);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });

  it.each(allowed)("allows %s", (url) => {
    expect(checkUrl(url)).toMatchObject({ ok: true });
  });

  it("allowPrivate lets loopback and other ports through, but never other schemes or credentials", () => {
    expect(checkUrl("http://127.0.0.1:8123/", { allowPrivate: true })).toMatchObject({ ok: true });
    expect(checkUrl("http://localhost:3000/", { allowPrivate: true })).toMatchObject({ ok: true });
    expect(checkUrl("file:///etc/passwd", { allowPrivate: true }).ok).toBe(false);
    expect(checkUrl("http://a:b@127.0.0.1/", { allowPrivate: true }).ok).toBe(false);
  });

  it("resolves relative URLs against a base and checks the result", () => {
    expect(checkUrl("/next", {}, "https://example.com/a")).toMatchObject({ ok: true });
    expect(checkUrl("//127.0.0.1/", {}, "https://example.com/a").ok).toBe(false);
  });
});

describe("parseIpv6", () => {
  it("expands compressed forms and embedded IPv4", () => {
    expect(parseIpv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6("fe80::")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIpv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("rejects malformed addresses and zone ids", () => {
    for (const text of ["1:2:3", "1::2::3", "fe80::1%eth0", "12345::", "1:2:3:4:5:6:7:8:9", "::1.2.3"]) expect(parseIpv6(text)).toBeNull();
  });

  it("classifies only 2000::/3 outside the special ranges as public", () => {
    expect(privateIpv6Range(parseIpv6("2a00:1450::1")!)).toBeNull();
    expect(privateIpv6Range(parseIpv6("4000::1")!)).toMatch(/not global unicast/);
  });
});
