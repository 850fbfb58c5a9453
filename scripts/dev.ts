/**
 * `npm run dev`: the whole service on http://127.0.0.1:8787, offline.
 *
 *   npm run dev                      # start (state kept in .wrangler/state)
 *   npm run dev -- --reset           # start from empty D1 + vector index
 *   npm run dev -- --port 9000 --host 0.0.0.0 --no-watch
 *   npm run dev -- --cron-interval 10   # scheduled sweep every 10 s (0: never; default 60)
 *
 * API_KEY, LLM_BASE_URL, EMBEDDING_MODEL, ... may be set in the shell or in
 * .dev.vars; the shell wins.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { startLocalServer } from "./lib/local-server.js";

const passThroughVars = [
  "API_KEY",
  "EMBEDDING_MODEL",
  "EMBEDDING_PROVIDER",
  "EMBEDDING_BASE_URL",
  "EMBEDDING_API_KEY",
  "EMBEDDING_DIMENSIONS",
  "GENERATOR",
  "GENERATION_MODEL",
  "GENERATION_MAX_TOKENS",
  "LLM_BASE_URL",
  "LLM_API_KEY",
  "LLM_MODEL",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_MODEL",
  "ANTHROPIC_BASE_URL",
  "CHUNK_MAX_TOKENS",
  "CHUNK_OVERLAP_TOKENS",
  "HYBRID_RRF_K",
  "HYBRID_KEYWORD_WEIGHT",
  "HYBRID_VECTOR_WEIGHT",
  "KEYWORD_EXPANSION",
  "KEYWORD_EXPANSION_DOCS",
  "KEYWORD_EXPANSION_TERMS",
  "KEYWORD_EXPANSION_ORIGINAL_WEIGHT",
  "INGEST_RETRY_BASE_SECONDS",
  "SOURCES_ALLOW_PRIVATE_HOSTS",
  "SOURCES_MAX_PAGES",
  "SOURCES_FETCHES_PER_SECOND",
];

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8787" },
    reset: { type: "boolean", default: false },
    "no-watch": { type: "boolean", default: false },
    "models-dir": { type: "string" },
    // Seconds between runs of the scheduled handler (wrangler.toml's cron); default LOCAL_CRON_INTERVAL_SECONDS or 60.
    "cron-interval": { type: "string" },
  },
});

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vars = Object.fromEntries(passThroughVars.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));

const log = (line: string) => console.log(`[edge-rag] ${line}`);
let server;
try {
  server = await startLocalServer({
    root,
    host: values.host,
    port: Number(values.port),
    reset: values.reset,
    watch: !values["no-watch"],
    vars,
    modelsDir: values["models-dir"],
    cronIntervalSeconds: values["cron-interval"] === undefined ? undefined : Number(values["cron-interval"]),
    allowRemoteModels: process.env.LOCAL_ALLOW_REMOTE_MODELS === "1",
    log,
  });
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  if (/EADDRINUSE|address already in use/i.test(message)) {
    console.error(`[edge-rag] port ${values.port} is in use; pass --port <n> or stop the other server`);
  } else {
    console.error(`[edge-rag] could not start: ${message}`);
  }
  process.exit(1);
}

const health = await fetch(new URL("/health", server.url)).then((response) => response.json() as Promise<Record<string, any>>);
const base = server.url.href.replace(/\/$/, "");
log(`listening on ${base}`);
log(`API key: ${vars.API_KEY ? "(from API_KEY)" : "local-dev-key"}`);
if (health.status === "ok") {
  log(`embedder: ${health.embedder.model} (${health.embedder.dimensions} dimensions); generator: ${health.generator.model}`);
} else {
  log(`health check failed: ${health.error?.message ?? "unknown error"}`);
}
if (server.recovered > 0) log(`re-queued ${server.recovered} document(s) left unfinished by the last run`);
log(`try: curl -s ${base}/health`);
log(`chat widget demo: ${base}/demo`);

const stop = async () => {
  log("stopping");
  await server.dispose();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
