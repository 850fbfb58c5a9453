/** Plain text documents: normalised text, one untitled section. */
import { hasVisibleText, normaliseText } from "./normalise-text.js";
import type { ParsedDocument } from "./parsed-document.js";

/** Line endings normalised, BOM and control characters removed; one untitled section (none when there is no text). */
export function parsePlainText(content: string): ParsedDocument {
  const text = normaliseText(content);
  if (!hasVisibleText(text)) return { text: "", sections: [] };
  return { text, sections: [{ headingPath: [], start: 0, end: text.length }] };
}
