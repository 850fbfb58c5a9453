/**
 * Retrieval-augmented chat: search with the latest question, number the
 * results as sources, build the prompt, and stream the generator's answer with
 * citations restricted to the sources that were sent. Produces events; the
 * HTTP layer frames them as SSE or collects them into one JSON answer.
 */
import { planAnswerPrompt, type ChatTurn } from "../core/answer/prompt.js";
import type { NumberedSource } from "../core/answer/sources.js";
import { createCitationFilter } from "../core/answer/citation-filter.js";
import type { GenerationUsage, Generator } from "../ports/generator.js";
import type { SearchMode, SearchService, SearchTimings } from "./search-service.js";
import { elapsedMs } from "./timing.js";

export interface ChatRequest {
  tenantId: string;
  messages: ChatTurn[];
  topK: number;
  mode: SearchMode;
  filter?: VectorizeVectorMetadataFilter;
  signal?: AbortSignal;
}

export interface ChatTimings extends SearchTimings {
  retrieval_ms: number;
  first_token_ms: number | null;
  generation_ms: number;
}

export type ChatEvent =
  | { event: "sources"; data: { sources: NumberedSource[] } }
  | { event: "delta"; data: { text: string } }
  | { event: "done"; data: { timings: ChatTimings; usage?: GenerationUsage } };

export class ChatService {
  constructor(private readonly deps: { search: SearchService; generator: Generator }) {}

  async *chat(request: ChatRequest): AsyncGenerator<ChatEvent> {
    const started = performance.now();
    const question = request.messages[request.messages.length - 1]!.content;
    const history = request.messages.slice(0, -1);

    const { results, timings: searchTimings } = await this.deps.search.search({
      tenantId: request.tenantId,
      query: question,
      topK: request.topK,
      mode: request.mode,
      filter: request.filter,
    });
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
    const stream = this.deps.generator.generate({
      messages: prompt.messages,
      question,
      sources,
      signal: request.signal,
    });
    for await (const event of stream) {
      if (event.type === "usage") {
        usage = event.usage;
        continue;
      }
      const text = citations.push(event.text);
      if (text === "") continue;
      firstTokenMs ??= elapsedMs(started);
      yield { event: "delta", data: { text } };
    }
    const tail = citations.flush();
    if (tail !== "") {
      firstTokenMs ??= elapsedMs(started);
      yield { event: "delta", data: { text: tail } };
    }
    const timings: ChatTimings = {
      ...searchTimings,
      retrieval_ms: retrievalMs,
      first_token_ms: firstTokenMs,
      generation_ms: elapsedMs(generationStarted),
      total_ms: elapsedMs(started),
    };
    yield { event: "done", data: usage ? { timings, usage } : { timings } };
  }

  /** The non-streaming form: the whole answer and its sources. */
  async answer(request: ChatRequest): Promise<{ answer: string; sources: NumberedSource[]; timings: ChatTimings; usage?: GenerationUsage }> {
    let answer = "";
    let sources: NumberedSource[] = [];
    let done: Extract<ChatEvent, { event: "done" }>["data"] | undefined;
    for await (const event of this.chat(request)) {
      if (event.event === "sources") sources = event.data.sources;
      else if (event.event === "delta") answer += event.data.text;
      else done = event.data;
    }
    return { answer, sources, timings: done!.timings, ...(done?.usage ? { usage: done.usage } : {}) };
  }
}

