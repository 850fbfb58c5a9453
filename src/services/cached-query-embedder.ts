/**
 * Remembers query embeddings per isolate and per model, so a repeated question
 * (a widget's suggested prompts, a retried request, a chat's follow-up search)
 * costs no embedding call. Only queries are cached, and only answers that
 * arrived: a failure is never remembered. Passages for indexing pass through.
 *
 * The cache lives at module scope, which in Workers means one per isolate,
 * shared by the requests the isolate serves; entries are keyed by the model id
 * (which includes anything that changes the vectors), the caller's scope (the
 * tenant: a cache hit is visible in a search's timings, so tenants never
 * share entries) and the exact text.
 */
import { LruMap } from "../core/lru-map.js";
import type { Embedder, EmbedderInfo } from "../ports/embedder.js";

/** Default number of query embeddings kept per model (≈ 4 KB each at 512 dimensions). */
export const defaultQueryEmbeddingCacheSize = 500;

const isolateCaches = new Map<string, LruMap<string, readonly number[]>>();

function cacheFor(model: string, capacity: number): LruMap<string, readonly number[]> {
  let cache = isolateCaches.get(model);
  if (!cache || cache.capacity !== capacity) {
    cache = new LruMap(capacity);
    isolateCaches.set(model, cache);
  }
  return cache;
}

export class CachedQueryEmbedder implements Embedder {
  private readonly cache: LruMap<string, readonly number[]>;

  constructor(
    private readonly inner: Embedder,
    options: { capacity?: number; cache?: LruMap<string, readonly number[]> } = {},
  ) {
    this.cache = options.cache ?? cacheFor(inner.model, options.capacity ?? defaultQueryEmbeddingCacheSize);
  }

  get model(): string {
    return this.inner.model;
  }

  get maxBatchSize(): number {
    return this.inner.maxBatchSize;
  }

  describe(): Promise<EmbedderInfo> {
    return this.inner.describe();
  }

  embedDocuments(texts: string[]): Promise<number[][]> {
    return this.inner.embedDocuments(texts);
  }

  async embedQuery(text: string, options: { scope?: string } = {}): Promise<number[]> {
    // Per scope (tenant): a hit shows in the response's timings, so one tenant must never learn what another asked.
    const key = `${options.scope ?? ""}\u0000${text}`;
    const cached = this.cache.get(key);
    // A copy: callers may hand the array on, and the cached one must stay as computed.
    if (cached) return [...cached];
    const vector = await this.inner.embedQuery(text);
    this.cache.set(key, Object.freeze([...vector]));
    return vector;
  }
}
