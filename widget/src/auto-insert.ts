/**
 * The one-script-tag install: the script's `data-*` attributes become the
 * options of a floating `<rag-chat>` appended to the page. Nothing is
 * inserted when the page already has its own `<rag-chat>` (inline placement)
 * or when the script says `data-auto="false"` (the page creates it later).
 */
import type { RagChatElement } from "./chat-element.js";

export function autoInsert(script: HTMLScriptElement | null, doc: Document): void {
  if (!script || script.dataset.auto === "false") return;
  const insert = () => {
    if (doc.querySelector("rag-chat")) return;
    const element = doc.createElement("rag-chat") as RagChatElement;
    element.defaultMode = "launcher";
    for (const attribute of Array.from(script.attributes)) {
      if (attribute.name.startsWith("data-") && attribute.name !== "data-auto") element.setAttribute(attribute.name, attribute.value);
    }
    doc.body.append(element);
  };
  if (doc.body && doc.readyState !== "loading") insert();
  else doc.addEventListener("DOMContentLoaded", insert, { once: true });
}
