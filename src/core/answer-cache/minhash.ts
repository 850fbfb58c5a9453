/**
 * Near-duplicate detection for the answer cache: word shingles, their exact
 * Jaccard similarity, MinHash signatures and locality-sensitive hashing
 * (LSH) bands. Pure and deterministic: the hash functions are derived from a
 * seed, so a signature computed today matches one stored yesterday.
 *
 * How the cache uses it: each entry stores its signature's bands (indexed
 * rows); a lookup computes the question's bands, fetches the few entries that
 * share at least one band, and accepts the best whose exact shingle Jaccard
 * similarity to the question reaches the threshold. With `bands` b of `rows`
 * r hashes, two questions of similarity s share a band with probability
 * 1 − (1 − s^r)^b (b = 20, r = 3: 0.999 at s = 0.7, 0.93 at s = 0.5), so
 * candidates are found without a scan and the exact check decides.
 */

export interface MinHashOptions {
  /** Words per shingle (default 2: word pairs, so word order and each changed word count). */
  shingleSize: number;
  /** Bands of the LSH index (default 20). */
  bands: number;
  /** Hashes per band (default 3); the signature has bands × rows hashes. */
  rows: number;
  /** Seed of the hash functions; changing it invalidates every stored band. */
  seed: number;
}

export const defaultMinHashOptions: MinHashOptions = { shingleSize: 2, bands: 20, rows: 3, seed: 0x5eed_a11c };

/**
 * The word shingles of a normalised question: every run of `size` words. A
 * question shorter than `size` words is one shingle (itself); an empty one has none.
 */
export function wordShingles(normalized: string, size = defaultMinHashOptions.shingleSize): Set<string> {
  const words = normalized.split(" ").filter((word) => word !== "");
  const shingles = new Set<string>();
  if (words.length === 0) return shingles;
  if (words.length <= size) {
    shingles.add(words.join(" "));
    return shingles;
  }
  for (let i = 0; i + size <= words.length; i++) shingles.add(words.slice(i, i + size).join(" "));
  return shingles;
}

/** |A ∩ B| / |A ∪ B|; two empty sets are identical (1). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`, started from `basis`. */
export function fnv1a32(text: string, basis = 0x811c9dc5): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** MurmurHash3's finaliser: a bijective mix of 32 bits. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The salts of the `count` hash functions of `seed` (each function: mix32(shingle hash XOR salt)). */
function salts(seed: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    out[i] = mix32(state);
  }
  return out;
}

/**
 * The MinHash signature of a shingle set: for each of bands × rows seeded
 * hash functions, the smallest hash over the shingles. The share of equal
 * positions in two signatures estimates the sets' Jaccard similarity.
 */
export function minHashSignature(shingles: ReadonlySet<string>, options: MinHashOptions = defaultMinHashOptions): Uint32Array {
  const count = options.bands * options.rows;
  const salt = salts(options.seed, count);
  const signature = new Uint32Array(count).fill(0xffffffff);
  for (const shingle of shingles) {
    const base = fnv1a32(shingle);
    for (let i = 0; i < count; i++) {
      const hash = mix32(base ^ salt[i]!);
      if (hash < signature[i]!) signature[i] = hash;
    }
  }
  return signature;
}

/** The share of equal positions: the MinHash estimate of the Jaccard similarity. */
export function estimatedSimilarity(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let equal = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) equal++;
  return equal / a.length;
}

/** The LSH band keys of a signature: `<band>:<hash of its rows>`, one per band. */
export function lshBands(signature: Uint32Array, options: Pick<MinHashOptions, "bands" | "rows"> = defaultMinHashOptions): string[] {
  const keys: string[] = [];
  for (let band = 0; band < options.bands; band++) {
    const rows = Array.from(signature.subarray(band * options.rows, (band + 1) * options.rows));
    keys.push(`${band}:${fnv1a32(rows.join(",")).toString(16).padStart(8, "0")}`);
  }
  return keys;
}
