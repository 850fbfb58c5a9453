/**
 * Retrieval-augmented chat: search with the latest question (and, for a
 * follow-up, with a standalone rewrite of it too, fused), number the results
 * as sources, build the prompt, and stream the generator's answer with
 * citations restricted to the sources that were sent. Produces events; the
 * HTTP layer frames them as SSE or collects them into one JSON answer.
 *
 * Degrades instead of failing: when the language model is unavailable before
 * its first token (down, throttled, timing out, breaker open), the answer is
 * written by the extractive fallback from the same sources, announced by a
 * `notice` event; retrieval degradations (see search-service.ts) are listed in
 * `done` as `degraded`.
 *
 * Declining: when retrieval clearly cannot support an answer (the grounding
 * gate, core/answer/grounding-gate.ts), no generator is called and the answer
 * is `declineMessage`; when a generator declines on its own (it writes the
 * marker of core/answer/decline.ts), the marker is removed and an answer that
 * was only the marker becomes `declineMessage`. Either way `done` says
 * `grounded: false` and the answer cites nothing; the `sources` event still
 * lists what retrieval found. The first few characters of a generated answer
 * are held back until it is clear they are not the marker.
 *
 * Observability: given the request's spans, query rewriting runs in a
 * `rewrite` span, each search's stages in theirs (embed, vector, keyword,
 * fuse, rerank), and generation in a `generate` span (attributes: time to the
 * first token, characters, whether the fallback answered). One `query` metric
 * per answer (tenant, mode, degraded), however many queries were searched.
 */
import { planAnswerPrompt, type ChatTurn } from "../core/answer/prompt.js";
import type { NumberedSource } from "../core/answer/sources.js";
import { createCitationFilter } from "../core/answer/citation-filter.js";
import { createDeclineFilter, declineMarker, declineMessage } from "../core/answer/decline.js";
import { defaultGroundingGateSettings, groundingGate, type GroundingGateSettings } from "../core/answer/grounding-gate.js";
import type { GenerationEvent, GenerationUsage, Generator } from "../ports/generator.js";
import { reciprocalRankFusion } from "../core/search/reciprocal-rank-fusion.js";
import { errorLabel, type SpanRecorder } from "../core/observability/span-recorder.js";
import { noopMetrics, type Metrics } from "../ports/metrics.js";
import type { QueryRewriter } from "./query-rewriter.js";
import type { Degradation, SearchMode, SearchRequest, SearchResponse, SearchService, SearchTimings } from "./search-service.js";
import { elapsedMs } from "./timing.js";
import { boundRetrievalQuery } from "../core/search/retrieval-query.js";
import { buildSnippet, queryMatchKeys } from "../core/search/snippet.js";
import { isProviderUnavailable } from "../core/resilience/provider-errors.js";
import type { Logger } from "./logger.js";

export interface ChatRequest {
  tenantId: string;
  messages: ChatTurn[];
  topK: number;
  mode: SearchMode;
  filter?: VectorizeVectorMetadataFilter;
  rerank?: boolean;
  /** A tighter answer-length limit than the generator's configured one (the OpenAI-compatible API's `max_tokens`). */
  maxTokens?: number;
  /** Sampling temperature for the answer (the OpenAI-compatible API's `temperature`); the generator's own when absent. */
  temperature?: number;
  signal?: AbortSignal;
  /**
   * Called once generation ends — completed, failed or stopped by the client
   * — with what was generated (the caller charges it to a token budget), and
   * awaited before `done`.
   */
  onGenerated?: (output: { usage?: GenerationUsage; characters: number }) => Promise<void>;
  /** The request's spans (see the file comment). */
  spans?: Pick<SpanRecorder, "time" | "start">;
}

export interface ChatTimings extends SearchTimings {
  rewrite_ms: number;
  retrieval_ms: number;
  first_token_ms: number | null;
  generation_ms: number;
}

export type ChatDegradation = Degradation | "generator";

export interface ChatNotice {
  code: "GENERATOR_UNAVAILABLE";
  message: string;
}

export type ChatEvent =
  | { event: "sources"; data: { sources: NumberedSource[] } }
  | { event: "notice"; data: ChatNotice }
  | { event: "delta"; data: { text: string } }
  | {
      event: "done";
      data: {
        timings: ChatTimings;
        usage?: GenerationUsage;
        retrieval_queries: string[];
        degraded?: ChatDegradation[];
        /** False when the answer declines (see "Declining" in the file comment); true when it answers from the sources. */
        grounded: boolean;
      };
    };

export class ChatService {
  constructor(
    private readonly deps: {
      search: SearchService;
      generator: Generator;
      rewriter: QueryRewriter;
      /** Answers when `generator` is unavailable (the extractive generator); none: the error stands. */
      fallback?: Generator;
      log?: Logger;
      /** Queries by mode (default: recorded nowhere). */
      metrics?: Metrics;
      /** The retrieval-confidence gate (core/answer/grounding-gate.ts); default: its default thresholds. */
      grounding?: GroundingGateSettings;
    },
  ) {}

