/** `edge-rag ask <question>`: a cited answer, streamed to the terminal as it is written. */
import { Option, type Command } from "commander";
import { ApiError } from "../lib/api-client.js";
import { readChatEvents, type ChatSource } from "../lib/chat-stream.js";
import { integerOption, parseFilter, searchModes, type CommandContext } from "../lib/command-context.js";
import { oneLine } from "../lib/text-display.js";

interface AskOptions {
  mode?: string;
  topK?: number;
  filter?: string;
  rerank?: boolean;
  stream: boolean;
  json?: boolean;
}

interface ChatAnswer {
  answer: string;
  sources: ChatSource[];
  degraded?: string[];
  notices?: { code: string; message: string }[];
}

export function registerAsk(program: Command, context: CommandContext): void {
  program
    .command("ask")
    .description("ask a question; the answer cites numbered sources")
    .argument("<question>", "the question")
    .addOption(new Option("--mode <mode>", "retrieval: hybrid, vector or keyword (default hybrid)").choices(searchModes))
    .option("-k, --top-k <n>", "sources to retrieve (1-20)", integerOption(1, 20))
    .option("--filter <json>", `metadata filter, e.g. '{"path": "guide.md"}'`)
    .option("--rerank", "rerank the sources with the cross-encoder")
    .option("--no-rerank", "do not rerank, whatever the index's setting")
    .option("--no-stream", "wait for the whole answer instead of streaming it")
    .option("--json", "print the API's whole answer as JSON (implies --no-stream)")
    .action(async (question: string, options: AskOptions, command: Command) => {
      const filter = parseFilter(options.filter);
      const client = context.client(command);
      const body = {
        messages: [{ role: "user", content: question }],
        ...(options.topK !== undefined ? { top_k: options.topK } : {}),
        ...(options.mode !== undefined ? { mode: options.mode } : {}),
        ...(filter !== undefined ? { filter } : {}),
        ...(options.rerank !== undefined ? { rerank: options.rerank } : {}),
      };

      if (!options.stream || options.json) {
        const answer = await client.request<ChatAnswer>("POST", "/v1/chat", { body: { ...body, stream: false }, signal: context.io.signal });
        if (options.json) {
          context.out(JSON.stringify(answer, null, 2));
          return;
        }
        for (const notice of answer.notices ?? []) context.err(`edge-rag: ${notice.message}`);
        context.out(answer.answer.trim());
        printSources(context, answer.sources);
        return;
      }

      const response = await client.stream("/v1/chat", body, context.io.signal);
      if (!response.body) throw new ApiError("BAD_RESPONSE", "the server answered without a body", response.status);
      let sources: ChatSource[] = [];
      let wrote = false;
      let endsWithNewline = true;
      try {
        for await (const event of readChatEvents(response.body, { signal: context.io.signal })) {
          if (event.type === "sources") sources = event.sources;
          else if (event.type === "notice") context.err(`edge-rag: ${event.message}`);
          else if (event.type === "delta") {
            context.io.stdout.write(wrote ? event.text : event.text.trimStart());
            wrote = true;
            endsWithNewline = event.text.endsWith("\n");
          }
        }
      } finally {
        // The answer's last line is ended even when the stream broke off (the error follows on its own line).
        if (wrote && !endsWithNewline) context.out();
      }
      printSources(context, sources);
    });
}

function printSources(context: CommandContext, sources: readonly ChatSource[]): void {
  if (sources.length === 0) return;
  context.out();
  context.out("Sources:");
  for (const source of sources) {
    const place = [source.title || source.document_id, source.heading].filter((part) => part !== undefined && part !== "").join(" › ");
    const where = source.source_url ? `${source.source_url} (${source.document_id})` : source.document_id;
    context.out(`  [${source.n}] ${oneLine(place, 100)} — ${where}`);
  }
}
