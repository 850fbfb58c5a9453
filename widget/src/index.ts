/**
 * widget.js: defines `<rag-chat>`, installs `window.RagChat` and, when loaded
 * by a script tag, inserts the floating chat. Loading it twice is harmless.
 *
 *   <script src="https://YOUR-WORKER/widget.js" data-key="PUBLISHABLE_KEY" defer></script>
 */
import { autoInsert } from "./auto-insert.js";
import { RagChatElement, setDefaultApi } from "./chat-element.js";
import { createPublicApi, type RagChatApi } from "./public-api.js";

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
  setDefaultApi(script?.src ? new URL(".", new URL(script.src, location.href)).href : location.origin);
  if (!customElements.get("rag-chat")) customElements.define("rag-chat", RagChatElement);
  window.RagChat = createPublicApi(document);
  autoInsert(script, document);
}
