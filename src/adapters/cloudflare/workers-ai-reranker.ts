/**
 * Reranker over the Workers AI `run()` protocol for cross-encoders such as
 * `@cf/baai/bge-reranker-base`. In production it calls the `AI` binding; in
 * local mode the same code calls the local stand-in (`adapters/local/local-ai.ts`),
 * which serves local cross-encoders under the same protocol.
 *
 * Wire format relied on (Cloudflare's model page for `@cf/baai/bge-reranker-base`,
 * developers.cloudflare.com/workers-ai/models/bge-reranker-base, and its JSON
 * schema; the same shape as `Ai_Cf_Baai_Bge_Reranker_Base_Input/Output` in
 * @cloudflare/workers-types, whose input type lacks the `query` field the docs
 * mark required):
 * - input `{ query: string (minLength 1, required), contexts: [{ text: string
 *   (minLength 1) }] (required), top_k?: integer ≥ 1 }` — "Number of returned
 *   results starting with the best score";
 * - output `{ response: [{ id: integer, score: number }] }` — `id` is the
 *   "Index of the context in the request" (the docs: "the index in this array
 *   is important, as the response will refer to it").
 *
 * Not documented, and therefore not relied on: the order of `response`
 * (sorted here), the range of `score` (the page repeats the model card's "can
 * be mapped to a float value in [0,1] by sigmoid function", which suggests raw
 * logits; only the order within one call is used), and a maximum number of
 * contexts per call. Calls are still split into batches of at most
 * `maxContextsPerCall` (default 100, the documented per-call cap of the
 * Workers AI embedding models) so one large request cannot hit an unknown
 * limit; a cross-encoder scores each (query, passage) pair on its own, so
 * scores from different batches are comparable.
 *
 * Passages that are empty or blank are not sent (the schema refuses empty
 * texts) and come last with score `-Infinity`. Failures become
 * AppError("UPSTREAM_UNAVAILABLE") with the original error as `cause` and,
 * when known, the upstream status in `details` (workers-ai-errors.ts);
 * upstream text never reaches the message.
 */
import { AppError } from "../../core/errors.js";
import type { AiRunner } from "../../ports/ai-runner.js";
import type { RerankScore, Reranker } from "../../ports/reranker.js";
import { workersAiFailure } from "./workers-ai-errors.js";

export interface WorkersAiRerankerOptions {
  /** Most contexts sent in one `run()` call. Default 100. */
  maxContextsPerCall?: number;
}

const defaultMaxContextsPerCall = 100;

export class WorkersAiReranker implements Reranker {
  readonly model: string;
  private readonly maxContextsPerCall: number;

  constructor(
    private readonly ai: AiRunner,
    model: string,
    options: WorkersAiRerankerOptions = {},
  ) {
    this.model = model;
    const max = options.maxContextsPerCall ?? defaultMaxContextsPerCall;
    if (!Number.isInteger(max) || max < 1) throw new RangeError("maxContextsPerCall must be a positive integer");
    this.maxContextsPerCall = max;
  }

  /**
   * Scores every passage against `query` and returns one entry per passage,
   * best first (ties in passage order). Empty `passages` → `[]` without a call.
   */
  async rerank(query: string, passages: string[], options: { signal?: AbortSignal } = {}): Promise<RerankScore[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (passages.length === 0) return [];
    if (query.trim() === "") throw new AppError("BAD_REQUEST", "the rerank query must not be empty");

    const scored: RerankScore[] = [];
    const blank: RerankScore[] = [];
    const sent: number[] = [];
    passages.forEach((text, index) => (text.trim() === "" ? blank.push({ index, score: Number.NEGATIVE_INFINITY }) : sent.push(index)));

    for (let start = 0; start < sent.length; start += this.maxContextsPerCall) {
      const batch = sent.slice(start, start + this.maxContextsPerCall);
      const inputs = { query, contexts: batch.map((index) => ({ text: passages[index]! })), top_k: batch.length };
      let output: unknown;
      try {
        output = await this.ai.run(this.model, inputs, signal ? { signal } : undefined);
      } catch (error) {
        signal?.throwIfAborted();
        throw workersAiFailure(`reranking model ${this.model} failed`, error);
      }
      const scores = readScores(output, batch.length);
      if (scores instanceof Error) {
        throw new AppError("UPSTREAM_UNAVAILABLE", `reranking model ${this.model} returned an unexpected response`, { cause: scores });
      }
      scores.forEach((score, position) => scored.push({ index: batch[position]!, score }));
    }

    scored.sort((a, b) => b.score - a.score || a.index - b.index);
    return [...scored, ...blank];
  }
}

/**
 * Reads `{response: [{id, score}]}` into scores aligned with the contexts
 * sent, or says what is wrong: every id in `[0, count)` exactly once, with a
 * finite score.
 */
function readScores(output: unknown, count: number): number[] | Error {
  const response = (output as { response?: unknown } | null | undefined)?.response;
  if (!Array.isArray(response)) return new Error("no response array");
  if (response.length !== count) return new Error(`${response.length} results for ${count} contexts`);
  const scores = new Array<number | undefined>(count).fill(undefined);
  for (const item of response as unknown[]) {
    const { id, score } = (item ?? {}) as { id?: unknown; score?: unknown };
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= count) {
      return new Error(`result id ${JSON.stringify(id)} is not an index into the ${count} contexts`);
    }
    if (scores[id] !== undefined) return new Error(`result id ${id} appears more than once`);
    if (typeof score !== "number" || !Number.isFinite(score)) return new Error(`result ${id} has no finite score`);
    scores[id] = score;
  }
  return scores as number[];
}
