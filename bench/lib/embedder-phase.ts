/**
 * The default embedder (`@local/universal-sentence-encoder`) in the speed
 * benchmark:
 * 1. throughput: embedder-speed.ts's texts/s of the default path against the
 *    embedder it replaced, in this process, on the corpus's first texts;
 * 2. search while ingesting: a fresh server in its own process with the
 *    default embedder (no EMBEDDING_MODEL override) and the query-embedding
 *    cache off (QUERY_EMBEDDING_CACHE_SIZE=0, so every search embeds its
 *    query), ingests the corpus (SciFact abstracts, else generated help
 *    pages: load-corpus.ts) while hybrid searches are sent one at a time
 *    until the ingest has finished; then the same searches, in the same
 *    order, on the idle server. Latency is HTTP wall time per search.
 */
import { loadCorpus } from "./load-corpus.js";
import { summarize, type LatencySummary } from "./latency.js";
import { embedderFigures, type EmbedderFigures, type Outcome } from "./external-figures.js";
import type { PhaseRunner } from "./quiet-phase.js";
import { startSpeedServer } from "./speed-server.js";
import { timedIngest, type TimedIngest } from "./timed-ingest.js";
import type { BenchApi } from "./bench-server.js";

export interface SearchUnderLoad {
  /** Searches sent while the ingest ran (HTTP wall time). */
  during: LatencySummary;
  /** The same searches on the idle server afterwards. */
  idle: LatencySummary;
  /** Searches that failed (during, idle). */
  errors: { during: number; idle: number };
  ingest: TimedIngest;
  otherCores: { ingest?: number; idle?: number };
}

export interface EmbedderPhase {
  corpus: string;
  documents: number;
  throughput: Outcome<EmbedderFigures>;
  throughputOtherCores?: number;
  search: Outcome<SearchUnderLoad>;
  logFile?: string;
}

/** Sends one hybrid search; its HTTP wall time in ms, or undefined when it failed. */
async function timedSearch(api: BenchApi, query: string, topK: number): Promise<number | undefined> {
  const started = performance.now();
  try {
    await api.request("POST", "/v1/search", { query, mode: "hybrid", top_k: topK });
    return performance.now() - started;
  } catch {
    return undefined;
  }
}

export async function runEmbedderPhase(options: {
  docs: number;
  texts: number;
  scifactDir: string;
  dir: string;
  topK: number;
  phases: PhaseRunner;
  log: (line: string) => void;
  note: (line: string) => void;
}): Promise<EmbedderPhase> {
  const { log, note, phases } = options;
  const corpus = loadCorpus({ docs: options.docs, seed: 7, scifactDir: options.scifactDir });
  log(`Corpus: ${corpus.description}.`);

  const texts = corpus.documents.slice(0, options.texts).map((doc) => `${doc.title}\n${doc.content}`);
  const [throughput, throughputOtherCores] = await phases.withContention(() => embedderFigures(texts));
  if (throughput.ok) {
    const t = throughput.value;
    log(
      `throughput (in-process, ${t.texts ?? texts.length} texts): ${t.model} ${t.texts_per_s.toFixed(1)} texts/s` +
        (t.runtime ? ` on ${t.runtime}` : "") +
        `; before: ${t.pure_js_texts_per_s.toFixed(1)} texts/s; speedup ${t.speedup_vs_pure_js.toFixed(2)}×`,
    );
  } else log(`throughput: failed — ${throughput.error}`);

  let logFile: string | undefined;
  let search: Outcome<SearchUnderLoad>;
  try {
    await phases.quietMachine();
    const server = await startSpeedServer({ dir: options.dir, name: "embedder-server", vars: { LOG_LEVEL: "warn", QUERY_EMBEDDING_CACHE_SIZE: "0", INGEST_MAX_BACKLOG: "0" } });
    logFile = server.logFile;
    try {
      const questions = corpus.questions.length > 0 ? corpus.questions : corpus.documents.map((doc) => doc.title);
      // Loads the model before anything is timed.
      for (const query of questions.slice(0, 5)) await server.api.request("POST", "/v1/search", { query, mode: "hybrid", top_k: options.topK });

      const sent: string[] = [];
      const during: number[] = [];
      let duringErrors = 0;
      let ingestDone = false;
      const [ingest, ingestOther] = await phases.withContention(async () => {
        const running = timedIngest(server.api, corpus.documents, note).finally(() => {
          ingestDone = true;
        });
        while (!ingestDone) {
          const query = questions[sent.length % questions.length]!;
          sent.push(query);
          const ms = await timedSearch(server.api, query, options.topK);
          if (ms === undefined) duringErrors++;
          else during.push(ms);
        }
        return running;
      });
      log(
        `ingested ${ingest.documents} documents → ${ingest.chunks} chunks in ${ingest.totalSeconds.toFixed(1)} s (${(ingest.chunks / ingest.totalSeconds).toFixed(1)} chunks/s) ` +
          `while ${sent.length} hybrid searches ran one at a time; other processes ${ingestOther === undefined ? "–" : ingestOther.toFixed(2)} cores`,
      );

      const [idle, idleOther] = await phases.withContention(async () => {
        const times: number[] = [];
        let errors = 0;
        for (const query of sent) {
          const ms = await timedSearch(server.api, query, options.topK);
          if (ms === undefined) errors++;
          else times.push(ms);
        }
        return { times, errors };
      });
      search = {
        ok: true,
        value: {
          during: summarize(during),
          idle: summarize(idle.times),
          errors: { during: duringErrors, idle: idle.errors },
          ingest,
          otherCores: { ingest: ingestOther, idle: idleOther },
        },
      };
    } finally {
      await server.stop();
    }
  } catch (error) {
    search = { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  return { corpus: corpus.description, documents: corpus.documents.length, throughput, throughputOtherCores, search, logFile };
}
