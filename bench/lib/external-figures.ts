/**
 * Adapters to the figures other bench modules compute, loaded on demand so
 * that a module that fails to load or run costs its own figures (reported as
 * an error) rather than the whole speed run:
 * - vector-scan-bench.ts `benchVectorScan(sizes, opts)`: the local vector
 *   stand-in's `index.query` against the plain scalar loop, in-process;
 * - embedder-speed.ts `benchEmbedderThroughput({texts})`: the default
 *   embedder's texts/s against the embedder it replaced.
 * Only the fields the speed report uses are passed on.
 */

export interface VectorScanFigures {
  speedup: number;
  recall_at_10: number;
  ours_p50_ms: number;
  plain_p50_ms: number;
  memory_bytes_per_100k_before: number;
  memory_bytes_per_100k_after: number;
  repetitions?: number;
}

export interface EmbedderFigures {
  model: string;
  texts_per_s: number;
  pure_js_texts_per_s: number;
  speedup_vs_pure_js: number;
  /** What the default path ran on and what the baseline was, when the module says. */
  runtime?: string;
  baseline?: string;
  texts?: number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

const failure = (error: unknown): { ok: false; error: string } => ({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });

/** Vector scan figures for one size (512-d random vectors, the module's defaults). */
export async function vectorScanFigures(size: number, options: { dimensions: number; log?: (line: string) => void }): Promise<Outcome<VectorScanFigures>> {
  try {
    const { benchVectorScan } = await import("./vector-scan-bench.js");
    const figures = (await benchVectorScan([size], { dimensions: options.dimensions, log: options.log }))[String(size)];
    if (!figures) throw new Error(`benchVectorScan returned no figures for ${size}`);
    const { speedup, recall_at_10, ours_p50_ms, plain_p50_ms, memory_bytes_per_100k_before, memory_bytes_per_100k_after, repetitions } = figures;
    return { ok: true, value: { speedup, recall_at_10, ours_p50_ms, plain_p50_ms, memory_bytes_per_100k_before, memory_bytes_per_100k_after, repetitions } };
  } catch (error) {
    return failure(error);
  }
}

/** Embedder throughput on `texts`. */
export async function embedderFigures(texts: string[]): Promise<Outcome<EmbedderFigures>> {
  try {
    const { benchEmbedderThroughput } = await import("./embedder-speed.js");
    const result = await benchEmbedderThroughput({ texts });
    const { model, texts_per_s, pure_js_texts_per_s, speedup_vs_pure_js, runtime, baseline } = result;
    return { ok: true, value: { model, texts_per_s, pure_js_texts_per_s, speedup_vs_pure_js, runtime, baseline, texts: result.texts } };
  } catch (error) {
    return failure(error);
  }
}
