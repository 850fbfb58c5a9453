/**
 * The command line of `npm run bench:speed` (bench/speed.ts): flags, their
 * defaults, and whether a run is the full default one (the only kind that
 * writes bench/RESULTS.md unless told otherwise). Pure.
 */

export interface SpeedOptions {
  /** Corpus sizes in chunks, ascending; the server's index grows through them. */
  sizes: number[];
  /** Timed queries per search pass. */
  queries: number;
  /** Warm-up requests before each timed pass. */
  warmup: number;
  /** Largest size at which Orama is built for comparison. */
  oramaMax: number;
  /** RESULTS.md: true/false forced, undefined = only for the default run. */
  write: boolean | undefined;
  /** Made-up text even when SciFact is there. */
  synthetic: boolean;
  /** Wait for other processes to go quiet before each phase (and repeat disturbed passes). */
  waitQuiet: boolean;
  /** Where to write the issue-9 JSON figures (none: not written). */
  json: string | undefined;
  /** Documents ingested with the default embedder while searches run. */
  embedderDocs: number;
  /** Texts for the embedder throughput figures (default: min(500, embedderDocs)). */
  embedderTexts: number | undefined;
  /** Skip the default-embedder phase (throughput and search-during-ingest). */
  skipEmbedder: boolean;
  /**
   * Serve query embeddings from the per-isolate LRU in the hashing server's
   * search passes (every query embedded once before timing), so that HTTP
   * latency excludes embedding. false: cache off, every search embeds.
   */
  queryCache: boolean;
}

export const speedDefaults = {
  sizes: [1_000, 10_000, 100_000],
  queries: 300,
  warmup: 30,
  oramaMax: 100_000,
  embedderDocs: 5_000,
} as const;

export const speedUsage =
  "usage: npm run bench:speed -- [--sizes 1000,10000,100000] [--queries 300] [--warmup 30] [--orama-max 100000] [--synthetic] " +
  "[--no-wait-quiet] [--write|--no-write] [--json <file>] [--embedder-docs 5000] [--embedder-texts N] [--skip-embedder] [--no-query-cache]";

/** A positive integer; `10k` means 10000. */
function count(flag: string, value: string | undefined): number {
  const parsed = Number(String(value).trim().replace(/k$/i, "000"));
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} needs a positive integer, got ${String(value)}`);
  return parsed;
}

/** Parses the flags after `npm run bench:speed --`; throws on unknown flags or bad values. `--help` gives `{help: true}`. */
export function parseSpeedArgs(argv: readonly string[]): SpeedOptions | { help: true } {
  const options: SpeedOptions = {
    sizes: [...speedDefaults.sizes],
    queries: speedDefaults.queries,
    warmup: speedDefaults.warmup,
    oramaMax: speedDefaults.oramaMax,
    write: undefined,
    synthetic: false,
    waitQuiet: true,
    json: undefined,
    embedderDocs: speedDefaults.embedderDocs,
    embedderTexts: undefined,
    skipEmbedder: false,
    queryCache: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes("=") ? [flag.slice(0, flag.indexOf("=")), flag.slice(flag.indexOf("=") + 1)] : [flag, undefined];
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new Error(`${name} needs a value`);
      return next;
    };
    if (name === "--sizes") options.sizes = [...new Set(value().split(",").map((s) => count("--sizes", s)))].sort((a, b) => a - b);
    else if (name === "--queries") options.queries = count("--queries", value());
    else if (name === "--warmup") {
      const warmup = Number(value());
      if (!Number.isInteger(warmup) || warmup < 0) throw new Error("--warmup needs an integer ≥ 0");
      options.warmup = warmup;
    } else if (name === "--orama-max") options.oramaMax = Number(value());
    else if (name === "--write") options.write = true;
    else if (name === "--no-write") options.write = false;
    else if (name === "--synthetic") options.synthetic = true;
    else if (name === "--no-wait-quiet") options.waitQuiet = false;
    else if (name === "--json") options.json = value();
    else if (name === "--embedder-docs") options.embedderDocs = count("--embedder-docs", value());
    else if (name === "--embedder-texts") options.embedderTexts = count("--embedder-texts", value());
    else if (name === "--skip-embedder") options.skipEmbedder = true;
    else if (name === "--no-query-cache") options.queryCache = false;
    else if (name === "--help" || name === "-h") return { help: true };
    else throw new Error(`unknown flag ${flag} (try --help)`);
  }
  return options;
}

/** The full default run (all sizes, default counts, SciFact, every phase): the one that writes RESULTS.md by default. */
export function isDefaultSpeedRun(options: SpeedOptions): boolean {
  return (
    options.sizes.join() === speedDefaults.sizes.join() &&
    options.queries === speedDefaults.queries &&
    options.warmup === speedDefaults.warmup &&
    options.oramaMax === speedDefaults.oramaMax &&
    options.embedderDocs === speedDefaults.embedderDocs &&
    options.embedderTexts === undefined &&
    !options.skipEmbedder &&
    options.queryCache &&
    !options.synthetic
  );
}

/** Texts for the embedder throughput figures. */
export function embedderTextCount(options: Pick<SpeedOptions, "embedderDocs" | "embedderTexts">): number {
  return options.embedderTexts ?? Math.min(500, options.embedderDocs);
}
