import { describe, expect, it } from "vitest";
import { digestsEqual, generateKey, hashKey, originAllowed, parseKey, redactKey, validOriginEntry } from "./api-keys.js";

describe("key strings", () => {
  it("generates distinct secret and publishable keys whose id parses back", () => {
    const secret = generateKey(false);
    const publishable = generateKey(true);
    expect(secret.key).toMatch(/^sk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(publishable.key).toMatch(/^pk_/);
    expect(parseKey(secret.key)).toEqual({ kind: "secret", id: secret.id });
    expect(parseKey(publishable.key)).toEqual({ kind: "publishable", id: publishable.id });
    expect(generateKey(false).key).not.toBe(secret.key);
  });

  it.each(["", "local-dev-key", "sk_xyz_abc", `sk_${"0".repeat(16)}_short`, `xk_${"0".repeat(16)}_${"a".repeat(43)}`, `sk_${"0".repeat(16)}_${"a".repeat(43)} `])(
    "rejects %j",
    (key) => {
      expect(parseKey(key)).toBeNull();
    },
  );

  it("hashes with SHA-256 and compares digests", async () => {
    const digest = await hashKey("abc");
    expect(digest).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(digestsEqual(digest, await hashKey("abc"))).toBe(true);
    expect(digestsEqual(digest, await hashKey("abd"))).toBe(false);
    expect(digestsEqual(digest, digest.slice(1))).toBe(false);
  });

  it("redacts keys for logs", () => {
    const { key } = generateKey(false);
    expect(redactKey(key)).toBe(`${key.slice(0, 9)}…`);
    expect(redactKey("something-else")).toBe("[redacted]");
  });
});

describe("originAllowed", () => {
  const allowed = ["https://shop.example.com", "https://*.docs.example.org", "http://localhost:3000"];

  it.each([
    ["https://shop.example.com", true],
    ["https://a.docs.example.org", true],
    ["https://a.b.docs.example.org", true],
    ["http://localhost:3000", true],
    ["https://docs.example.org", false], // the apex is not a subdomain
    ["http://a.docs.example.org", false], // scheme must match
    ["https://shop.example.com:8443", false],
    ["https://evil-shop.example.com", false],
    ["https://shop.example.com.evil.net", false],
    ["https://xdocs.example.org", false],
    ["http://localhost:3001", false],
    ["null", false],
    ["", false],
    [undefined, false],
    ["https://shop.example.com/path", false],
  ])("%s → %s", (origin, expected) => {
    expect(originAllowed(origin, allowed)).toBe(expected);
  });

  it("never treats * as allow-all", () => {
    expect(originAllowed("https://a.com", ["*"])).toBe(false);
  });
});

describe("validOriginEntry", () => {
  it.each([
    ["https://example.com", true],
    ["http://localhost:8787", true],
    ["https://*.example.com", true],
    ["https://*.example.com:8443", true],
    ["*", false],
    ["https://*", false],
    ["https://*.com", false],
    ["https://example.com/", false],
    ["ftp://example.com", false],
    ["example.com", false],
    ["https://a.*.example.com", false],
  ])("%s → %s", (entry, expected) => {
    expect(validOriginEntry(entry)).toBe(expected);
  });
});
