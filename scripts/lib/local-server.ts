/**
 * Runs the worker locally on Miniflare's API: the same bundle `wrangler
 * deploy` ships, with wrangler.toml's [env.local] bindings (real D1 and
 * Queues) plus the LOCAL_SERVICES service binding to this Node process
 * (embedding models, vector index stand-in). Used by `npm run dev`, the
 * benchmarks and the browser tests.
 *
 * `wrangler dev` cannot do this: a service binding to a Node function is only
 * available through Miniflare's API.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import * as esbuild from "esbuild";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";
import { createLocalServices, type LocalServices } from "../../src/adapters/local/node/local-services.js";
import { watchWidget } from "./widget-build.js";

type LocalD1 = Awaited<ReturnType<Miniflare["getD1Database"]>>;
type LocalQueue = Awaited<ReturnType<Miniflare["getQueueProducer"]>>;

export interface LocalServerOptions {
  /** Project root (where wrangler.toml is). */
  root: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Where D1 and the vector index persist. Default `<root>/.wrangler/state`. */
  stateDir?: string;
  /** Wipe the state directory first. */
  reset?: boolean;
  /** Variables that override wrangler.toml [env.local] and .dev.vars. */
  vars?: Record<string, string>;
  /** Rebuild and reload when source files change. */
  watch?: boolean;
  /** Directory with local ONNX models for transformers.js. Default `<root>/models`. */
  modelsDir?: string;
  allowRemoteModels?: boolean;
  /** Reuse embeddings computed by earlier runs (benchmarks). */
  embeddingCacheDir?: string;
  log?: (line: string) => void;
}

export interface LocalServer {
  url: URL;
  miniflare: Miniflare;
  services: LocalServices;
  /** Documents that were queued or processing when the last run stopped and were queued again. */
  recovered: number;
  dispose(): Promise<void>;
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const root = resolve(options.root);
  const log = options.log ?? (() => {});
  const stateDir = resolve(options.stateDir ?? join(root, ".wrangler", "state"));
  if (options.reset) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });

  const bundleDir = join(root, ".wrangler", "local-bundle");
  const scriptPath = join(bundleDir, "worker.js");
  // Reloads Miniflare after rebuilds triggered by the watcher (not the first build).
  let reload: (() => Promise<void>) | undefined;
  const build = await esbuild.context({
    entryPoints: [join(root, "src", "worker.ts")],
    outfile: scriptPath,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*"],
    sourcemap: "linked",
    logLevel: "silent",
    plugins: [
      {
        name: "reload-miniflare",
        setup(pluginBuild) {
          pluginBuild.onEnd(async (result) => {
            if (!reload) return;
            if (result.errors.length > 0) log(`build failed: ${result.errors.map((error) => error.text).join("; ")}`);
            else await reload();
          });
        },
      },
    ],
  });
  await build.rebuild();

  const previousLogLevel = process.env.WRANGLER_LOG;
  process.env.WRANGLER_LOG = "error"; // [env.local] deliberately lacks `ai` and `vectorize`
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"), "local");
  if (previousLogLevel === undefined) delete process.env.WRANGLER_LOG;
  else process.env.WRANGLER_LOG = previousLogLevel;

  const services = createLocalServices({
    dataDir: join(stateDir, "local-vectorize"),
    modelsDir: options.modelsDir ?? join(root, "models"),
    transformersCacheDir: join(root, ".data", "transformers-cache"),
    allowRemoteModels: options.allowRemoteModels,
    embeddingCacheDir: options.embeddingCacheDir,
  });

  const vars = { ...(workerOptions.bindings as Record<string, string> | undefined), ...options.vars };
  const worker = (): WorkerOptions =>
    ({
      ...workerOptions,
      name: "edge-rag",
      modules: true,
      scriptPath,
      bindings: vars,
      serviceBindings: { LOCAL_SERVICES: (request: Request) => services.fetch(request) },
    }) as WorkerOptions;

  const sharedOptions = {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 8787,
    d1Persist: join(stateDir, "v3", "d1"),
    defaultPersistRoot: join(stateDir, "v3"),
  };
  const miniflare = new Miniflare({ ...sharedOptions, workers: [worker()] });
  let url: URL;
  try {
    url = await miniflare.ready;
  } catch (error) {
    await build.dispose();
    await services.close();
    throw error;
  }

  const db = await miniflare.getD1Database("DB");
  const applied = await applyMigrations(db, join(root, "migrations"));
  if (applied.length > 0) log(`applied migrations: ${applied.join(", ")}`);

  // Local queues live in memory: anything queued or in flight when the last
  // run stopped is gone, so queue those documents again.
  const recovered = await requeueUnfinished(db, await miniflare.getQueueProducer("INGEST_QUEUE"));

  let widgetWatcher: { dispose(): Promise<void> } | undefined;
  if (options.watch) {
    // watch() starts with a build of its own; only later builds are changes.
    let initial = true;
    reload = async () => {
      if (initial) {
        initial = false;
        return;
      }
      await miniflare.setOptions({ ...sharedOptions, port: Number(url.port), workers: [worker()] });
      log("reloaded after a source change");
    };
    await build.watch();
    // The chat widget (dist/assets/widget.js, served as a static asset): rebuilt on change, then reloaded.
    widgetWatcher = await watchWidget(root, { onRebuild: () => reload?.(), log });
  }

  return {
    url,
    miniflare,
    services,
    recovered,
    async dispose() {
      reload = undefined;
      await build.dispose();
      await widgetWatcher?.dispose();
      await miniflare.dispose();
      await services.close();
    },
  };
}

/** Applies `migrations/*.sql` not yet recorded in `d1_migrations` (the table wrangler and the test pool use). */
export async function applyMigrations(db: LocalD1, dir: string): Promise<string[]> {
  await db.prepare(
    "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
  ).run();
  const { results } = await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>();
  const done = new Set(results.map((row) => row.name));
  const pending = readdirSync(dir).filter((name) => /^\d+.*\.sql$/.test(name) && !done.has(name)).sort();
  for (const name of pending) {
    const statements = unstable_splitSqlQuery(readFileSync(join(dir, name), "utf8")).map((sql) => db.prepare(sql));
    await db.batch([...statements, db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(name)]);
  }
  return pending;
}

async function requeueUnfinished(db: LocalD1, queue: LocalQueue): Promise<number> {
  const { results } = await db
    .prepare("SELECT tenant_id, id, version FROM documents WHERE status IN ('queued', 'processing')")
    .all<{ tenant_id: string; id: string; version: number }>();
  for (let start = 0; start < results.length; start += 100) {
    await queue.sendBatch(
      results.slice(start, start + 100).map((row) => ({
        body: { kind: "ingest", tenant_id: row.tenant_id, document_id: row.id, version: row.version },
        contentType: "json" as const,
      })),
    );
  }
  return results.length;
}
