/**
 * The server the load benchmark drives, in a process of its own so that the
 * load generator does not share an event loop with it (the embedding model
 * runs in this process, CPU-heavy, beside the vector stand-in). Started by
 * bench/load.ts as `node --import tsx bench/load-server.ts`; not meant to be
 * run by hand.
 *
 * Runs the real worker on Miniflare with a fresh state directory on a free
 * loopback port, then prints one line `LOAD_SERVER_READY {"url", "pid"}` on
 * stdout. Variables for the worker come as JSON in LOAD_SERVER_VARS. It stops
 * (and deletes its state) when its stdin closes — so it never outlives the
 * benchmark that started it — or on SIGTERM or SIGINT.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalServer } from "../scripts/lib/local-server.js";
import { projectRoot } from "./lib/bench-server.js";
import { readyPrefix } from "./lib/load-server-process.js";

const vars = JSON.parse(process.env.LOAD_SERVER_VARS ?? "{}") as Record<string, string>;
const stateDir = mkdtempSync(join(tmpdir(), "edge-rag-load-"));
let stopping: Promise<void> | undefined;
let dispose: (() => Promise<void>) | undefined;

function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    try {
      await dispose?.();
    } catch (error) {
      console.error("[load-server] dispose failed:", error);
    }
    rmSync(stateDir, { recursive: true, force: true });
    process.exit(code);
  })();
  return stopping;
}

// Miniflare's own exit hook ends the process at once on SIGTERM or SIGINT (after
// stopping workerd); the state directory then goes in this synchronous handler.
process.on("exit", () => rmSync(stateDir, { recursive: true, force: true }));
process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(0));
process.stdin.on("end", () => void stop(0));
process.stdin.on("error", () => void stop(0));
process.stdin.resume();

try {
  const server = await startLocalServer({ root: projectRoot, host: "127.0.0.1", port: 0, stateDir, vars, watch: false });
  dispose = () => server.dispose();
  if (stopping) await server.dispose();
  else process.stdout.write(`${readyPrefix}${JSON.stringify({ url: server.url.href, pid: process.pid })}\n`);
} catch (error) {
  console.error("[load-server] could not start:", error);
  await stop(1);
}
