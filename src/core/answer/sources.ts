/**
 * The numbered sources an answer is built from. `n` is the number the answer
 * cites as `[n]`; the same list (in the same order, best-ranked first) is sent
 * to the client in the `sources` event and to the generator.
 */

import type { ResultScoring } from "../search/result-scoring.js";

export interface NumberedSource {
  /** Citation number, 1-based, unique within one answer. */
  n: number;
  document_id: string;
  chunk_id: string;
  title: string;
  text: string;
  source_url?: string;
  /** Heading path of the chunk inside its document, when known. */
  heading?: string;
  /** PDFs: the page the passage starts on and the page it ends on (1-based). */
  page?: number;
  page_end?: number;
  /** How retrieval ranked it (each leg's rank and score, fused and rerank scores). */
  scoring?: ResultScoring;
  /** Plain text around the question's words and where they are in it (core/search/snippet.ts); the generator reads `text`. */
  snippet?: string;
  snippet_highlights?: [number, number][];
}
