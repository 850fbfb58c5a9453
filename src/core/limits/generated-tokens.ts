/**
 * How many generated tokens an answer counts against a daily token budget:
 * the generator's own figure when it reports one (`completion_tokens`, or
 * `total_tokens − prompt_tokens`), else an estimate of one token per four
 * characters of the text it streamed — which is what the extractive
 * generator (no model, no usage figures) and OpenAI-compatible servers that
 * omit usage in streams are charged.
 */

export interface GeneratedOutput {
  /** Usage as the generator reported it (OpenAI / Workers AI field names). */
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
  /** Characters of answer text the generator produced (before citation filtering). */
  characters: number;
}

export const charactersPerEstimatedToken = 4;

export function generatedTokens(output: GeneratedOutput): number {
  const usage = output.usage;
  if (usage && isCount(usage.completion_tokens)) return usage.completion_tokens;
  if (usage && isCount(usage.total_tokens) && isCount(usage.prompt_tokens) && usage.total_tokens >= usage.prompt_tokens) {
    return usage.total_tokens - usage.prompt_tokens;
  }
  return Math.ceil(Math.max(0, output.characters) / charactersPerEstimatedToken);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
