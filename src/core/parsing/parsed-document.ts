/**
 * What parsing produces, whatever the format: normalised text, its heading
 * sections (the chunker keeps chunks inside them and labels chunks with
 * them) and, for paged formats (PDF), where each page starts.
 */

/** The body of one section: offsets into `ParsedDocument.text`, heading line excluded. */
export interface DocumentSection {
  /** Plain-text headings from the outermost to the section's own heading; `[]` before the first heading. */
  headingPath: string[];
  start: number;
  end: number;
}


export interface ParsedDocument {
  text: string;
  title?: string;
  /** In document order, non-overlapping; sections with an empty body are kept (they produce no chunks). */
  sections: DocumentSection[];
  /**
   * Paged formats only (PDF): the offset in `text` where each page starts,
   * page 1 first (`pageStarts[0]` is 0). A page without text starts where the
   * next one does. Absent for formats without pages.
   */
  pageStarts?: number[];
}

/** The document with `title` set, when there is one. */
export function withTitle(doc: ParsedDocument, title: string | undefined): ParsedDocument {
  return title ? { ...doc, title } : doc;
}
