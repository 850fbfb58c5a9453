/**
 * An Embedder that undoes shouting (core/text/casing.ts) in every text before
 * a cased model sees it: queries and passages alike, so "HOW DO I GET A
 * REFUND?" and a heading written in capitals embed like their lower-case
 * forms. The composition root puts it outermost, above the query-embedding
 * cache, so the cache is keyed by the normalised text and a question in
 * capitals shares its entry with the same question in lower case.
 *
 * Only all-caps text changes, so an index built before keeps its other
 * vectors as they were; the model id (what the index records) is unchanged.
 * `describe()`, `model` and `maxBatchSize` pass through.
 */
import { normalizeAllCaps } from "../core/text/casing.js";
import type { Embedder, EmbedderInfo } from "../ports/embedder.js";

export class CaseNormalizingEmbedder implements Embedder {
  constructor(private readonly inner: Embedder) {}

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
    return this.inner.embedDocuments(texts.map(normalizeAllCaps));
  }

  embedQuery(text: string, options?: { scope?: string }): Promise<number[]> {
    return this.inner.embedQuery(normalizeAllCaps(text), options);
  }
}
