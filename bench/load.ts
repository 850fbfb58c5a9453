/**
 * `npm run bench:load -- --concurrency 50 --duration 20`: the local server
 * under concurrent streamed chats and searches.
 *
 * Starts the server in a process of its own with fresh state (or drives
 * `--url`, loopback only unless `--allow-non-loopback`), creates a tenant
 * with a query key (its rate limits raised unless `--default-limits`),
 * ingests a small corpus through the API and the queue, then runs a closed
 * loop: `--concurrency` clients, each sending one request after another for
 * `--duration` seconds, `--chat-ratio` of them streamed chats (some leave on
 * purpose after `sources` or the first `delta`), the rest searches. Prints
 * p50/p95/p99 time to `sources`, to the first `delta` and to `done`, search
 * latency, `errors: N`, `429: N`, disconnects, throughput, the server's
 * memory before and after, and a health check after the run. Exits 1 when
 * any request failed or the health check did.
 *
 * Bounded: a fixed number of clients, a per-request timeout and a hard
 * overall timeout after which everything still running is aborted.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { seededRandom } from "../src/core/seeded-random.js";
import { BenchApi, ingestDocuments, projectRoot } from "./lib/bench-server.js";
import { startContentionMeter, waitForQuietMachine } from "./lib/cpu-contention.js";
import { formatMs } from "./lib/latency.js";
import { sendChat, sendSearch, type ChatMessage, type LoadTarget, type RequestLimits } from "./lib/load-client.js";
import { loadCorpus } from "./lib/load-corpus.js";
import { loadUsage, parseLoadOptions, type LoadOptions } from "./lib/load-options.js";
import type { RequestRecord } from "./lib/load-outcome.js";
import { formatMiB, splitDescendants, treeMemory, type TreeMemory } from "./lib/load-process-memory.js";
import { runClosedLoop } from "./lib/load-runner.js";
import { startLoadServerProcess, type LoadServerProcess } from "./lib/load-server-process.js";
import { summarizeServerLog, type ServerLogSummary } from "./lib/load-server-log.js";
import type { DisconnectPoint } from "./lib/load-sse-timing.js";
import { loadFigures, type Percentiles } from "./lib/load-stats.js";

const scifactDir = join(projectRoot, "..", "shared", "bench-data", "scifact");
/** Limits for the load tenant: far above what one run can reach (the schema's maximums are 100,000 per minute). */
const raisedLimits = {
  requests_per_minute_per_key: 100_000,
  chat_per_minute_per_ip: 100_000,
  search_per_minute_per_ip: 100_000,
  ingest_per_minute_per_key: 100_000,
  daily_requests_per_key: 100_000_000,
  daily_tokens_per_key: 1_000_000_000,
};
/** Other processes' CPU use (cores) under which the machine counts as quiet enough to start the load. */
const quietCores = 0.3;
/** A client that was refused with 429 waits this long before its next request (instead of spinning). */
const pauseAfter429Ms = 250;
const followUps = ["Can you say more about that?", "Is that always the case?", "What are the exceptions?", "Where does it say so?"];

