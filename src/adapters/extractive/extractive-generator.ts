/**
 * Generator adapter for the offline extractive answerer: no model, no network.
 * Streams the answer from core/answer/extractive-answer.ts in small pieces so
 * clients exercise the same streaming path as with an LLM. When no source
 * sentence matches, it writes the decline marker (core/answer/decline.ts),
 * as an LLM is told to, and the chat service turns that into its decline.
 */
import { declineMarker } from "../../core/answer/decline.js";
import { extractiveAnswer, noAnswerText } from "../../core/answer/extractive-answer.js";
import type { GenerationEvent, GenerationRequest, Generator } from "../../ports/generator.js";

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/**
 * Splits `text` into word-sized pieces (leading whitespace attached to the
 * word that follows it) whose concatenation is exactly `text`.
 */
export function wordPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

export class ExtractiveGenerator implements Generator {
  readonly model = "extractive";

  constructor(private readonly options: { maxSentences?: number; maxWords?: number } = {}) {}

  /** Yields the extractive answer word by word; stops with the abort reason if `request.signal` fires. */
  async *generate(request: GenerationRequest): AsyncGenerator<GenerationEvent> {
    throwIfAborted(request.signal);
    const extracted = extractiveAnswer(request.question, request.sources, this.options);
    const answer = extracted === noAnswerText ? declineMarker : extracted;
    for (const piece of wordPieces(answer)) {
      throwIfAborted(request.signal);
      yield { type: "text", text: piece };
    }
  }
}
