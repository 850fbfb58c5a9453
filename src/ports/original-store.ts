/**
 * Port: where uploaded files (originals) are kept, so a document posted as a
 * file can be parsed and re-chunked without the client. One implementation
 * (R2, `adapters/cloudflare/r2-original-store.ts`), used in both modes
 * because Miniflare provides R2 locally.
 *
 * Keys are `<tenant>/<document>/<upload id>.<ext>` (see `originalKey`): one
 * object per upload, so an object is never overwritten, and everything of a
 * tenant sits under `<tenant>/`.
 */

export interface OriginalFacts {
  tenantId: string;
  documentId: string;
  filename: string;
  /** The media type it is served with (R2 httpMetadata). */
  contentType: string;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
}

export interface OriginalStore {
  /** Stores the bytes under `key`. Throws when they could not be stored. */
  put(key: string, bytes: Uint8Array, facts: OriginalFacts): Promise<void>;
  /** The bytes under `key`, or null when there is no such object. */
  get(key: string): Promise<Uint8Array | null>;
  /** Deletes these objects (missing ones are no error). */
  delete(keys: readonly string[]): Promise<void>;
  /** Deletes up to `limit` objects whose key starts with `prefix`; `more` when some may remain. */
  deletePrefix(prefix: string, limit: number): Promise<{ deleted: number; more: boolean }>;
}

/** The key of a new upload of a document: unique per upload. */
export function originalKey(tenantId: string, documentId: string, extension: string): string {
  return `${tenantPrefix(tenantId)}${documentId}/${crypto.randomUUID()}.${extension}`;
}

/** Where all of a tenant's originals are (tenant ids hold no `/`). */
export function tenantPrefix(tenantId: string): string {
  return `${tenantId}/`;
}
