/**
 * widget-page.js, loaded by widget.js for `data-mode="page"`: the chat as a
 * full-page layout. It is the same `<rag-chat>` (an inline panel: readOptions
 * reads "page" as inline), placed in the element `data-target` selects (it
 * fills that element) or at the end of the body (it fills the viewport), and
 * laid out by page.css through the element's public parts, so the chat's own
 * code and stylesheet stay as they are.
 */
import type { ModeKit } from "../mode-kit.js";
import pageCss from "./page.css";
import { copyOptions, targetOf } from "./placement.js";

export function mount(_kit: ModeKit, script: HTMLScriptElement, doc: Document): void {
  adoptDocumentStyles(doc, pageCss);
  let chat = doc.querySelector("rag-chat");
  if (chat) {
    if (!chat.hasAttribute("data-mode")) chat.setAttribute("data-mode", "page");
    return;
  }
  chat = copyOptions(script, doc.createElement("rag-chat"));
  chat.setAttribute("data-mode", "page");
  const target = targetOf(script, doc);
  if (target) target.append(chat);
  else {
    chat.setAttribute("data-fill", "viewport");
    doc.body.append(chat);
  }
}

/** Page-level rules (they must style the host and its ::part()s), as a constructed stylesheet where supported (not subject to CSP). */
function adoptDocumentStyles(doc: Document, css: string): void {
  if ("adoptedStyleSheets" in doc && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
  } else {
    const style = doc.createElement("style");
    style.textContent = css;
    doc.head.append(style);
  }
}
