/**
 * The one-script-tag install: the script's `data-*` attributes become the
 * options of a floating `<rag-chat>` appended to the page. Nothing is
 * inserted when the page already has its own `<rag-chat>` (inline placement)
 * or when the script says `data-auto="false"` (the page creates it later).
 *
 * `data-mode="search"` and `data-mode="page"` load their code lazily: the
 * chunk `widget-search.js` / `widget-page.js` next to widget.js (an ES
 * module, fetched with `import()` only by pages that ask for that mode, so
 * the default launcher does not grow). Search mode keeps the floating chat
 * (its "Ask" opens it); page mode inserts the chat itself, full-page.
 */
import type { RagChatElement } from "./chat-element.js";
import type { LazyMode, ModeKit, ModeModule } from "./mode-kit.js";

/** Content hash of the mode chunks, set by the build: a new widget.js never runs an old cached chunk. */
declare const __WIDGET_MODES_VERSION__: string;

export function autoInsert(script: HTMLScriptElement | null, doc: Document, kit: ModeKit): void {
  if (!script || script.dataset.auto === "false") return;
  const mode = script.dataset.mode;
  const insert = () => {
    if (mode === "search" || mode === "page") {
      loadMode(mode, script, doc, kit);
      if (mode === "page") return;
    }
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

function loadMode(mode: LazyMode, script: HTMLScriptElement, doc: Document, kit: ModeKit): void {
  const url = new URL(`widget-${mode}.js?v=${__WIDGET_MODES_VERSION__}`, script.src).href;
  import(/* @vite-ignore */ url).then(
    (module: ModeModule) => module.mount(kit, script, doc),
    (error: unknown) => console.error("rag-chat:", error),
  );
}
