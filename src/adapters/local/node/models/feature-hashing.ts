/**
 * `@local/feature-hashing-512`: a deterministic feature-hashing embedder for
 * speed tests and as a lexical baseline. It is NOT a semantic model: texts
 * are close only when they share words or word pairs, so synonyms and
 * paraphrases do not match. Use it to measure the rest of the pipeline
 * (queue, D1, vector index, HTTP) with embedding cost close to zero, or as a
 * "bag of words" floor in quality comparisons.
 *
 * Features: lower-cased word unigrams (runs of letters and digits) and
 * bigrams of consecutive words, each counted once per occurrence. Each
 * feature is hashed with 32-bit MurmurHash3 (fixed seed) over its UTF-16 code
 * units; the low 9 bits pick one of 512 dimensions and the top bit the sign
 * (+1 or −1), so collisions cancel out on average instead of piling up. The
 * vector is L2-normalised; a text without any word embeds as the zero vector.
 * Pure computation, no weights, no I/O: the same text gives the same vector
 * in every process and on every machine.
 */
import type { LocalEmbeddingModel } from "./embedding-model.js";

export const featureHashingId = "@local/feature-hashing-512";
export const featureHashingDimensions = 512;
/** Fixed seed: changing it changes every vector (and needs a new index). */
export const featureHashingSeed = 0x5eed_0512;

const wordPattern = /[\p{L}\p{N}]+/gu;

/** MurmurHash3 (x86, 32-bit) over the UTF-16 code units of `text`, two bytes per unit. */
export function murmurHash3(text: string, seed: number): number {
  let h = seed >>> 0;
  const length = text.length;
  let i = 0;
  // Two code units make one 32-bit block.
  for (; i + 1 < length; i += 2) {
    let k = (text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < length) {
    let k = text.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= length * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Embeds one text: hashed unigram and bigram counts with signs, L2-normalised. */
export function featureHashingVector(text: string, dimensions = featureHashingDimensions, seed = featureHashingSeed): Float64Array {
  if (!Number.isInteger(dimensions) || dimensions < 1 || (dimensions & (dimensions - 1)) !== 0) {
    throw new RangeError(`dimensions must be a power of two, got ${dimensions}`);
  }
  const mask = dimensions - 1;
  const vector = new Float64Array(dimensions);
  const add = (feature: string) => {
    const hash = murmurHash3(feature, seed);
    vector[hash & mask]! += hash & 0x8000_0000 ? -1 : 1;
  };
  let previous: string | undefined;
  for (const match of text.matchAll(wordPattern)) {
    const word = match[0].toLowerCase();
    add(word);
    // The space cannot occur inside a word, so a bigram never equals a unigram.
    if (previous !== undefined) add(`${previous} ${word}`);
    previous = word;
  }
  let norm = 0;
  for (let j = 0; j < dimensions; j++) norm += vector[j]! * vector[j]!;
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let j = 0; j < dimensions; j++) vector[j]! *= scale;
  }
  return vector;
}

/** The registry entry: 512 dimensions, synchronous, no loading. */
export function createFeatureHashingEmbedder(): LocalEmbeddingModel {
  return {
    id: featureHashingId,
    dimensions: featureHashingDimensions,
    // Words are lower-cased before hashing.
    caseSensitive: false,
    async embed(texts) {
      return texts.map((text) => Array.from(featureHashingVector(text)));
    },
  };
}
