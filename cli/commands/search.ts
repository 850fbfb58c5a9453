/** `edge-rag search <query>`: hybrid, vector or keyword search over the documents. */
import { Option, type Command } from "commander";
import { integerOption, parseFilter, searchModes, type CommandContext } from "../lib/command-context.js";
import { oneLine } from "../lib/text-display.js";

interface SearchOptions {
  mode?: string;
  topK?: number;
  filter?: string;
  rerank?: boolean;
  json?: boolean;
}

interface SearchResult {
  chunk_id: string;
  document_id: string;
  title: string;
  heading: string;
  text: string;
  score: number;
  source_url: string | null;
}

export function registerSearch(program: Command, context: CommandContext): void {
  program
    .command("search")
    .description("search the documents")
    .argument("<query>", "what to look for")
    .addOption(new Option("--mode <mode>", "hybrid, vector or keyword (default hybrid)").choices(searchModes))
    .option("-k, --top-k <n>", "results to return (1-100; the server may cap it)", integerOption(1, 100))
    .option("--filter <json>", `metadata filter, e.g. '{"path": "guide.md"}' or '{"year": {"$gte": 2024}}'`)
    .option("--rerank", "rerank with the cross-encoder")
    .option("--no-rerank", "do not rerank, whatever the index's setting")
    .option("--json", "print the API's answer as JSON")
    .action(async (query: string, options: SearchOptions, command: Command) => {
      const filter = parseFilter(options.filter);
      const answer = await context.client(command).request<{ results: SearchResult[]; degraded?: string[] }>("POST", "/v1/search", {
        body: {
          query,
          ...(options.topK !== undefined ? { top_k: options.topK } : {}),
          ...(options.mode !== undefined ? { mode: options.mode } : {}),
          ...(filter !== undefined ? { filter } : {}),
          ...(options.rerank !== undefined ? { rerank: options.rerank } : {}),
        },
      });
      if (options.json) {
        context.out(JSON.stringify(answer, null, 2));
        return;
      }
      if (answer.degraded?.length) context.err(`edge-rag: degraded answer (skipped: ${answer.degraded.join(", ")})`);
      if (answer.results.length === 0) {
        context.out("No results.");
        return;
      }
      answer.results.forEach((result, index) => {
        const place = [result.title || result.document_id, result.heading].filter((part) => part !== "").join(" › ");
        context.out(`${index + 1}. ${place}  (${result.document_id}, score ${formatScore(result.score)})`);
        context.out(`   ${oneLine(result.text, 240)}`);
        if (result.source_url) context.out(`   ${result.source_url}`);
      });
    });
}

function formatScore(score: number): string {
  return Math.abs(score) >= 100 ? score.toFixed(0) : score.toPrecision(3);
}
