/**
 * Starts bench/load-server.ts in a child process and waits for its ready
 * line. The child's output (worker logs, local-services errors) goes to a log
 * file, so the benchmark can say where errors came from. The child stops
 * when `stop()` is called, and by itself if this process dies (its stdin
 * closes).
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./bench-server.js";

/** The line the server prints once it listens: this prefix, then `{"url", "pid"}` as JSON. */
export const readyPrefix = "LOAD_SERVER_READY ";

export interface LoadServerProcess {
  url: URL;
  pid: number;
  /** Where the server's stdout and stderr went. */
  logFile: string;
  /** Stops the server (closes its stdin; SIGTERM after `graceMs`, SIGKILL 5 s later) and waits for it to exit. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns the server with `vars` for the worker; rejects if it is not ready within `timeoutMs` or exits first. */
export async function startLoadServerProcess(options: { vars: Record<string, string>; logFile: string; timeoutMs: number }): Promise<LoadServerProcess> {
  const log = createWriteStream(options.logFile);
  const child = spawn(process.execPath, ["--import", "tsx", join(projectRoot, "bench", "load-server.ts")], {
    cwd: projectRoot,
    env: { ...process.env, LOAD_SERVER_VARS: JSON.stringify(options.vars) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.stderr.pipe(log, { end: false });

  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    let buffer = "";
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`the load server was not ready within ${options.timeoutMs / 1000} s (log: ${options.logFile})`)), options.timeoutMs);
    const finish = (error: Error | undefined, value?: { url: string; pid: number }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        child.kill("SIGKILL");
        reject(error);
      } else resolve(value!);
    };
    child.stdout.on("data", (chunk: Buffer) => {
      log.write(chunk);
      if (settled) return;
      buffer += chunk.toString("utf8");
      for (;;) {
        const end = buffer.indexOf("\n");
        if (end === -1) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        if (line.startsWith(readyPrefix)) finish(undefined, JSON.parse(line.slice(readyPrefix.length)) as { url: string; pid: number });
      }
    });
    void exited.then((code) => finish(new Error(`the load server exited with code ${code} before it was ready (log: ${options.logFile})`)));
  });

  return {
    url: new URL(ready.url),
    pid: ready.pid,
    logFile: options.logFile,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        const term = setTimeout(() => child.kill("SIGTERM"), graceMs);
        const kill = setTimeout(() => child.kill("SIGKILL"), graceMs + 5_000);
        await exited;
        clearTimeout(term);
        clearTimeout(kill);
      }
      child.stdin.destroy();
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}
