/** `edge-rag status [id]`: one document's state, or the index's counts. */
import type { Command } from "commander";
import type { CommandContext } from "../lib/command-context.js";
import { formatCount } from "../lib/progress.js";

interface DocumentView {
  id: string;
  title: string | null;
  status: string;
  version: number;
  indexed_version: number | null;
  chunks: number;
  error?: string;
  format: string;
  source_url: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

interface IndexStats {
  documents: { queued: number; processing: number; ready: number; failed: number; total: number };
  chunks: number;
}

export function registerStatus(program: Command, context: CommandContext): void {
  program
    .command("status")
    .description("a document's status, or without an id the index's counts")
    .argument("[id]", "document id")
    .option("--json", "print the API's answer as JSON")
    .action(async (id: string | undefined, options: { json?: boolean }, command: Command) => {
      const client = context.client(command);
      if (id !== undefined) {
        const doc = await client.request<DocumentView>("GET", `/v1/documents/${encodeURIComponent(id)}`);
        if (options.json) return context.out(JSON.stringify(doc, null, 2));
        context.out(`${doc.id}: ${doc.status}`);
        if (doc.title) context.out(`  title    ${doc.title}`);
        context.out(`  version  ${doc.version} (indexed: ${doc.indexed_version ?? "none"})`);
        context.out(`  chunks   ${formatCount(doc.chunks)}`);
        context.out(`  format   ${doc.format}`);
        if (doc.source_url) context.out(`  source   ${doc.source_url}`);
        if (Object.keys(doc.metadata).length > 0) context.out(`  metadata ${JSON.stringify(doc.metadata)}`);
        context.out(`  updated  ${doc.updated_at}`);
        if (doc.error) context.out(`  error    ${doc.error}`);
        return;
      }
      const stats = await client.request<IndexStats>("GET", "/v1/index/stats");
      if (options.json) return context.out(JSON.stringify(stats, null, 2));
      const { documents } = stats;
      context.out(`documents  ${formatCount(documents.total)} (${formatCount(documents.ready)} ready, ${formatCount(documents.queued)} queued, ${formatCount(documents.processing)} processing, ${formatCount(documents.failed)} failed)`);
      context.out(`chunks     ${formatCount(stats.chunks)}`);
    });
}