  async *chat(request: ChatRequest): AsyncGenerator<ChatEvent> {
    const started = performance.now();
    const question = request.messages[request.messages.length - 1]!.content;
    const history = request.messages.slice(0, -1);

    const rewriteStarted = performance.now();
    const rewriteQuery = () => this.deps.rewriter.rewrite(history, question, request.signal);
    const rewrite = request.spans
      ? await request.spans.time("rewrite", async (span) => {
          const result = await rewriteQuery();
          span.setAttribute("rewritten", result.query !== null);
          return result;
        })
      : await rewriteQuery();
    const rewriteMs = elapsedMs(rewriteStarted);
    // Retrieval reads a bounded query (head and tail of a long message); the generator sees the whole question.
    const queries = (rewrite.query === null ? [question] : [rewrite.query, question]).map((query) => boundRetrievalQuery(query));
    const { results, timings: searchTimings, degraded: searchDegraded } = await this.retrieve(queries, request);
    const degraded: ChatDegradation[] = [...(searchDegraded ?? [])];
    (this.deps.metrics ?? noopMetrics).record({ kind: "query", tenant: request.tenantId, mode: request.mode, degraded: degraded.length > 0 });
    const retrieved: NumberedSource[] = results.map((result, index) => ({
      n: index + 1,
      document_id: result.document_id,
      chunk_id: result.chunk_id,
      title: result.title,
      text: result.text,
      ...(result.heading ? { heading: result.heading } : {}),
      ...(result.source_url ? { source_url: result.source_url } : {}),
      ...(result.page === undefined ? {} : { page: result.page, page_end: result.page_end ?? result.page }),
      scoring: result.scoring,
    }));
    // The sources sent are exactly those that fit in the prompt, so every
    // citation the client can see points at text the generator saw.
    const prompt = planAnswerPrompt({ question, history, sources: retrieved });
    // Snippets of the text sent (the prompt may shorten a source), marked with every query searched.
    const snippetKeys = queryMatchKeys(queries.join("\n"));
    const sources = prompt.sources.map((source) => ({ ...source, ...buildSnippet(source.text, snippetKeys) }));
    const retrievalMs = elapsedMs(started);
    yield { event: "sources", data: { sources } };

    // A follow-up is judged by its standalone rewrite (which holds the question's words and the conversation's).
    const gate = groundingGate(rewrite.query ?? question, sources, this.deps.grounding ?? defaultGroundingGateSettings, {
      vectorLegRan: request.mode !== "keyword" && !degraded.includes("vector"),
    });
    if (!gate.supported) {
      this.deps.log?.info("chat.declined", { tenant_id: request.tenantId, reason: "gate", ...gate.features });
      const firstToken = elapsedMs(started);
      yield { event: "delta", data: { text: declineMessage } };
      const timings: ChatTimings = { ...searchTimings, rewrite_ms: rewriteMs, retrieval_ms: retrievalMs, first_token_ms: firstToken, generation_ms: 0, total_ms: elapsedMs(started) };
      yield { event: "done", data: { timings, retrieval_queries: queries, ...(degraded.length > 0 ? { degraded } : {}), grounded: false } };
      return;
    }

    const citations = createCitationFilter(new Set(sources.map((source) => source.n)));
    const decline = createDeclineFilter();
    // Held back until it cannot be a bare decline marker (see the file comment).
    let pending: string | null = "";
    const generationStarted = performance.now();
    let firstTokenMs: number | null = null;
    let usage: GenerationUsage | undefined;
    let characters = 0;
    const generation = {
      messages: prompt.messages,
      question: rewrite.query ?? question,
      sources,
      signal: request.signal,
      ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    };
    let stream: AsyncIterator<GenerationEvent> = this.deps.generator.generate(generation)[Symbol.asyncIterator]();
    let answered = false;
    // Spans across yields cannot use time(): this one is opened and closed by hand (the request's end closes it if left open).
    const generateSpan = request.spans?.start("generate", { attributes: { sources: sources.length } });
    try {
      for (;;) {
        let next: IteratorResult<GenerationEvent>;
        try {
          next = await stream.next();
        } catch (error) {
          const fallback = this.deps.fallback;
          if (answered || !fallback || request.signal?.aborted || !isProviderUnavailable(error)) throw error;
          this.deps.log?.warn("chat.generator_fallback", { tenant_id: request.tenantId, detail: String(error) });
          degraded.push("generator");
          generateSpan?.setAttribute("fallback", true);
          yield { event: "notice", data: { code: "GENERATOR_UNAVAILABLE", message: "The language model is unavailable right now; this answer quotes the most relevant passages instead." } };
          stream = fallback.generate(generation)[Symbol.asyncIterator]();
          answered = true; // the fallback's own failure is final
          continue;
        }
        if (next.done) break;
        const event = next.value;
        if (event.type === "usage") {
          usage = event.usage;
          continue;
        }
        answered = true;
        characters += event.text.length;
        let text = citations.push(decline.push(event.text));
        if (pending !== null) {
          pending += text;
          if (pending.trim().length <= declineMarker.length + 4) continue;
          text = pending;
          pending = null;
        }
        if (text === "") continue;
        firstTokenMs ??= elapsedMs(started);
        yield { event: "delta", data: { text } };
      }
    } catch (error) {
      generateSpan?.fail(errorLabel(error));
      throw error;
    } finally {
      generateSpan?.setAttributes({ characters, ...(firstTokenMs !== null ? { first_token_ms: firstTokenMs } : {}) });
      generateSpan?.end();
      await stream.return?.();
      await request.onGenerated?.({ ...(usage ? { usage } : {}), characters });
    }
    let tail = citations.push(decline.flush()) + citations.flush();
    if (pending !== null) {
      tail = pending + tail;
      // Only the marker (and stray punctuation) was written: the answer declines.
      if (decline.declined && !/[\p{L}\p{N}]/u.test(tail)) tail = declineMessage;
    }
    if (decline.declined) this.deps.log?.info("chat.declined", { tenant_id: request.tenantId, reason: "generator" });
    if (tail !== "") {
      firstTokenMs ??= elapsedMs(started);
      yield { event: "delta", data: { text: tail } };
    }
    const timings: ChatTimings = {
      ...searchTimings,
      rewrite_ms: rewriteMs,
      retrieval_ms: retrievalMs,
      first_token_ms: firstTokenMs,
      generation_ms: elapsedMs(generationStarted),
      total_ms: elapsedMs(started),
    };
    yield { event: "done", data: { timings, ...(usage ? { usage } : {}), retrieval_queries: queries, ...(degraded.length > 0 ? { degraded } : {}), grounded: !decline.declined } };
  }

