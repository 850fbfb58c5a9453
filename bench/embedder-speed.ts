/**
 * `npx tsx bench/embedder-speed.ts --texts 500`: texts per second of the
 * offline default embedder (`@local/universal-sentence-encoder`) through the
 * model thread, against the embedder it replaced, on the same texts in one
 * run (see `lib/embedder-speed.ts` for what each figure measures).
 *
 * Texts: the first N SciFact abstracts (title and text, whole: ~1,500
 * characters) from ../shared/bench-data/scifact when present, otherwise
 * synthetic passages (Zipf vocabulary), which the tool says.
 *
 * Flags: --texts N (default 500)  --rounds N (default 5)  --no-fallback
 *        (skip timing the WASM fallback on its own)  --json <file>
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { collectionExists, loadCollection } from "./lib/collection.js";
import { benchEmbedderThroughput } from "./lib/embedder-speed.js";
import { syntheticPassages } from "./lib/speed-corpus.js";

interface Options {
  texts: number;
  rounds: number;
  fallback: boolean;
  json?: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { texts: 500, rounds: 5, fallback: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    const count = (name: string) => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
      return n;
    };
    if (arg === "--texts") options.texts = count(arg);
    else if (arg === "--rounds") options.rounds = count(arg);
    else if (arg === "--no-fallback") options.fallback = false;
    else if (arg === "--json") options.json = value();
    else if (arg === "--help" || arg === "-h") {
      console.log("usage: npx tsx bench/embedder-speed.ts [--texts 500] [--rounds 5] [--no-fallback] [--json <file>]");
      process.exit(0);
    } else throw new Error(`unknown flag ${arg}`);
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
  const scifactDir = join(projectRoot, "..", "shared", "bench-data", "scifact");
  let texts: string[];
  let source: string;
  if (collectionExists(scifactDir)) {
    const corpus = loadCollection(scifactDir).corpus;
    texts = corpus.slice(0, options.texts).map((doc) => (doc.title ? `${doc.title}\n${doc.text}` : doc.text));
    source = `the first ${texts.length} SciFact abstracts (title and text)`;
    if (texts.length < options.texts) source += ` (the corpus has only ${corpus.length})`;
  } else {
    texts = syntheticPassages(options.texts, { maxTokens: 320, seed: 7 }).map((passage) => `${passage.title}\n${passage.text}`);
    source = `${texts.length} synthetic passages (${scifactDir} not found)`;
  }
  console.log(`Embedder speed — ${new Date().toISOString()}`);
  console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}; load average (1 min) at start ${loadavg()[0]!.toFixed(2)}; Node ${process.version}`);
  console.log(`Texts: ${source}.`);
  const result = await benchEmbedderThroughput({ texts, rounds: options.rounds, fallback: options.fallback });
  console.log(`Load average (1 min) at end ${loadavg()[0]!.toFixed(2)}.`);
  console.log(
    `${result.model} on ${result.runtime}: ${result.texts_per_s.toFixed(1)} texts/s through the model thread; ` +
      `before (${result.baseline}): ${result.pure_js_texts_per_s.toFixed(1)} texts/s; ` +
      `speedup ${result.speedup_vs_pure_js.toFixed(2)}× (CPU time per text ${result.cpu_ms_per_text.baseline.toFixed(1)} → ${result.cpu_ms_per_text.default.toFixed(1)} ms)` +
      (result.wasm_fallback_texts_per_s !== undefined ? `; WASM fallback alone ${result.wasm_fallback_texts_per_s.toFixed(1)} texts/s` : "") +
      ".",
  );
  console.log(JSON.stringify(result, null, 2));
  if (options.json) writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
}

await main();
