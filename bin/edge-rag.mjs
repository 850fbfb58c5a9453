#!/usr/bin/env node
/**
 * The `edge-rag` command (package.json "bin"): runs cli/main.ts through
 * tsx's loader API, with no build step, the way every script in this
 * repository runs (tsx is already needed by `npm install`'s postinstall).
 * Ctrl-C once stops a command cleanly (an ingest records what was accepted);
 * twice exits at once.
 */
import { fileURLToPath } from "node:url";

let tsImport;
try {
  ({ tsImport } = await import("tsx/esm/api"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  process.stderr.write("edge-rag: tsx is missing: run `npm install` (with dev dependencies) in the edge-rag repository\n");
  process.exit(1);
}
// The repository's own compiler settings, whatever folder the command runs in.
const { main } = await tsImport("../cli/main.ts", {
  parentURL: import.meta.url,
  tsconfig: fileURLToPath(new URL("../tsconfig.node.json", import.meta.url)),
});

const interrupt = new AbortController();
process.on("SIGINT", () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort(new Error("interrupted"));
});
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
