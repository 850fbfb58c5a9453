/**
 * Runs the worker locally on Miniflare's API: the same bundle `wrangler
 * deploy` ships, with wrangler.toml's [env.local] bindings (real D1 and
 * Queues) plus the LOCAL_SERVICES service binding to this Node process
 * (embedding models, vector index stand-in). Used by `npm run dev`, the
 * benchmarks and the browser tests.
 *
 * Promises: the user-facing port accepts no connection before the database
 * is migrated (the runtime first starts on a private loopback port, migrates,
 * then moves to the real port); the worker's scheduled handler runs every
 * `cronIntervalSeconds`, never two runs at once, as wrangler.toml's cron
 * triggers would run it in production (Miniflare does not fire them here).
 *
 * `wrangler dev` cannot do this: a service binding to a Node function is only
 * available through Miniflare's API.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import * as esbuild from "esbuild";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig, unstable_splitSqlQuery } from "wrangler";
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
  /**
   * Seconds between runs of the worker's scheduled handler (wrangler.toml's
   * cron triggers stand-in); 0 disables the timer (`runScheduled()` still
   * works). Default: LOCAL_CRON_INTERVAL_SECONDS from the environment, else 60.
   */
  cronIntervalSeconds?: number;
  /**
   * Called once the runtime is up on its private port, before migrations are
   * applied; startup waits for it. Lets a test look at the user-facing port
   * at exactly that moment.
   */
  beforeMigrations?: () => Promise<void>;
  log?: (line: string) => void;
}

export interface LocalServer {
  url: URL;
  miniflare: Miniflare;
  services: LocalServices;
  /** Documents that were queued or processing when the last run stopped and were queued again. */
  recovered: number;
  /**
   * Runs the worker's scheduled handler now, once per cron trigger in
   * wrangler.toml, and resolves when it has finished (its `waitUntil` work
   * included). A run already in progress is waited for first, so the run
   * starts after the call. Rejects when the handler failed.
   */
  runScheduled(): Promise<void>;
  dispose(): Promise<void>;
}

