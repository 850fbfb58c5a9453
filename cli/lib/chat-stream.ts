/**
 * Reads the event stream of `POST /v1/chat` as typed events: `sources` (the
 * numbered sources, first), `notice`, `delta` (the next piece of the
 * answer), `done`. An `error` event, an unreadable event or a stream that
 * ends before `done` throws an `ApiError`. Pure apart from the stream it
 * reads (parsing is `src/core/sse`'s).
 */
import { parseSse } from "../../src/core/sse/sse-parser.js";
import { ApiError } from "./api-client.js";

export interface ChatSource {
  n: number;
  document_id: string;
  chunk_id: string;
  title: string;
  text: string;
  heading?: string;
  source_url?: string;
}

export type ChatEvent =
  | { type: "sources"; sources: ChatSource[] }
  | { type: "notice"; code: string; message: string }
  | { type: "delta"; text: string }
  | { type: "done"; data: Record<string, unknown> };

export async function* readChatEvents(body: ReadableStream<Uint8Array>, options: { signal?: AbortSignal } = {}): AsyncGenerator<ChatEvent> {
  for await (const message of parseSse(body, options)) {
    switch (message.event) {
      case "sources": {
        const data = parse(message.data) as { sources?: unknown };
        yield { type: "sources", sources: Array.isArray(data.sources) ? (data.sources as ChatSource[]) : [] };
        break;
      }
      case "notice": {
        const data = parse(message.data) as { code?: unknown; message?: unknown };
        yield { type: "notice", code: String(data.code ?? "NOTICE"), message: String(data.message ?? "") };
        break;
      }
      case "delta": {
        const data = parse(message.data) as { text?: unknown };
        if (typeof data.text === "string" && data.text !== "") yield { type: "delta", text: data.text };
        break;
      }
      case "done":
        yield { type: "done", data: parse(message.data) as Record<string, unknown> };
        return; // leaving the loop cancels the rest of the body
      case "error": {
        const data = parse(message.data) as { code?: unknown; message?: unknown };
        throw new ApiError(String(data.code ?? "INTERNAL"), String(data.message ?? "the answer failed"));
      }
      default:
        break; // events a newer server may add
    }
  }
  throw new ApiError("INCOMPLETE", "the answer stream ended before it was complete");
}

function parse(data: string): object {
  try {
    const value: unknown = JSON.parse(data);
    if (value !== null && typeof value === "object") return value;
  } catch {
    // Reported below.
  }
  throw new ApiError("BAD_RESPONSE", "the server sent an unreadable event");
}
