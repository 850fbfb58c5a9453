/**
 * The numbered sources an answer is built from. `n` is the number the answer
 * cites as `[n]`; the same list (in the same order, best-ranked first) is sent
 * to the client in the `sources` event and to the generator.
 */

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
}