const log = (line = "") => console.log(line);
const note = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let options: LoadOptions;
  try {
    options = parseLoadOptions(argv, process.env);
  } catch (error) {
    console.error(`bench:load: ${(error as Error).message}\n\n${loadUsage}`);
    return 2;
  }
  if (options.help) {
    log(loadUsage);
    return 0;
  }

  const date = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
  const commit = git(["rev-parse", "--short", "HEAD"]) || "unknown";
  const dirty = git(["status", "--porcelain"]) !== "";
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
  const command = `npm run bench:load${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
  log(`edge-rag load benchmark — ${date}`);
  log(`Machine: ${machine}`);
  log(`Commit: ${commit}${dirty ? " (with uncommitted changes)" : ""}`);
  log(`Command: ${command}`);
  log(`Load average (1 / 5 min) at start: ${loadavg()[0]!.toFixed(2)} / ${loadavg()[1]!.toFixed(2)} on ${cpus().length} cores`);

  // ---------------------------------------------------------------- server
  let server: LoadServerProcess | undefined;
  let base: URL;
  let operatorKey: string;
  let serverPid: number | undefined;
  const workDir = mkdtempSync(join(tmpdir(), "edge-rag-load-bench-"));
  if (options.url) {
    base = options.url;
    operatorKey = options.key;
    serverPid = options.serverPid;
    log(`Server: ${base.origin} (already running${serverPid ? `, pid ${serverPid}` : "; pass --server-pid to report its memory"})`);
  } else {
    operatorKey = `load-operator-${randomBytes(12).toString("hex")}`;
    const started = performance.now();
    server = await startLoadServerProcess({
      vars: { API_KEY: operatorKey, LOG_LEVEL: "warn" },
      logFile: join(workDir, "server.log"),
      timeoutMs: 180_000,
    });
    base = server.url;
    serverPid = server.pid;
    log(
      `Server: started in its own process (node --import tsx bench/load-server.ts, pid ${server.pid}; Miniflare's workerd is its child) ` +
        `with fresh state on ${base.origin} in ${((performance.now() - started) / 1000).toFixed(1)} s; its output: ${server.logFile}`,
    );
  }

  let exitCode = 1;
  let tenantId: string | undefined;
  const operator = new BenchApi(base, operatorKey);
  try {
    const health = await getHealth(base);
    if (!health.ok) throw new Error(`GET /health answered ${health.status}: ${health.text.slice(0, 300)}`);
    const healthBody = JSON.parse(health.text) as { embedder?: { model?: string; dimensions?: number }; generator?: { model?: string }; mode?: string };
    log(`Service: mode ${healthBody.mode}, embedder ${healthBody.embedder?.model} (${healthBody.embedder?.dimensions}-d), generator ${healthBody.generator?.model}`);

    // ------------------------------------------------------------ tenant and keys
    const tenant = await operator.request<{ id: string }>("POST", "/v1/tenants", { name: `load benchmark ${date}` });
    tenantId = tenant.id;
    if (!options.defaultLimits) await operator.request("PUT", `/v1/tenants/${tenantId}/limits`, raisedLimits);
    const ingestKey = (await operator.request<{ key: string }>("POST", "/v1/keys", { tenant_id: tenantId, scopes: ["ingest"], name: "load bench ingest" })).key;
    const queryKey = (await operator.request<{ key: string }>("POST", "/v1/keys", { tenant_id: tenantId, scopes: ["query"], name: "load bench query" })).key;
    log(
      `Tenant: ${tenantId} (new), one ingest key and one query key; ` +
        (options.defaultLimits
          ? "default rate limits (429s expected; all clients share one address locally)"
          : "rate limits raised so the benchmark is not throttled (per minute: 100,000 requests, chats, searches; daily: 100M requests, 1G tokens)"),
    );

    // ------------------------------------------------------------ corpus
    const corpus = loadCorpus({ docs: options.docs, seed: options.seed, scifactDir });
    log(`Corpus: ${corpus.description}`);
    const ingestApi = new BenchApi(base, ingestKey);
    const ingestStarted = performance.now();
    const ingested = await withDeadline(
      ingestDocuments(ingestApi, corpus.documents, (progress) => {
        if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2Kingesting: ${progress.ready + progress.failed}/${progress.total}`);
      }),
      600_000,
      "ingestion did not finish within 600 s",
    );
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[2K");
    log(
      `Ingested through the API, the queue and the consumer: ${ingested.ready}/${corpus.documents.length} documents ready, ${ingested.chunks} chunks, ` +
        `${ingested.failed} failed, in ${((performance.now() - ingestStarted) / 1000).toFixed(1)} s (before the load; not part of the figures)`,
    );
    if (ingested.failed > 0) log(`WARNING: ${ingested.failed} documents failed to ingest`);

    // ------------------------------------------------------------ warm-up
    const agent = options.keepAlive ? (base.protocol === "https:" ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true })) : undefined;
    const target: LoadTarget = { base, key: queryKey, agent };
    const warmup: RequestRecord[] = [];
    const idle = new AbortController().signal;
    for (let i = 0; i < 6; i++) {
      const limits: RequestLimits = { timeoutMs: options.requestTimeoutSeconds * 1000, signal: idle, origin: performance.now() };
      const question = corpus.questions[i % corpus.questions.length]!;
      warmup.push(i % 2 === 0 ? await sendChat(target, [{ role: "user", content: question }], limits) : await sendSearch(target, question, limits));
    }
    const warmupFailures = loadFigures(warmup).tally;
    log(`Warm-up: 6 requests one at a time (3 chats, 3 searches), not counted; ${warmupFailures.errors} errors, ${warmupFailures.rateLimited} × 429`);

    // ------------------------------------------------------------ load
    if (options.waitQuietSeconds > 0) {
      const waitStarted = performance.now();
      const quiet = await waitForQuietMachine({ maxOtherCores: quietCores, timeoutSeconds: options.waitQuietSeconds });
      const waited = (performance.now() - waitStarted) / 1000;
      log(
        quiet
          ? `Waited ${waited.toFixed(0)} s for other processes to use under ${quietCores} cores before the load`
          : `Other processes stayed above ${quietCores} cores for ${waited.toFixed(0)} s; running the load anyway (see "other processes" below)`,
      );
    }
    const memoryBefore = serverPid ? treeMemory(serverPid) : undefined;
    const chatPercent = Math.round(options.chatRatio * 100);
    log(
      `Load: ${options.concurrency} clients, each sending one request after another without pause, starting new requests for ${options.durationSeconds} s ` +
        `(then the last ones finish); ${chatPercent}% streamed chats (${Math.round(options.followUpRatio * 100)}% of them follow-ups in a conversation), ` +
        `${100 - chatPercent}% hybrid searches (top_k 8); ${Math.round(options.disconnectRatio * 100)}% of chats disconnect on purpose ` +
        `(half after \`sources\`, half after the first \`delta\`); ${options.keepAlive ? "connections kept alive and reused" : "one connection per request"}; request timeout ${options.requestTimeoutSeconds} s, hard timeout ${options.hardTimeoutSeconds} s; seed ${options.seed}`,
    );
    const random = seededRandom(options.seed);
    const plan = () => {
      const chat = random() < options.chatRatio;
      const question = corpus.questions[Math.floor(random() * corpus.questions.length)]!;
      const previous = corpus.questions[Math.floor(random() * corpus.questions.length)]!;
      const followUp = random() < options.followUpRatio ? followUps[Math.floor(random() * followUps.length)]! : undefined;
      const disconnect: DisconnectPoint | undefined = random() < options.disconnectRatio ? (random() < 0.5 ? "sources" : "first-delta") : undefined;
      return { chat, question, previous, followUp, disconnect };
    };
    const peak = { node: memoryBefore?.root.rssBytes ?? 0, workerd: splitDescendants(memoryBefore, "workerd").matching };
    const sampler = setInterval(() => {
      const reading = serverPid ? treeMemory(serverPid) : undefined;
      if (!reading) return;
      peak.node = Math.max(peak.node, reading.root.rssBytes);
      peak.workerd = Math.max(peak.workerd, splitDescendants(reading, "workerd").matching);
    }, 1000);
    const meter = startContentionMeter();
    const origin = performance.now();
    const loop = await runClosedLoop<RequestRecord>({
      concurrency: options.concurrency,
      durationMs: options.durationSeconds * 1000,
      hardTimeoutMs: options.hardTimeoutSeconds * 1000,
      now: () => performance.now(),
      run: async (_sequence, _client, signal) => {
        const step = plan();
        const limits: RequestLimits = { timeoutMs: options.requestTimeoutSeconds * 1000, signal, origin };
        let record: RequestRecord;
        if (step.chat) {
          const messages: ChatMessage[] = step.followUp
            ? [
                { role: "user", content: step.previous },
                { role: "assistant", content: "Here is what the documents say about that." },
                { role: "user", content: step.followUp },
              ]
            : [{ role: "user", content: step.question }];
          record = await sendChat(target, messages, limits, step.disconnect);
        } else {
          record = await sendSearch(target, step.question, limits);
        }
        if (record.status === 429) await pause(pauseAfter429Ms, signal);
        return record;
      },
    });
    const cpu = meter.stop();
    clearInterval(sampler);
    agent?.destroy();
    const records = loop.results;
    const figures = loadFigures(records);

    // ------------------------------------------------------------ after
    const check = await healthCheck(base, queryKey, corpus.questions[0]!);
    const memoryAfter = serverPid ? treeMemory(serverPid) : undefined;

    // ------------------------------------------------------------ report
    log();
    log("== Results ==");
    const { tally } = figures;
    log(
      `Requests finished: ${records.length} in ${figures.spanSeconds.toFixed(1)} s (first sent → last finished), ${figures.requestsPerSecond.toFixed(1)} requests/s; ` +
        `at most ${figures.maxInFlight} in flight at once${loop.hardTimeoutHit ? "; THE HARD TIMEOUT FIRED (requests still running were aborted and count as errors)" : ""}`,
    );
    for (const kind of ["chat", "search"] as const) {
      const t = tally.byKind[kind];
      log(
        `  ${kind.padEnd(6)} ${String(t.requests).padStart(5)} requests: ${t.ok} ${kind === "chat" ? "completed (done)" : "answered 2xx"}, ` +
          `${t.errors} errors, ${t.rateLimited} × 429${kind === "chat" ? `, ${t.disconnected} disconnected on purpose` : ""}`,
      );
    }
    log(`errors: ${tally.errors}`);
    log(`429: ${tally.rateLimited}`);
    log(`disconnects on purpose: ${tally.disconnected} (of ${records.filter((record) => record.disconnectAt).length} planned; a chat that ended before its planned point counts as completed)`);
    if (tally.reasons.length > 0) {
      log("Errors by reason:");
      for (const { reason, count } of tally.reasons) log(`  ${String(count).padStart(5)} × ${reason}`);
    }
    log("Latency, client side, from sending the request (ms):");
    log(`  chat → \`sources\` event        ${pct(figures.timeToSources)}   (chats that received it, any outcome)`);
    log(`  chat → first \`delta\` event    ${pct(figures.timeToFirstDelta)}   (chats that received one)`);
    log(`  chat → \`done\` event           ${pct(figures.timeToDone)}   (completed chats)`);
    log(`  search → whole JSON answer    ${pct(figures.search)}   (successful searches)`);
    if (figures.rateLimited.n > 0) log(`  429 answers                   ${pct(figures.rateLimited)}`);
    log(`Throughput: ${figures.chatsPerSecond.toFixed(2)} completed chats/s, ${figures.searchesPerSecond.toFixed(2)} successful searches/s`);
    if (cpu) {
      log(
        server
          ? `CPU during the load: this benchmark's process tree (load generator, server, workerd) ${cpu.ownCores.toFixed(2)} cores, ` +
              `other processes ${cpu.otherCores.toFixed(2)} cores (of ${cpus().length})`
          : `CPU during the load: this load generator ${cpu.ownCores.toFixed(2)} cores, every other process (the --url server included) ` +
              `${cpu.otherCores.toFixed(2)} cores (of ${cpus().length})`,
      );
    }
    if (serverPid) {
      log(`Server memory (VmRSS from /proc; the Node process runs the embedding model and the vector stand-in, workerd runs the worker, D1, queues):`);
      log(`  before the load: ${memoryLine(memoryBefore)}`);
      log(`  peak (sampled every 1 s during the load): node ${formatMiB(peak.node)}, workerd ${formatMiB(peak.workerd)}`);
      log(`  after the load:  ${memoryLine(memoryAfter)}`);
    } else {
      log("Server memory: not measured (pass --server-pid with --url)");
    }
    log(`Health after the run: ${check.summary} — ${check.ok ? "OK" : "FAILED"}`);

    let serverLog: ServerLogSummary | undefined;
    if (server) {
      await server.stop();
      serverLog = summarizeServerLog(readFileSync(server.logFile, "utf8"));
      server = undefined;
      log(`Server output, from start to stop (${serverLog.lines} lines${serverLog.lines > 0 ? `, ${join(workDir, "server.log")}` : ""}):`);
      for (const entry of serverLog.structured.slice(0, 8)) log(`  ${String(entry.count).padStart(5)} × ${entry.key}   e.g. ${entry.example.slice(0, 200)}`);
      for (const entry of serverLog.errorLines.slice(0, 8)) log(`  ${String(entry.count).padStart(5)} × ${entry.text}`);
    }

    if (options.json) {
      const file = resolve(options.json);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(
        file,
        JSON.stringify(
          {
            date,
            machine,
            commit: `${commit}${dirty ? " (dirty)" : ""}`,
            command,
            options: { ...options, url: options.url?.href, key: undefined },
            corpus: corpus.description,
            ingested,
            figures,
            hardTimeoutHit: loop.hardTimeoutHit,
            cpu,
            memory: { before: memoryBefore, peak, after: memoryAfter },
            health: check,
            serverLog,
            records,
          },
          (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value),
          1,
        ),
      );
      log(`JSON: ${file}`);
    }
    exitCode = tally.errors > 0 || !check.ok || loop.hardTimeoutHit ? 1 : 0;
    log(exitCode === 0 ? "PASS: no errors and healthy afterwards" : "FAIL: see errors and health above");
  } finally {
    if (options.url && tenantId) {
      // Leave a server we did not start as we found it: the tenant's data is purged through its queue.
      await operator.request("DELETE", `/v1/tenants/${tenantId}`).catch((error: unknown) => note(`could not delete tenant ${tenantId}: ${String(error)}`));
    }
    await server?.stop();
  }
  return exitCode;
}

function pct(p: Percentiles): string {
  if (p.n === 0) return "n 0".padEnd(55);
  return `p50 ${formatMs(p.p50).padStart(6)}  p95 ${formatMs(p.p95).padStart(6)}  p99 ${formatMs(p.p99).padStart(6)}  max ${formatMs(p.max).padStart(6)}  n ${String(p.n).padStart(5)}`;
}

function memoryLine(memory: TreeMemory | undefined): string {
  if (!memory) return "not readable (process gone or no /proc)";
  const { matching: workerd, others } = splitDescendants(memory, "workerd");
  const otherNames = [...new Set(memory.descendants.filter((child) => !child.name.startsWith("workerd")).map((child) => child.name))].join(", ");
  return `node ${formatMiB(memory.root.rssBytes)}, workerd ${formatMiB(workerd)}${others > 0 ? ` (other children: ${otherNames} ${formatMiB(others)})` : ""}`;
}

async function getHealth(base: URL): Promise<{ ok: boolean; status: number; text: string }> {
  const response = await fetch(new URL("/health", base), { signal: AbortSignal.timeout(30_000) });
  return { ok: response.ok, status: response.status, text: await response.text() };
}

/** GET /health answers 200 with status "ok", and one search answers 200 with results. */
async function healthCheck(base: URL, key: string, query: string): Promise<{ ok: boolean; summary: string }> {
  const parts: string[] = [];
  let ok = true;
  try {
    const health = await getHealth(base);
    const status = (JSON.parse(health.text) as { status?: unknown }).status;
    parts.push(`GET /health → ${health.status} status ${String(status)}`);
    ok &&= health.ok && status === "ok";
  } catch (error) {
    parts.push(`GET /health failed: ${String(error)}`);
    ok = false;
  }
  const search = await sendSearch({ base, key }, query, { timeoutMs: 30_000, signal: new AbortController().signal, origin: performance.now() });
  parts.push(`POST /v1/search → ${search.status ?? search.failure ?? "no answer"}${search.results !== undefined ? `, ${search.results} results` : ""} in ${formatMs(search.durationMs)} ms`);
  ok &&= search.status === 200 && (search.results ?? 0) > 0;
  return { ok, summary: parts.join("; ") };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`bench:load failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
process.exit(code);