/** Default seconds between local runs of the scheduled handler (production: every 10 minutes). */
export const defaultCronIntervalSeconds = 60;

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const root = resolve(options.root);
  const log = options.log ?? (() => {});
  const cronIntervalSeconds = options.cronIntervalSeconds ?? cronIntervalFromEnvironment() ?? defaultCronIntervalSeconds;
  if (!Number.isFinite(cronIntervalSeconds) || cronIntervalSeconds < 0) {
    throw new Error(`the cron interval must be a number of seconds ≥ 0 (0 disables it), got ${cronIntervalSeconds}`);
  }
  const stateDir = resolve(options.stateDir ?? join(root, ".wrangler", "state"));
  if (options.reset) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });

  // One bundle directory per server: workerd reads the bundle again on every
  // restart (the move to the user-facing port, reloads), so another launcher
  // rebuilding into a shared path could hand it a half-written file. (It
  // must sit under the working directory, which workerd resolves modules in.)
  const bundlesDir = join(root, ".wrangler", "local-bundle");
  removeAbandonedBundles(bundlesDir);
  const bundleDir = join(bundlesDir, `${process.pid}-${randomUUID().slice(0, 8)}`);
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
  try {
    await build.rebuild();
  } catch (error) {
    await build.dispose();
    rmSync(bundleDir, { recursive: true, force: true });
    throw error;
  }

  const previousLogLevel = process.env.WRANGLER_LOG;
  process.env.WRANGLER_LOG = "error"; // [env.local] deliberately lacks `ai` and `vectorize`
  const configPath = join(root, "wrangler.toml");
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath, "local");
  const crons = unstable_readConfig({ config: configPath, env: "local" }).triggers.crons ?? [];
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
  // The runtime starts on a private ephemeral loopback port, where the
  // migrations are applied; only then does it move to the user-facing port
  // (a restart of workerd: D1 is on disk, and the queues are still empty).
  // So no request is ever served by a database without its tables.
  const miniflare = new Miniflare({ ...sharedOptions, host: "127.0.0.1", port: 0, workers: [worker()] });
  let url: URL;
  try {
    await miniflare.ready;
    await options.beforeMigrations?.();
    const applied = await applyMigrations(await miniflare.getD1Database("DB"), join(root, "migrations"));
    if (applied.length > 0) log(`applied migrations: ${applied.join(", ")}`);
    await miniflare.setOptions({ ...sharedOptions, workers: [worker()] });
    url = await miniflare.ready;
  } catch (error) {
    await miniflare.dispose().catch(() => {});
    await build.dispose();
    await services.close();
    rmSync(bundleDir, { recursive: true, force: true });
    throw error;
  }

  // Local queues live in memory: anything queued or in flight when the last
  // run stopped (or before the move above) is gone, so queue those documents
  // again. Requests are already served, which is safe: a document queued
  // twice is processed once (processing is idempotent).
  const requeue = async () => requeueUnfinished(await miniflare.getD1Database("DB"), await miniflare.getQueueProducer("INGEST_QUEUE"));
  const recovered = await requeue();

  const scheduled = serialRunner(async () => {
    const target = await miniflare.getWorker();
    for (const cron of crons.length > 0 ? crons : [undefined]) {
      const { outcome } = await target.scheduled({ cron, scheduledTime: new Date() });
      if (outcome !== "ok") throw new Error(`the scheduled handler${cron ? ` (cron "${cron}")` : ""} ended with outcome "${outcome}"`);
    }
  });
  // A tick while a run is still going is skipped, never stacked. As on
  // Cloudflare, no cron trigger in wrangler.toml means no timer.
  const cronTimer =
    cronIntervalSeconds > 0 && crons.length > 0
      ? setInterval(() => {
          if (scheduled.running) return;
          scheduled.run().catch((error: unknown) => log(`scheduled run failed: ${error instanceof Error ? error.message : String(error)}`));
        }, cronIntervalSeconds * 1000)
      : undefined;
  cronTimer?.unref();

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
      // The restart emptied the in-memory queues: queue unfinished documents again.
      const requeued = await requeue();
      if (requeued > 0) log(`re-queued ${requeued} unfinished document(s) after the reload`);
    };
    await build.watch();
    // The chat widget (dist/assets/widget.js, served as a static asset): rebuilt on change, then reloaded.
    widgetWatcher = await watchWidget(root, { onRebuild: () => reload?.(), log });
  }

  let disposed = false;
  return {
    url,
    miniflare,
    services,
    recovered,
    runScheduled() {
      if (disposed) return Promise.reject(new Error("the local server was disposed"));
      return scheduled.run();
    },
    async dispose() {
      disposed = true;
      reload = undefined;
      clearInterval(cronTimer);
      await scheduled.settled();
      await build.dispose();
      await widgetWatcher?.dispose();
      await miniflare.dispose();
      await services.close();
      rmSync(bundleDir, { recursive: true, force: true });
    },
  };
}

/** Deletes bundle directories (`<pid>-<id>`) left by launchers whose process is gone. */
function removeAbandonedBundles(bundlesDir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(bundlesDir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(/^(\d+)-/.exec(entry)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) {
      rmSync(join(bundlesDir, entry), { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function cronIntervalFromEnvironment(): number | undefined {
  const value = process.env.LOCAL_CRON_INTERVAL_SECONDS?.trim();
  return value ? Number(value) : undefined;
}

/**
 * Runs `task` one call at a time. `run()` during a run waits for it, then
 * starts one new run shared by every caller that asked meanwhile (each sees a
 * run that began after its call).
 */
export function serialRunner(task: () => Promise<void>): { run(): Promise<void>; readonly running: boolean; settled(): Promise<void> } {
  let current: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = () => {
    const run = task().finally(() => {
      if (current === run) current = undefined;
    });
    current = run;
    return run;
  };
  return {
    run() {
      if (!current) return start();
      next ??= current
        .catch(() => {})
        .then(() => {
          next = undefined;
          return start();
        });
      return next;
    },
    get running() {
      return current !== undefined;
    },
    async settled() {
      while (current || next) await (next ?? current)!.catch(() => {});
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
    .prepare("SELECT tenant_id, id, version, incarnation FROM documents WHERE status IN ('queued', 'processing')")
    .all<{ tenant_id: string; id: string; version: number; incarnation: string }>();
  for (let start = 0; start < results.length; start += 100) {
    await queue.sendBatch(
      results.slice(start, start + 100).map((row) => ({
        body: { kind: "ingest", tenant_id: row.tenant_id, document_id: row.id, version: row.version, incarnation: row.incarnation },
        contentType: "json" as const,
      })),
    );
  }
  return results.length;
}
