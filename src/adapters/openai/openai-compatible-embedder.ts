/**
 * Embedder adapter for any OpenAI-compatible `POST /embeddings` endpoint.
 * Sends `{model, input: string[]}` in batches of at most `maxBatchSize`,
 * orders each response's vectors by `index`, and checks their count and
 * dimensions. No query prefix is added: models that want one should be
 * served by an adapter that knows them.
 */
import { AppError } from "../../core/errors.js";
import type { Embedder, EmbedderInfo } from "../../ports/embedder.js";
import { openAiHeaders, resolveFetch, upstreamHttpError } from "./openai-http.js";

export interface OpenAiCompatibleEmbedderOptions {
  /** API root including the version, e.g. "https://api.openai.com/v1". */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Vector size; when omitted, `describe()` embeds one probe text to find it. */
  dimensions?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Texts per request (default 100). */
  maxBatchSize?: number;
}

function invalid(message: string): AppError {
  return new AppError("UPSTREAM_UNAVAILABLE", "the embedding service returned an invalid response", { cause: new Error(message) });
}

export class OpenAiCompatibleEmbedder implements Embedder {
  readonly model: string;
  readonly maxBatchSize: number;
  private readonly url: string;
  private readonly fetch: typeof fetch;
  private dimensions: number | undefined;
  private probe: Promise<number> | undefined;

  constructor(private readonly options: OpenAiCompatibleEmbedderOptions) {
    this.model = options.model;
    this.maxBatchSize = Math.max(1, Math.floor(options.maxBatchSize ?? 100));
    this.url = `${options.baseUrl.replace(/\/+$/, "")}/embeddings`;
    this.fetch = resolveFetch(options.fetch);
    this.dimensions = options.dimensions;
  }

  /** Model and dimensions: the configured ones, or found by embedding one probe text (once; retried after a failure). */
  async describe(): Promise<EmbedderInfo> {
    if (this.dimensions === undefined) {
      this.probe ??= this.embedBatch(["dimension probe"]).then(
        (vectors) => vectors[0]?.length ?? 0,
        (error: unknown) => {
          this.probe = undefined;
          throw error;
        },
      );
      this.dimensions = await this.probe;
    }
    return { model: this.model, dimensions: this.dimensions };
  }

  /** One vector per text, in order, over as many requests as `maxBatchSize` needs. */
  async embedDocuments(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.maxBatchSize) {
      vectors.push(...(await this.embedBatch(texts.slice(start, start + this.maxBatchSize))));
    }
    return vectors;
  }

  /** The vector of one query text. */
  async embedQuery(text: string): Promise<number[]> {
    const [vector] = await this.embedBatch([text]);
    if (vector === undefined) throw invalid("no vector for the query");
    return vector;
  }

  private async embedBatch(input: string[]): Promise<number[][]> {
    let response: Response;
    try {
      response = await this.fetch(this.url, {
        method: "POST",
        headers: openAiHeaders(this.options.apiKey, "application/json"),
        body: JSON.stringify({ model: this.options.model, input }),
      });
    } catch (error) {
      throw new AppError("UPSTREAM_UNAVAILABLE", "the embedding service is unavailable", { cause: error });
    }
    if (!response.ok) throw await upstreamHttpError(response, "embedding service");

    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new AppError("UPSTREAM_UNAVAILABLE", "the embedding service returned an invalid response", { cause: error });
    }
    const data = typeof body === "object" && body !== null ? (body as { data?: unknown }).data : undefined;
    if (!Array.isArray(data)) throw invalid("no data array");
    if (data.length !== input.length) throw invalid(`expected ${input.length} embeddings, got ${data.length}`);

    const vectors: Array<number[] | undefined> = new Array(input.length);
    data.forEach((item: unknown, position) => {
      const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
      const at = typeof index === "number" ? index : position;
      if (!Number.isInteger(at) || at < 0 || at >= input.length || vectors[at] !== undefined) throw invalid(`bad or repeated index ${String(index)}`);
      if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((x) => typeof x === "number" && Number.isFinite(x))) {
        throw invalid(`embedding ${at} is not a list of numbers`);
      }
      vectors[at] = embedding as number[];
    });

    const result = vectors as number[][];
    const expected = this.dimensions ?? result[0]?.length;
    for (const vector of result) {
      if (vector.length !== expected) {
        throw new AppError("EMBEDDER_MISMATCH", "the embedding service returned vectors of an unexpected size", {
          cause: new Error(`expected ${expected} dimensions, got ${vector.length}`),
          details: { expected, received: vector.length },
        });
      }
    }
    return result;
  }
}
