/** `edge-rag ingest <folder|glob|file...>`: send files as documents, resumably. */
import { dirname, relative, resolve } from "node:path";
import type { Command } from "commander";
import { describeError } from "../lib/api-client.js";
import { apiBatchLimits } from "../lib/batching.js";
import { collect, integerOption, secondsOption, type CommandContext } from "../lib/command-context.js";
import { documentIdForPath } from "../lib/document-id.js";
import { discoverFiles } from "../lib/file-discovery.js";
import { supportedExtensions } from "../lib/file-formats.js";
import { IngestState, targetKey } from "../lib/ingest-state.js";
import { runIngest, type IngestSummary } from "../lib/ingest-run.js";
import { countOf, formatCount, formatDuration } from "../lib/progress.js";
import { createProgressReporter } from "../lib/progress-reporter.js";

export const defaultStateFile = ".edge-rag-state.json";

interface IngestOptions {
  wait?: boolean;
  waitTimeout?: number;
  state?: string;
  base?: string;
  idPrefix?: string;
  ignore?: string[];
  gitignore: boolean;
  batchSize: number;
  concurrency: number;
  force?: boolean;
  prune?: boolean;
  json?: boolean;
}

export function registerIngest(program: Command, context: CommandContext): void {
  program
    .command("ingest")
    .description(`send files as documents (${supportedExtensions.map((extension) => `.${extension}`).join(" ")}); unchanged files are skipped on re-runs`)
    .argument("<paths...>", "folders (walked), glob patterns (quote them) or files")
    .option("--wait", "wait until every document sent is indexed or failed, showing chunks")
    .option("--wait-timeout <seconds>", "stop waiting this long after the last file was sent (default: no limit)", secondsOption)
    .option("--state <file>", `the state file that makes re-runs skip unchanged files (default: <base>/${defaultStateFile})`)
    .option("--base <folder>", "the folder document ids are relative to (default: the folder when one is given, else the current one)")
    .option("--id-prefix <prefix>", "prepended to every document id, e.g. docs:")
    .option("--ignore <pattern>", "leave out files matching this .gitignore-style pattern (repeatable)", collect)
    .option("--no-gitignore", "do not read .gitignore files (.edgeragignore files still apply)")
    .option("--batch-size <n>", `documents per request (1-${apiBatchLimits.maxDocuments})`, integerOption(1, apiBatchLimits.maxDocuments), 50)
    .option("--concurrency <n>", "requests in flight (1-8)", integerOption(1, 8), 3)
    .option("--force", "send every file, even those the state says are indexed as they are")
    .option("--prune", "delete the documents of files recorded in the state that no longer exist")
    .option("--json", "print the summary as JSON")
    .action(async (paths: string[], options: IngestOptions, command: Command) => {
      const { io } = context;
      const discovery = await discoverFiles(paths, { cwd: io.cwd, base: options.base, ignore: options.ignore ?? [], gitignore: options.gitignore });
      if (options.idPrefix !== undefined) documentIdForPath("x", options.idPrefix); // reject a bad prefix before anything is sent
      for (const path of discovery.unsupported) context.err(`edge-rag: skipping ${path}: not a supported file type (${supportedExtensions.join(", ")})`);

      const progress = createProgressReporter(io.stderr);
      const client = context.client(command, {
        onRetry: (reason, wait) => progress.log(`edge-rag: ${reason}; retrying in ${formatDuration(wait)}`),
      });
      const statePath = resolve(io.cwd, options.state ?? resolve(discovery.base, defaultStateFile));
      const target = targetKey({
        api: client.connection.api.href,
        tenant: client.connection.tenant,
        // Relative to the state file, so moving the folder with its state keeps it valid.
        base: relative(dirname(statePath), discovery.base) || ".",
      });
      const state = await IngestState.open(statePath, target);

      let summary: IngestSummary;
      try {
        summary = await runIngest({
          client,
          files: discovery.files,
          base: discovery.base,
          state,
          progress,
          wait: options.wait,
          waitTimeoutMs: options.waitTimeout === undefined ? undefined : options.waitTimeout * 1000,
          concurrency: options.concurrency,
          limits: { ...apiBatchLimits, maxDocuments: options.batchSize },
          force: options.force,
          prune: options.prune,
          idPrefix: options.idPrefix,
          signal: io.signal,
        });
      } catch (error) {
        progress.finish();
        context.err(`edge-rag: ingest stopped: ${describeError(error)}`);
        context.err(`edge-rag: what was accepted is recorded in ${statePath}; run the same command again to continue`);
        context.exitCode = 1;
        return;
      }

      if (options.json) {
        context.out(JSON.stringify({ base: discovery.base, state: statePath, ignored: discovery.ignored, unsupported: discovery.unsupported, ...summary }, null, 2));
      } else {
        for (const line of summaryLines(summary, { base: discovery.base, statePath, ignored: discovery.ignored, waited: options.wait ?? false })) context.out(line);
      }
      if (summary.interrupted) context.exitCode = 130;
      else if (summary.failed.length > 0 || summary.pending.length > 0) context.exitCode = 1;
    });
}

/** The human summary of a run. */
export function summaryLines(summary: IngestSummary, details: { base: string; statePath: string; ignored: number; waited: boolean }): string[] {
  const lines: string[] = [];
  const count = formatCount;
  lines.push(
    `${summary.interrupted ? "Interrupted" : "Done"}: ${countOf(summary.files, "file")} in ${details.base}` +
      (details.ignored > 0 ? ` (${count(details.ignored)} ignored)` : "") +
      ` in ${formatDuration(summary.elapsedMs / 1000)}`,
  );
  const sentDetail = summary.unchanged > 0 ? ` (${count(summary.unchanged)} already indexed on the server)` : "";
  lines.push(`  sent     ${count(summary.sent)}${sentDetail}`);
  lines.push(`  skipped  ${count(summary.skipped)} unchanged since the last run`);
  if (summary.empty > 0) lines.push(`  empty    ${count(summary.empty)} (nothing to index, not sent)`);
  if (details.waited) lines.push(`  indexed  ${count(summary.ready)} (${countOf(summary.chunks, "chunk")})`);
  else if (summary.sent - summary.unchanged > 0) lines.push(`  queued   ${count(summary.sent - summary.unchanged)} (pass --wait to wait for indexing)`);
  if (summary.pending.length > 0) lines.push(`  pending  ${count(summary.pending.length)} still indexing when waiting stopped`);
  if (summary.pruned > 0) lines.push(`  pruned   ${count(summary.pruned)} documents of deleted files`);
  else if (summary.gone > 0) lines.push(`  gone     ${count(summary.gone)} files recorded in the state no longer exist (--prune deletes their documents)`);
  lines.push(`  failed   ${count(summary.failed.length)}`);
  for (const failure of summary.failed) lines.push(`    ${failure.path} (${failure.id}): ${failure.error}`);
  if (summary.interrupted) lines.push(`Run the same command again to continue (state: ${details.statePath}).`);
  return lines;
}
