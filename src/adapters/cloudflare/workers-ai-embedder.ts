/**
 * Embedder over the Workers AI `run()` protocol (`{text: string[]}` →
 * `{shape, data}`). In production it calls the `AI` binding; in local mode the
 * same code calls the local stand-in (`adapters/local/local-ai.ts`), which
 * serves local models under the same protocol. A failed call becomes
 * UPSTREAM_UNAVAILABLE with the upstream status in details (see
 * workers-ai-errors.ts), the original error as cause.
 */
import { AppError } from "../../core/errors.js";
import type { AiRunner } from "../../ports/ai-runner.js";
import type { Embedder, EmbedderInfo } from "../../ports/embedder.js";
import { workersAiFailure } from "./workers-ai-errors.js";


interface ModelProfile {
  dimensions?: number;
  /** Sent as `pooling`; part of the recorded model id because it changes the vectors. */
  pooling?: "cls" | "mean";
  queryPrefix?: string;
  documentPrefix?: string;
  /**
   * true: the model keeps case and embeds text in capitals far from the same
   * text in lower case (measured), so shouting is normalised before it (see
   * services/case-normalizing-embedder.ts); false: its tokenizer lower-cases
   * (normalising changes nothing); absent: not known.
   */
  caseSensitive?: boolean;
}

const bgeQueryInstruction = "Represent this sentence for searching relevant passages: ";

/**
 * What we know about models whose behaviour is documented. Others are probed.
 * bge-*-en-v1.5 use an uncased (lower-casing) BERT tokenizer. bge-m3 and
 * embeddinggemma keep case but are not measured here, so they are not marked.
 */
const profiles: Record<string, ModelProfile> = {
  "@cf/baai/bge-small-en-v1.5": { dimensions: 384, pooling: "cls", queryPrefix: bgeQueryInstruction, caseSensitive: false },
  "@cf/baai/bge-base-en-v1.5": { dimensions: 768, pooling: "cls", queryPrefix: bgeQueryInstruction, caseSensitive: false },
  "@cf/baai/bge-large-en-v1.5": { dimensions: 1024, pooling: "cls", queryPrefix: bgeQueryInstruction, caseSensitive: false },
  "@cf/baai/bge-m3": { dimensions: 1024 },
  "@cf/google/embeddinggemma-300m": {
    dimensions: 768,
    queryPrefix: "task: search result | query: ",
    documentPrefix: "title: none | text: ",
  },
  // Cased: "HOW DO I GET A REFUND?" lands far from "how do i get a refund?" (core/text/casing.ts has figures).
  "@local/universal-sentence-encoder": { dimensions: 512, caseSensitive: true },
  // Hashes lower-cased words.
  "@local/feature-hashing-512": { dimensions: 512, caseSensitive: false },
};

/** Output size of a model we have a profile for (used by provisioning to size the Vectorize index). */
export function knownEmbeddingDimensions(model: string): number | undefined {
  return profiles[model]?.dimensions;
}

/** Whether a model is known to be cased (`true`), uncased (`false`) or not known (`undefined`); see ModelProfile.caseSensitive. */
export function knownCaseSensitivity(model: string): boolean | undefined {
  return profiles[model]?.caseSensitive;
}

/** Workers AI accepts at most 100 texts per embedding call. */
const maxTextsPerCall = 100;

export class WorkersAiEmbedder implements Embedder {
  readonly model: string;
  readonly maxBatchSize = maxTextsPerCall;
  private readonly profile: ModelProfile;
  private dimensions: Promise<number> | undefined;

  constructor(
    private readonly ai: AiRunner,
    private readonly modelName: string,
  ) {
    this.profile = profiles[modelName] ?? {};
    this.model = this.profile.pooling ? `${modelName}#${this.profile.pooling}` : modelName;
  }

  async describe(): Promise<EmbedderInfo> {
    this.dimensions ??= this.profile.dimensions !== undefined
      ? Promise.resolve(this.profile.dimensions)
      : this.embed(["dimension probe"]).then(([vector]) => vector!.length);
    try {
      return { model: this.model, dimensions: await this.dimensions };
    } catch (error) {
      this.dimensions = undefined;
      throw error;
    }
  }

  embedDocuments(texts: string[]): Promise<number[][]> {
    const prefix = this.profile.documentPrefix;
    return this.embed(prefix ? texts.map((text) => prefix + text) : texts);
  }

  async embedQuery(text: string): Promise<number[]> {
    const [vector] = await this.embed([(this.profile.queryPrefix ?? "") + text]);
    return vector!;
  }

  private async embed(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += maxTextsPerCall) {
      const batch = texts.slice(start, start + maxTextsPerCall);
      const inputs: Record<string, unknown> = { text: batch };
      if (this.profile.pooling) inputs.pooling = this.profile.pooling;
      let output: unknown;
      try {
        output = await this.ai.run(this.modelName, inputs);
      } catch (error) {
        throw workersAiFailure(`embedding model ${this.modelName} failed`, error);
      }
      const data = (output as { data?: unknown } | undefined)?.data;
      if (!Array.isArray(data) || data.length !== batch.length || !data.every((row) => Array.isArray(row) && row.length > 0)) {
        throw new AppError("UPSTREAM_UNAVAILABLE", `embedding model ${this.modelName} returned an unexpected response`);
      }
      vectors.push(...(data as number[][]));
    }
    const expected = this.profile.dimensions;
    if (expected !== undefined && vectors.some((vector) => vector.length !== expected)) {
      throw new AppError("EMBEDDER_MISMATCH", `embedding model ${this.modelName} returned vectors of an unexpected size (expected ${expected})`);
    }
    return vectors;
  }
}
