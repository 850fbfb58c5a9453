/**
 * API key strings and scopes. A key looks like `sk_<id>_<secret>` (secret
 * keys) or `pk_<id>_<secret>` (publishable widget keys): the id is public and
 * finds the stored record, the secret is 32 random bytes, and only the
 * SHA-256 of the whole string is stored.
 */
import { sha256Hex } from "./document-identity.js";

export const scopes = ["admin", "ingest", "query", "publishable"] as const;
export type Scope = (typeof scopes)[number];

export interface ParsedKey {
  kind: "secret" | "publishable";
  id: string;
}

const keyPattern = /^(sk|pk)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** Reads the id out of a key string, or null when it is not one of ours. */
export function parseKey(key: string): ParsedKey | null {
  const match = keyPattern.exec(key);
  if (!match) return null;
  return { kind: match[1] === "pk" ? "publishable" : "secret", id: `key_${match[2]}` };
}

/** A new key: its id (for the record) and the string shown to the user once. */
export function generateKey(publishable: boolean): { id: string; key: string } {
  const idBytes = crypto.getRandomValues(new Uint8Array(8));
  const hexId = [...idBytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  const secret = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { id: `key_${hexId}`, key: `${publishable ? "pk" : "sk"}_${hexId}_${secret}` };
}

export function hashKey(key: string): Promise<string> {
  return sha256Hex(key);
}

/** Compares two equal-length hex digests without an early exit. */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** Short, non-secret form of a key for logs: `sk_1a2b3c…`. */
export function redactKey(key: string): string {
  const parsed = parseKey(key);
  return parsed ? `${key.slice(0, 9)}…` : "[redacted]";
}

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Whether `origin` (an Origin header) is allowed by a publishable key's list.
 * Entries are exact origins (`https://shop.example.com`, scheme and port
 * included) or subdomain patterns (`https://*.example.com`, which matches
 * `https://a.example.com` and `https://a.b.example.com` but not
 * `https://example.com`). There is no `*`.
 */
export function originAllowed(origin: string | null | undefined, allowed: readonly string[]): boolean {
  if (!origin || origin === "null") return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin !== origin) return false; // a path, credentials or trailing dot: not an origin
  return allowed.some((entry) => {
    const wildcard = /^(https?):\/\/\*\.(.+)$/.exec(entry);
    if (!wildcard) return entry === origin;
    const [, scheme, suffix] = wildcard;
    const port = parsed.port ? `:${parsed.port}` : "";
    const host = `${parsed.hostname}${port}`;
    return parsed.protocol === `${scheme}:` && host.endsWith(`.${suffix}`) && host.length > suffix!.length + 1;
  });
}

/** Validates an allowlist entry: an exact http(s) origin or `scheme://*.domain[:port]`. */
export function validOriginEntry(entry: string): boolean {
  const wildcard = /^(https?):\/\/\*\.([a-z0-9-]+(\.[a-z0-9-]+)+)(:\d{1,5})?$/i.exec(entry);
  if (wildcard) return true;
  try {
    const url = new URL(entry);
    const hostname = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(url.hostname) || /^\[[0-9a-f:.]+\]$/i.test(url.hostname);
    return (url.protocol === "https:" || url.protocol === "http:") && hostname && url.origin === entry;
  } catch {
    return false;
  }
}
