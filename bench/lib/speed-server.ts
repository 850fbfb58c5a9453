/**
 * A server for the speed benchmark: the real worker on Miniflare in a child
 * process of its own (bench/load-server.ts, via load-server-process.ts), so
 * that the HTTP client and the in-process references do not share an event
 * loop with it, and so that its output — the worker's JSON log lines,
 * including each queue batch's `queue.batch` line — lands in a log file the
 * benchmark can read (`tail`).
 */
import { join } from "node:path";
import { benchApiKey, BenchApi } from "./bench-server.js";
import { startLoadServerProcess } from "./load-server-process.js";
import { LogTail } from "./log-tail.js";

export interface SpeedServer {
  api: BenchApi;
  url: URL;
  logFile: string;
  /** Reads the server's log lines written since the last read. */
  tail: LogTail;
  stop(): Promise<void>;
}

/** Starts a fresh server (empty state) with `vars` for the worker (API_KEY is set here); its output goes to `<dir>/<name>.log`. */
export async function startSpeedServer(options: { dir: string; name: string; vars: Record<string, string> }): Promise<SpeedServer> {
  const server = await startLoadServerProcess({
    vars: { API_KEY: benchApiKey, ...options.vars },
    logFile: join(options.dir, `${options.name}.log`),
    timeoutMs: 180_000,
  });
  return {
    api: new BenchApi(server.url, benchApiKey),
    url: server.url,
    logFile: server.logFile,
    tail: new LogTail(server.logFile),
    stop: () => server.stop(),
  };
}
