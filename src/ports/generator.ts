/**
 * Port: writes the answer. Implementations: Workers AI text generation,
 * any OpenAI-compatible chat completions endpoint, Anthropic's Messages API,
 * and the offline extractive generator (core/answer/extractive-answer.ts).
 */
import type { PromptMessage } from "../core/answer/prompt.js";
import type { NumberedSource } from "../core/answer/sources.js";

export interface GenerationRequest {
  /** The full prompt (system + sources + conversation), for LLM generators. */
  messages: PromptMessage[];
  /**
   * The user's latest question, made standalone for follow-ups (the retrieval
   * query), for generators that work without a prompt.
   */
  question: string;
  /** The numbered sources the prompt cites, in the order they were sent. */
  sources: NumberedSource[];
  /** A tighter answer-length limit for this request; the generator's configured cap always applies. */
  maxTokens?: number;
  /**
   * Sampling temperature for this request (0–2, OpenAI's range), overriding
   * the generator's configured one; generators without sampling ignore it,
   * and those with a narrower range clamp it.
   */
  temperature?: number;
  signal?: AbortSignal;
}

export interface GenerationUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

export type GenerationEvent = { type: "text"; text: string } | { type: "usage"; usage: GenerationUsage };

export interface Generator {
  readonly model: string;
  generate(request: GenerationRequest): AsyncIterable<GenerationEvent>;
}
