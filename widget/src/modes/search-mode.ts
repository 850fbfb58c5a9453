/**
 * widget-search.js, loaded by widget.js for `data-mode="search"`: defines
 * `<rag-search>`, puts one on the page (unless the page placed its own) and
 * binds Ctrl/Cmd-K to open its results dialog. The floating chat beside it
 * is widget.js's own launcher; the dialog's "Ask" opens it.
 *
 * Placement: inside the element `data-target` selects (e.g. the site's
 * header), else right after the script tag when it sits in the body, else at
 * the start of the body. The script's `data-*` options are copied to it.
 */
import type { ModeKit } from "../mode-kit.js";
import { defineSearchElement, type RagSearchElement } from "./search-element.js";
import { copyOptions, targetOf } from "./placement.js";

export function mount(kit: ModeKit, script: HTMLScriptElement, doc: Document): void {
  defineSearchElement(kit);
  if (!doc.querySelector("rag-search")) {
    const element = copyOptions(script, doc.createElement("rag-search"));
    const target = targetOf(script, doc);
    if (target) target.append(element);
    else if (script.parentElement && doc.body.contains(script)) script.after(element);
    else doc.body.prepend(element);
  }
  doc.addEventListener("keydown", (event) => {
    // `key` can be missing on synthetic events (Chrome's autofill sends keydowns without one).
    if (String(event.key).toLowerCase() !== "k" || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    const search = doc.querySelector<RagSearchElement>("rag-search");
    if (!search) return;
    event.preventDefault(); // the browser's own Ctrl-K (its search bar)
    search.openSearch();
  });
}
