/**
 * The `edge-rag` command line (bin/edge-rag.mjs runs it): a client of the
 * v1 API to ingest folders, search, ask, check and delete documents.
 *
 * `main(argv, io)` parses the arguments, runs one command and returns the
 * exit code: 0 success, 1 a failure (an API error, a document that failed to
 * index), 2 a usage mistake, 130 interrupted. Errors are one line on stderr,
 * from the API's `{error: {code, message}}` when it sent one. Everything it
 * touches comes in through `io`, so tests run it in-process.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerAsk } from "./commands/ask.js";
import { registerDelete } from "./commands/delete.js";
import { registerIngest } from "./commands/ingest.js";
import { registerSearch } from "./commands/search.js";
import { registerSources } from "./commands/sources.js";
import { registerStatus } from "./commands/status.js";
import { describeError, UsageError } from "./lib/api-client.js";
import { CommandContext, type CliIo } from "./lib/command-context.js";
import { DiscoveryError } from "./lib/file-discovery.js";
import { StateFileError } from "./lib/ingest-state.js";

export type { CliIo } from "./lib/command-context.js";

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

export function buildProgram(context: CommandContext): Command {
  const { io } = context;
  const program = new Command("edge-rag")
    .description("Command-line client of the edge-rag API: ingest folders, search, ask, inspect and delete documents.")
    .version(version, "-V, --version")
    .option("--api <url>", "the API's address (env EDGE_RAG_API; default http://127.0.0.1:8787, what `npm run dev` serves)")
    .option("--key <key>", "API key (env EDGE_RAG_KEY; default local-dev-key for a server on this machine)")
    .option("--tenant <id>", "act on this tenant: X-Tenant-Id, for the operator's key (env EDGE_RAG_TENANT)")
    .showHelpAfterError("(edge-rag --help shows the commands and options)")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`edge-rag: ${text.replace(/^error: /, "")}`),
    })
    // Subcommands added below inherit the output and exit settings.
    .exitOverride();
  registerIngest(program, context);
  registerSearch(program, context);
  registerAsk(program, context);
  registerStatus(program, context);
  registerDelete(program, context);
  registerSources(program, context);
  return program;
}

/** Runs the command line `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const context = new CommandContext(io);
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end here too, with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (io.signal?.aborted && error === io.signal.reason) {
      context.err("edge-rag: interrupted");
      return 130;
    }
    context.err(`edge-rag: ${describeError(error)}`);
    return error instanceof UsageError || error instanceof DiscoveryError || error instanceof StateFileError ? 2 : 1;
  }
}