  /**
   * Searches every query (the rewrite first, then the original question) and
   * fuses the result lists with reciprocal rank fusion; one query is searched
   * as it is. Stage timings are those of the slowest search.
   */
  private async retrieve(queries: string[], request: ChatRequest): Promise<SearchResponse> {
    const base: Omit<SearchRequest, "query"> = {
      tenantId: request.tenantId,
      topK: request.topK,
      mode: request.mode,
      filter: request.filter,
      rerank: request.rerank,
      signal: request.signal,
      spans: request.spans,
      // The answer counts as one query (chat()), not one per query searched.
      countQuery: false,
      // Sources get snippets below, from the text the prompt kept.
      snippets: false,
    };
    const responses = await Promise.all(queries.map((query) => this.deps.search.search({ ...base, query })));
    if (responses.length === 1) return responses[0]!;
    const degraded = [...new Set(responses.flatMap((response) => response.degraded ?? []))];
    const fused = reciprocalRankFusion(
      responses.map((response) => ({ items: response.results, weight: 1 })),
      (result) => result.chunk_id,
    );
    const timings = responses.map((response) => response.timings).reduce((slowest, next) => (next.total_ms > slowest.total_ms ? next : slowest));
    return {
      results: fused.slice(0, request.topK).map((entry) => ({ ...entry.item, score: entry.score })),
      timings,
      ...(degraded.length > 0 ? { degraded } : {}),
    };
  }

  /** The non-streaming form: the whole answer and its sources. */
  async answer(request: ChatRequest): Promise<ChatAnswer> {
    return (await gatherAnswer(this.chat(request))).answer;
  }
}

/** A chat's events gathered into one answer (the non-streaming form). */
export interface ChatAnswer {
  answer: string;
  sources: NumberedSource[];
  timings: ChatTimings;
  retrieval_queries: string[];
  usage?: GenerationUsage;
  degraded?: ChatDegradation[];
  notices?: ChatNotice[];
  grounded: boolean;
}

type ChatDone = Extract<ChatEvent, { event: "done" }>["data"];

/**
 * Gathers a chat's events — this service's, or a wrapper's whose `done`
 * carries more (the answer cache's `cache`) — into the non-streaming answer,
 * returning the `done` data too.
 */
export async function gatherAnswer<D extends ChatDone>(
  events: AsyncIterable<Exclude<ChatEvent, { event: "done" }> | { event: "done"; data: D }>,
): Promise<{ answer: ChatAnswer; done: D }> {
  let answer = "";
  let sources: NumberedSource[] = [];
  const notices: ChatNotice[] = [];
  let done: D | undefined;
  for await (const event of events) {
    if (event.event === "sources") sources = event.data.sources;
    else if (event.event === "delta") answer += event.data.text;
    else if (event.event === "notice") notices.push(event.data);
    else done = event.data;
  }
  if (!done) throw new Error("chat ended without a done event");
  return {
    answer: {
      answer,
      sources,
      timings: done.timings,
      retrieval_queries: done.retrieval_queries,
      ...(done.usage ? { usage: done.usage } : {}),
      ...(done.degraded ? { degraded: done.degraded } : {}),
      ...(notices.length > 0 ? { notices } : {}),
      grounded: done.grounded,
    },
    done,
  };
}

