/**
 * What `returnMetadata: "indexed"` returns, and the UTF-8-safe truncation it
 * uses: Vectorize indexes the first 64 bytes of a string property.
 */
import { localVectorizeLimits } from "./limits.js";

/**
 * The top-level string, number and boolean properties of `metadata` (those a
 * metadata index can hold), strings cut to their first 64 bytes on a
 * character boundary, as Vectorize indexes them.
 */
export function indexedView(metadata: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === "string") out[key] = truncateUtf8(value, localVectorizeLimits.indexedStringBytes);
    else if (typeof value === "number" || typeof value === "boolean") out[key] = value;
  }
  return out;
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that does not split a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) return text.slice(0, i);
    bytes += size;
    if (size === 4) i++;
  }
  return text;
}
