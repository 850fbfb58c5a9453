/**
 * The linear-time tokenizer gives exactly the ids of the tokenizer inside
 * `@energetic-ai/embeddings` 0.2.0 (the one the Universal Sentence Encoder's
 * vectors were made with): on SciFact abstracts when the bench data is there,
 * on generated text always, and on the cases its quirks decide (unknown
 * characters, astral code points, NFKC, spaces).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EmbeddingsModel } from "@energetic-ai/embeddings";
import { beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../../../core/seeded-random.js";
import { readUseVocabulary, type UseModelFiles } from "./use-model-files.js";
import { createUseTokenizer } from "./use-tokenizer.js";

const scifactCorpus = join(process.cwd(), "..", "shared", "bench-data", "scifact", "corpus.jsonl");

let vocabulary: UseModelFiles["vocabulary"];
let reference: (text: string) => number[];
let encode: (text: string) => number[];

beforeAll(async () => {
  vocabulary = await readUseVocabulary();
  // The package's tokenizer, as its EmbeddingsModel builds it (the model itself is not needed to tokenize).
  const packaged = new EmbeddingsModel({ vocabulary, model: null as never }).tokenizer;
  reference = (text) => packaged.encode(text);
  encode = createUseTokenizer(vocabulary);
});

/** Deterministic text from vocabulary pieces, spaces, punctuation, digits and some non-ASCII. */
function generatedTexts(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const extras = [" ", "  ", ".", ",", "é", "ß", "ﬁ", "😀", "𝔘", "日本", "\t", "\n", "Ω", "-", "(", ")", "0", "42", "A", "Z"];
  return Array.from({ length: count }, () => {
    const parts: string[] = [];
    const length = 1 + Math.floor(random() * 60);
    for (let i = 0; i < length; i++) {
      if (random() < 0.7) {
        const piece = vocabulary[6 + Math.floor(random() * (vocabulary.length - 6))]![0].replace(/\u2581/g, " ");
        parts.push(random() < 0.1 ? piece.toUpperCase() : piece);
      } else {
        parts.push(extras[Math.floor(random() * extras.length)]!);
      }
    }
    return parts.join(random() < 0.5 ? "" : " ");
  });
}

describe("createUseTokenizer", () => {
  it("gives the package's ids on the cases its quirks decide", () => {
    const cases = [
      "",
      " ",
      "   leading and trailing   ",
      "How long do I have to ask for a refund?",
      "HOW LONG DO I HAVE TO ASK FOR A REFUND?",
      "unknown symbols: \u0000\u0001\u0002 ☃☃☃ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀😀",
      "ligatures and widths: ﬁnance ｆｕｌｌ ①②",
      "combining: e\u0301 vs é",
      "日本語のテキストと中文",
      "tabs\tand\nnewlines\r\n",
      "a".repeat(300),
      "x😀y😀z",
      // Two segmentations score the same here: the later candidate wins, as in the package.
      "variant rs8099917 of IL28B",
    ];
    for (const text of cases) expect(encode(text), JSON.stringify(text)).toEqual(reference(text));
  });

  it("gives the package's ids on 500 generated texts", () => {
    for (const text of generatedTexts(500, 11)) expect(encode(text), JSON.stringify(text)).toEqual(reference(text));
  });

  it.runIf(existsSync(scifactCorpus))("gives the package's ids on 200 SciFact abstracts (title and text, cut to 2,048 characters)", () => {
    const docs = readFileSync(scifactCorpus, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .slice(0, 200)
      .map((line) => JSON.parse(line) as { title: string; text: string })
      .map((doc) => `${doc.title}\n${doc.text}`.slice(0, 2048));
    expect(docs).toHaveLength(200);
    for (const text of docs) expect(encode(text)).toEqual(reference(text));
  });
});
