/**
 * Keeps the conversation across page loads: sessionStorage by default (the
 * tab's session on this site), localStorage when the page opts in, or
 * nothing. Storage that is full, disabled or blocked (private modes,
 * sandboxed frames) degrades to an in-memory conversation, never an error.
 */
import type { ChatSource } from "./sse-client.js";
import type { StorageKind } from "./widget-options.js";

export type MessageStatus = "streaming" | "done" | "stopped" | "error";

export interface ChatMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  status: MessageStatus;
  sources?: ChatSource[];
  error?: { code: string; message: string; retryAfterSeconds?: number };
  rating?: "up" | "down";
}

export interface ConversationStore {
  load(): ChatMessage[];
  save(messages: ChatMessage[]): void;
  clear(): void;
}

/** Messages kept; older ones are dropped from storage (not from the open page). */
const maxStoredMessages = 40;
/** Characters of each source's text kept for its card. */
const maxStoredSnippet = 400;

/** A store under a key per API, so two assistants on one site keep separate conversations. */
export function createConversationStore(kind: StorageKind, api: string): ConversationStore {
  const key = `rag-chat:v1:${api}`;
  let storage: Storage | undefined;
  try {
    storage = kind === "local" ? window.localStorage : kind === "session" ? window.sessionStorage : undefined;
  } catch {
    storage = undefined; // access itself can throw (blocked third-party storage)
  }
  return {
    load() {
      try {
        const parsed: unknown = JSON.parse(storage?.getItem(key) ?? "[]");
        return Array.isArray(parsed) ? parsed.filter(isMessage) : [];
      } catch {
        return [];
      }
    },
    save(messages) {
      if (!storage) return;
      const kept = messages
        .filter((message) => message.status !== "streaming")
        .slice(-maxStoredMessages)
        .map((message) => ({
          ...message,
          sources: message.sources?.map((source) => ({ ...source, text: source.text.slice(0, maxStoredSnippet) })),
        }));
      try {
        storage.setItem(key, JSON.stringify(kept));
      } catch {
        // Quota exceeded: the conversation stays in memory only.
      }
    },
    clear() {
      try {
        storage?.removeItem(key);
      } catch {
        // Nothing stored that we could remove.
      }
    },
  };
}

function isMessage(value: unknown): value is ChatMessage {
  const message = value as ChatMessage;
  return (
    typeof message === "object" &&
    message !== null &&
    typeof message.id === "string" &&
    (message.role === "user" || message.role === "assistant") &&
    typeof message.content === "string" &&
    typeof message.status === "string"
  );
}
