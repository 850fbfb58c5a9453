/**
 * widget.js: defines `<rag-chat>`, installs `window.RagChat` and, when loaded
 * by a script tag, inserts the floating chat. Loading it twice is harmless.
 *
 *   <script src="https://YOUR-WORKER/widget.js" data-key="PUBLISHABLE_KEY" defer></script>
 *
 * `data-mode="search"` (a search box with a Ctrl/Cmd-K modal) and
 * `data-mode="page"` (a full-page chat) load a second, lazy chunk (auto-insert.ts).
 */
import { autoInsert } from "./auto-insert.js";
import { RagChatElement, setDefaultApi } from "./chat-element.js";
import { h } from "./dom-builder.js";
import { trapTab } from "./focus-trap.js";
import { format } from "./i18n.js";
import { icon } from "./icons.js";
import { createPublicApi, type RagChatApi } from "./public-api.js";
import { snippetNodes } from "./snippet.js";
import styles from "./styles.css";
import { readOptions } from "./widget-options.js";

declare global {
  interface Window {
    RagChat?: RagChatApi;
  }
  interface HTMLElementTagNameMap {
    "rag-chat": RagChatElement;
  }
}

if (!window.RagChat) {
  const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;
  // The worker that serves widget.js also serves the API (next to it: the script's directory).
  const api = script?.src ? new URL(".", new URL(script.src, location.href)).href : location.origin;
  setDefaultApi(api);
  if (!customElements.get("rag-chat")) customElements.define("rag-chat", RagChatElement);
  window.RagChat = createPublicApi(document);
  // data-mode="search" | "page" load their chunk with this kit (mode-kit.ts).
  autoInsert(script, document, { h, icon, format, snippetNodes, trapTab, readOptions, styles, api });
}
