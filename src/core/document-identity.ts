/**
 * Stable identities derived from content: the hash that decides whether a
 * re-posted document changed, and deterministic chunk ids (which are also the
 * vector ids), so that re-delivering the same queue message rewrites the same
 * rows and vectors instead of adding duplicates.
 */

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export interface HashedDocumentFields {
  content: string;
  title: string | null;
  format: string;
  metadata: Record<string, string | number | boolean>;
  sourceUrl: string | null;
}

/** Hash of everything that affects what gets indexed. Metadata key order does not matter. */
export function contentHash(fields: HashedDocumentFields): Promise<string> {
  const metadata = Object.fromEntries(Object.entries(fields.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return sha256Hex(JSON.stringify([fields.content, fields.title, fields.format, metadata, fields.sourceUrl]));
}

/**
 * Prefix shared by all chunk ids of one document of one tenant: 24 hex chars
 * of sha-256(tenant, document id). Keeps vector ids within Vectorize's
 * 64-byte limit whatever the document id is.
 */
export async function chunkIdPrefix(tenantId: string, documentId: string): Promise<string> {
  return (await sha256Hex(`${tenantId}\u0000${documentId}`)).slice(0, 24);
}

/** `<prefix>:<version>:<seq>`, e.g. `3f2a…:2:17`. */
export function chunkId(prefix: string, version: number, seq: number): string {
  return `${prefix}:${version}:${seq}`;
}

/** Ids of chunks 0..count-1 of one version. */
export function chunkIds(prefix: string, version: number, count: number): string[] {
  return Array.from({ length: count }, (_, seq) => chunkId(prefix, version, seq));
}
