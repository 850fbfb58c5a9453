/**
 * The streamed form of an answer in the OpenAI Chat Completions wire format:
 * turns the chat's events (`sources`, `notice`, `delta`…, `done`) into
 * `chat.completion.chunk` objects, in order —
 *
 * 1. a first chunk with `delta: {role: "assistant", content: ""}` and the
 *    numbered sources in an extra top-level `sources` field;
 * 2. for a `notice` (the language model was unavailable and the answer
 *    quotes the sources instead), a chunk with an empty delta and the notice
 *    in an extra `notice` field;
 * 3. one chunk per piece of text, `delta: {content}`;
 * 4. a last chunk with an empty delta and `finish_reason: "stop"` (and
 *    `degraded` when something was skipped);
 * 5. with `include_usage`, a chunk with no choices and `usage` (every other
 *    chunk then carries `usage: null`, as OpenAI does);
 *
 * then the end marker (`{event: "done"}`, framed as `data: [DONE]`). A pure
 * transform: events in, SSE events out; stopping it stops the source.
 */
import type { NumberedSource } from "../answer/sources.js";
import { completionUsage, type CompletionIdentity, type CompletionUsage } from "./chat-completion.js";

/** The chat events this transform reads (the chat service's, structurally). */
export type AnswerEvent =
  | { event: "sources"; data: { sources: NumberedSource[] } }
  | { event: "notice"; data: { code: string; message: string } }
  | { event: "delta"; data: { text: string } }
  | { event: "done"; data: { usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }; degraded?: string[]; grounded?: boolean } };

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: { index: 0; delta: { role?: "assistant"; content?: string }; logprobs: null; finish_reason: "stop" | null }[];
  usage?: CompletionUsage | null;
  /** First chunk only: the sources the `[n]` citations refer to. */
  sources?: NumberedSource[];
  notice?: { code: string; message: string };
  degraded?: string[];
  /** On the chunk with finish_reason: false when the answer declines (as `/v1/chat`'s `done`). */
  grounded?: boolean;
}

/** The SSE events of the stream: `chunk` events carrying a chunk, then one `done` (no data). */
export type ChunkStreamEvent = { event: "chunk"; data: ChatCompletionChunk } | { event: "done"; data: null };

export async function* chatCompletionChunks(
  events: AsyncIterable<AnswerEvent>,
  identity: CompletionIdentity,
  options: { includeUsage?: boolean } = {},
): AsyncGenerator<ChunkStreamEvent> {
  const includeUsage = options.includeUsage === true;
  const chunk = (choice: ChatCompletionChunk["choices"][number] | null, extra: Partial<ChatCompletionChunk> = {}): ChunkStreamEvent => ({
    event: "chunk",
    data: {
      id: identity.id,
      object: "chat.completion.chunk",
      created: identity.created,
      model: identity.model,
      choices: choice ? [choice] : [],
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    },
  });
  const delta = (content: ChatCompletionChunk["choices"][number]["delta"], finish: "stop" | null = null) => ({ index: 0 as const, delta: content, logprobs: null, finish_reason: finish });

  let started = false;
  let characters = 0;
  for await (const event of events) {
    switch (event.event) {
      case "sources":
        started = true;
        yield chunk(delta({ role: "assistant", content: "" }), { sources: event.data.sources });
        break;
      case "notice":
        yield chunk(delta({}), { notice: event.data });
        break;
      case "delta":
        if (event.data.text === "") break;
        characters += event.data.text.length;
        yield chunk(delta({ content: event.data.text }));
        break;
      case "done": {
        if (!started) yield chunk(delta({ role: "assistant", content: "" }), { sources: [] });
        const degraded = event.data.degraded ?? [];
        yield chunk(delta({}, "stop"), { ...(degraded.length > 0 ? { degraded } : {}), ...(event.data.grounded === undefined ? {} : { grounded: event.data.grounded }) });
        if (includeUsage) yield chunk(null, { usage: completionUsage(event.data.usage, characters) });
        yield { event: "done", data: null };
        return;
      }
    }
  }
}
