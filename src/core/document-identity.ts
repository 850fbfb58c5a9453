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
 * Prefix shared by all chunk ids of one incarnation of one document of one
 * tenant: 24 hex chars of sha-256(tenant, document id, incarnation). Keeps
 * vector ids within Vectorize's 64-byte limit whatever the document id is, and
 * never repeats across incarnations: a document deleted and posted again gets
 * a new incarnation, so a late purge of the old one's vectors cannot touch the
 * new one's. Incarnation "" (documents stored before incarnations existed)
 * gives the ids those documents already have.
 */
export async function chunkIdPrefix(tenantId: string, documentId: string, incarnation: string): Promise<string> {
  const key = incarnation === "" ? `${tenantId}\u0000${documentId}` : `${tenantId}\u0000${documentId}\u0000${incarnation}`;
  return (await sha256Hex(key)).slice(0, 24);
}

/** A fresh incarnation id: 16 hex chars (64 random bits). */
export function newIncarnation(): string {
  return [...crypto.getRandomValues(new Uint8Array(8))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** `<prefix>:<version>:<seq>`, e.g. `3f2a…:2:17`. */
export function chunkId(prefix: string, version: number, seq: number): string {
  return `${prefix}:${version}:${seq}`;
}

/** Ids of chunks 0..count-1 of one version. */
export function chunkIds(prefix: string, version: number, count: number): string[] {
  return Array.from({ length: count }, (_, seq) => chunkId(prefix, version, seq));
}
