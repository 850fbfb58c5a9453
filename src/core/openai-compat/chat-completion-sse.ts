/**
 * SSE framing of an OpenAI-style stream, for `createSseStream`: every chunk
 * is a data-only frame (`data: {json}`, no `event:` line), the end is the
 * literal `data: [DONE]`, and a failure after the stream started is one
 * `data: {"error": {message, type, code, param}}` frame with no `[DONE]`
 * after it (OpenAI's SDKs raise it as an APIError). Keep-alive pings stay SSE
 * comments, which every client ignores.
 */
import type { SseFraming } from "../sse/sse-encoder.js";
import { openAiStreamError } from "./openai-error.js";

/** A data-only frame. JSON never contains a raw line break, so one `data:` line holds it. */
function dataFrame(data: unknown): string {
  return `data: ${JSON.stringify(data) ?? "null"}\n\n`;
}

export const openAiSseFraming: SseFraming = {
  event: (event) => (event.event === "done" ? "data: [DONE]\n\n" : dataFrame(event.data)),
  error: (data) => dataFrame({ error: openAiStreamError(data) }),
};
