/**
 * `window.RagChat`: a small API for the page. Calls go to the first
 * `<rag-chat>` in the document (the one the script tag inserted, or one the
 * page placed). Events are dispatched on that element and bubble to
 * `document` and `window`: `rag-chat:open`, `rag-chat:close` and
 * `rag-chat:message` (detail: `{id, role, content, sources?}`).
 */
import type { RagChatElement } from "./chat-element.js";

export interface RagChatApi {
  /** Opens the chat panel. */
  open(): void;
  /** Closes it and returns focus. */
  close(): void;
  /** Opens the chat and asks `text`. */
  ask(text: string): Promise<void>;
  /** Starts a new conversation. */
  reset(): void;
  /** The element the calls go to, if the page has one yet. */
  readonly element: RagChatElement | null;
}

export function createPublicApi(doc: Document): RagChatApi {
  const target = () => doc.querySelector<RagChatElement>("rag-chat");
  return {
    open: () => target()?.open(),
    close: () => target()?.close(),
    ask: async (text: string) => target()?.ask(String(text)),
    reset: () => target()?.reset(),
    get element() {
      return target();
    },
  };
}
