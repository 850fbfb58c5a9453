/** Sends thumbs up/down for an answer to POST /v1/feedback, with the answer's sources. */
import type { ChatSource } from "./sse-client.js";

export interface FeedbackRequest {
  url: string;
  key: string;
  messageId: string;
  rating: "up" | "down";
  question: string;
  answer: string;
  sources: ChatSource[];
  fetch?: typeof fetch;
}

/** Resolves with the stored feedback's id; rejects on network or HTTP errors. */
export async function sendFeedback(request: FeedbackRequest): Promise<string> {
  const doFetch = request.fetch ?? globalThis.fetch.bind(globalThis);
  const body = JSON.stringify({
    message_id: request.messageId,
    rating: request.rating,
    question: request.question,
    answer: request.answer,
    sources: request.sources.map(({ n, document_id, chunk_id }) => ({ n, document_id, chunk_id })),
  });
  const response = await doFetch(request.url, {
    method: "POST",
    headers: { authorization: `Bearer ${request.key}`, "content-type": "application/json" },
    body,
    credentials: "omit",
    // Survives the page unloading right after the click; browsers cap keepalive bodies at 64 KiB.
    keepalive: body.length < 60_000,
  });
  if (!response.ok) throw new Error(`feedback failed with HTTP ${response.status}`);
  const created = (await response.json()) as { id?: unknown };
  return String(created.id);
}
