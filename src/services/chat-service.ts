/**
 * Retrieval-augmented chat: search with the latest question (and, for a
 * follow-up, with a standalone rewrite of it too, fused), number the results
 * as sources, build the prompt, and stream the generator's answer with
 * citations restricted to the sources that were sent. Produces events; the
 * HTTP layer frames them as SSE or collects them into one JSON answer.
 */
import { planAnswerPrompt, type ChatTurn } from "../core/answer/prompt.js";
import type { NumberedSource } from "../core/answer/sources.js";
import { createCitationFilter } from "../core/answer/citation-filter.js";
import type { GenerationUsage, Generator } from "../ports/generator.js";
import { reciprocalRankFusion } from "../core/search/reciprocal-rank-fusion.js";
import type { QueryRewriter } from "./query-rewriter.js";
import type { SearchMode, SearchRequest, SearchResponse, SearchService, SearchTimings } from "./search-service.js";
import { elapsedMs } from "./timing.js";

export interface ChatRequest {
  tenantId: string;
  messages: ChatTurn[];
  topK: number;
  mode: SearchMode;
  filter?: VectorizeVectorMetadataFilter;
  rerank?: boolean;
  signal?: AbortSignal;
  /**
   * Called once generation ends — completed, failed or stopped by the client
   * — with what was generated (the caller charges it to a token budget), and
   * awaited before `done`.
   */
  onGenerated?: (output: { usage?: GenerationUsage; characters: number }) => Promise<void>;
}

export interface ChatTimings extends SearchTimings {
  rewrite_ms: number;
  retrieval_ms: number;
  first_token_ms: number | null;
  generation_ms: number;
}

export type ChatEvent =
  | { event: "sources"; data: { sources: NumberedSource[] } }
  | { event: "delta"; data: { text: string } }
  | { event: "done"; data: { timings: ChatTimings; usage?: GenerationUsage; retrieval_queries: string[] } };

export class ChatService {
  constructor(private readonly deps: { search: SearchService; generator: Generator; rewriter: QueryRewriter }) {}

  async *chat(request: ChatRequest): AsyncGenerator<ChatEvent> {
    const started = performance.now();
    const question = request.messages[request.messages.length - 1]!.content;
    const history = request.messages.slice(0, -1);

    const rewriteStarted = performance.now();
    const rewrite = await this.deps.rewriter.rewrite(history, question, request.signal);
    const rewriteMs = elapsedMs(rewriteStarted);
    const queries = rewrite.query === null ? [question] : [rewrite.query, question];
    const { results, timings: searchTimings } = await this.retrieve(queries, request);
    const retrieved: NumberedSource[] = results.map((result, index) => ({
      n: index + 1,
      document_id: result.document_id,
      chunk_id: result.chunk_id,
      title: result.title,
      text: result.text,
      ...(result.heading ? { heading: result.heading } : {}),
      ...(result.source_url ? { source_url: result.source_url } : {}),
    }));
    // The sources sent are exactly those that fit in the prompt, so every
    // citation the client can see points at text the generator saw.
    const prompt = planAnswerPrompt({ question, history, sources: retrieved });
    const sources = prompt.sources;
    const retrievalMs = elapsedMs(started);
    yield { event: "sources", data: { sources } };

    const citations = createCitationFilter(new Set(sources.map((source) => source.n)));
    const generationStarted = performance.now();
    let firstTokenMs: number | null = null;
    let usage: GenerationUsage | undefined;
    let characters = 0;
    const stream = this.deps.generator.generate({
      messages: prompt.messages,
      question: rewrite.query ?? question,
      sources,
      signal: request.signal,
    });
    try {
      for await (const event of stream) {
        if (event.type === "usage") {
          usage = event.usage;
          continue;
        }
        characters += event.text.length;
        const text = citations.push(event.text);
        if (text === "") continue;
        firstTokenMs ??= elapsedMs(started);
        yield { event: "delta", data: { text } };
      }
    } finally {
      await request.onGenerated?.({ ...(usage ? { usage } : {}), characters });
    }
    const tail = citations.flush();
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
    yield { event: "done", data: { timings, ...(usage ? { usage } : {}), retrieval_queries: queries } };
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
    };
    const responses = await Promise.all(queries.map((query) => this.deps.search.search({ ...base, query })));
    if (responses.length === 1) return responses[0]!;
    const fused = reciprocalRankFusion(
      responses.map((response) => ({ items: response.results, weight: 1 })),
      (result) => result.chunk_id,
    );
    const timings = responses.map((response) => response.timings).reduce((slowest, next) => (next.total_ms > slowest.total_ms ? next : slowest));
    return { results: fused.slice(0, request.topK).map((entry) => ({ ...entry.item, score: entry.score })), timings };
  }

  /** The non-streaming form: the whole answer and its sources. */
  async answer(request: ChatRequest): Promise<{ answer: string; sources: NumberedSource[]; timings: ChatTimings; retrieval_queries: string[]; usage?: GenerationUsage }> {
    let answer = "";
    let sources: NumberedSource[] = [];
    let done: Extract<ChatEvent, { event: "done" }>["data"] | undefined;
    for await (const event of this.chat(request)) {
      if (event.event === "sources") sources = event.data.sources;
      else if (event.event === "delta") answer += event.data.text;
      else done = event.data;
    }
    return {
      answer,
      sources,
      timings: done!.timings,
      retrieval_queries: done!.retrieval_queries,
      ...(done?.usage ? { usage: done.usage } : {}),
    };
  }
}

