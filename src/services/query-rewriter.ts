/**
 * Makes the retrieval query of a follow-up turn standalone: with the language
 * model when one is configured (bounded in time and length), by rule
 * otherwise or when the model fails.
 */
import { parseRewrittenQuery, rewritePrompt, ruleBasedRewrite } from "../core/answer/query-rewrite.js";
import type { ChatTurn } from "../core/answer/prompt.js";
import type { Generator } from "../ports/generator.js";
import type { Logger } from "./logger.js";

export interface Rewrite {
  /** The standalone query, or null when the question is used as it is. */
  query: string | null;
  method: "llm" | "rules" | null;
}

export class QueryRewriter {
  constructor(
    private readonly deps: {
      /** A language model, or undefined (extractive mode): rules only. */
      llm?: Generator;
      log: Logger;
      timeoutMs?: number;
    },
  ) {}

  async rewrite(history: readonly ChatTurn[], question: string, signal?: AbortSignal): Promise<Rewrite> {
    if (!history.some((turn) => turn.role === "user")) return { query: null, method: null };
    const { llm } = this.deps;
    if (llm) {
      try {
        const query = await this.withModel(llm, history, question, signal);
        if (query !== null) return { query: sameText(query, question) ? null : query, method: "llm" };
      } catch (error) {
        if (signal?.aborted) throw error;
        this.deps.log.warn("chat.rewrite_failed", { error: String(error) });
      }
    }
    const query = ruleBasedRewrite(history, question);
    return { query, method: query === null ? null : "rules" };
  }

  private async withModel(llm: Generator, history: readonly ChatTurn[], question: string, signal?: AbortSignal): Promise<string | null> {
    const timeout = AbortSignal.timeout(this.deps.timeoutMs ?? 4000);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let text = "";
    for await (const event of llm.generate({ messages: rewritePrompt(history, question), question, sources: [], maxTokens: 64, signal: combined })) {
      if (event.type === "text") text += event.text;
      if (text.length > 2000) break;
    }
    return parseRewrittenQuery(text);
  }
}

function sameText(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
