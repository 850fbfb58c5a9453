/**
 * A passage as text nodes with its matched terms in `<mark>`: the API's
 * plain-text `snippet` and its `snippet_highlights` ([start, end) UTF-16
 * offsets), used by the chat's source cards and the search results. Built
 * from text nodes only, never HTML; ranges that are malformed, overlap or
 * run past the text are skipped.
 */
import { h } from "./dom-builder.js";

export function snippetNodes(text: string, highlights?: unknown): DocumentFragment {
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const range of Array.isArray(highlights) ? highlights : []) {
    const [start, end] = (Array.isArray(range) ? range : []) as number[];
    if (!(Number.isInteger(start) && Number.isInteger(end) && start! >= at && end! > start! && end! <= text.length)) continue;
    fragment.append(text.slice(at, start), h("mark", {}, text.slice(start, end)));
    at = end!;
  }
  fragment.append(text.slice(at));
  return fragment;
}
