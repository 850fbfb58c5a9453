/**
 * The OpenAI Chat Completions wire format, mapped to and from this service's
 * chat: a request's `messages` become the conversation `/v1/chat` takes
 * (system and developer messages dropped, text parts joined), and an answer
 * becomes a `chat.completion` object with the numbered sources in an extra
 * top-level `sources` field. Pure: no Hono, no bindings.
 *
 * Conventions the API documents (README "OpenAI-compatible API"):
 * - `finish_reason` is always "stop" (the generator port does not say why a
 *   model stopped);
 * - `usage` is the model's own count when it reports one; otherwise
 *   `completion_tokens` is estimated at four characters a token (the estimate
 *   the daily token budget uses) and `prompt_tokens` is 0.
 */
import type { ChatTurn } from "../answer/prompt.js";
import type { NumberedSource } from "../answer/sources.js";
import { generatedTokens } from "../limits/generated-tokens.js";

/** A text content part (the only kind accepted). */
export interface TextContentPart {
  type: "text";
  text: string;
}

/** One validated request message (see the route's schema). */
export interface CompletionRequestMessage {
  role: "system" | "developer" | "user" | "assistant";
  content: string | TextContentPart[];
}

/** Most recent turns handed to the chat (the prompt planner keeps fewer when they do not fit). */
export const maxConversationTurns = 50;

/** The text of a message: the string, or its text parts joined by line breaks. */
export function messageText(content: string | TextContentPart[]): string {
  return typeof content === "string" ? content : content.map((part) => part.text).join("\n");
}

/**
 * The conversation for the chat service: user and assistant turns in order
 * (the last is the question), at most `maxConversationTurns` of the most
 * recent. System and developer messages are dropped: the service's own
 * answering rules (answer from the sources, cite them) are the only
 * instructions the model gets, so a client cannot turn them off.
 */
export function conversationTurns(messages: readonly CompletionRequestMessage[]): ChatTurn[] {
  const turns: ChatTurn[] = [];
  for (const message of messages) {
    if (message.role === "user" || message.role === "assistant") turns.push({ role: message.role, content: messageText(message.content) });
  }
  return turns.slice(-maxConversationTurns);
}

/** Token counts, as reported or estimated (see the module comment). */
export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** `usage` of a completion from what the generator reported (if anything) and the answer's length. */
export function completionUsage(reported: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | undefined, answerCharacters: number): CompletionUsage {
  const prompt = count(reported?.prompt_tokens) ?? 0;
  const completion = generatedTokens({ ...(reported ? { usage: reported } : {}), characters: answerCharacters });
  const total = count(reported?.total_tokens);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total !== undefined && total >= prompt + completion ? total : prompt + completion };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

/** What identifies one completion, shared by its object or all its chunks. */
export interface CompletionIdentity {
  /** `chatcmpl-…` */
  id: string;
  /** Unix seconds. */
  created: number;
  /** The model id that answered. */
  model: string;
}

/** The extras this service adds to an answer, beyond OpenAI's fields. */
export interface AnswerExtras {
  /** The numbered sources the `[n]` citations refer to (as `/v1/chat` sends them). */
  sources: NumberedSource[];
  /** Parts of the pipeline that were skipped (e.g. "vector", "generator"), when any. */
  degraded?: string[];
  /** Notices such as GENERATOR_UNAVAILABLE, when any. */
  notices?: { code: string; message: string }[];
  /** False when the answer declines (the documents do not answer the question; nothing is cited), as in `/v1/chat`. */
  grounded?: boolean;
}

export interface ChatCompletion extends AnswerExtras {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: { role: "assistant"; content: string; refusal: null };
      logprobs: null;
      finish_reason: "stop";
    },
  ];
  usage: CompletionUsage;
}

/** The non-streamed answer: one `chat.completion` object. */
export function chatCompletion(
  identity: CompletionIdentity,
  answer: { answer: string; sources: NumberedSource[]; usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }; degraded?: string[]; notices?: { code: string; message: string }[]; grounded?: boolean },
): ChatCompletion {
  return {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, message: { role: "assistant", content: answer.answer, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: completionUsage(answer.usage, answer.answer.length),
    sources: answer.sources,
    ...(answer.degraded && answer.degraded.length > 0 ? { degraded: answer.degraded } : {}),
    ...(answer.notices && answer.notices.length > 0 ? { notices: answer.notices } : {}),
    ...(answer.grounded === undefined ? {} : { grounded: answer.grounded }),
  };
}
