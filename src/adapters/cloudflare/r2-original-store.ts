/**
 * Uploaded files in R2 (the ORIGINALS bucket). Used in both modes: Miniflare
 * provides R2 locally. Objects carry their media type and, as custom
 * metadata, the tenant, document, file name and SHA-256 (which R2 also
 * checks on upload), so an object found without a row can be traced.
 */
import type { OriginalFacts, OriginalStore } from "../../ports/original-store.js";

/** Keys per R2 `delete` and per `list` page (R2's own maxima). */
const maxKeysPerCall = 1000;

export class R2OriginalStore implements OriginalStore {
  constructor(private readonly bucket: R2Bucket) {}

  async put(key: string, bytes: Uint8Array, facts: OriginalFacts): Promise<void> {
    await this.bucket.put(key, bytes, {
      httpMetadata: { contentType: facts.contentType },
      customMetadata: { tenant_id: facts.tenantId, document_id: facts.documentId, filename: facts.filename, sha256: facts.sha256 },
      sha256: facts.sha256,
    });
  }

  async get(key: string): Promise<Uint8Array | null> {
    const object = await this.bucket.get(key);
    return object ? new Uint8Array(await object.arrayBuffer()) : null;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += maxKeysPerCall) await this.bucket.delete(keys.slice(start, start + maxKeysPerCall));
  }

  async deletePrefix(prefix: string, limit: number): Promise<{ deleted: number; more: boolean }> {
    const listed = await this.bucket.list({ prefix, limit: Math.max(1, Math.min(limit, maxKeysPerCall)) });
    const keys = listed.objects.map((object) => object.key);
    if (keys.length > 0) await this.bucket.delete(keys);
    return { deleted: keys.length, more: listed.truncated };
  }
}
