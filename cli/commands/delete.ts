/** `edge-rag delete <id...>`: delete documents (gone from search and chat at once). */
import type { Command } from "commander";
import { describeError } from "../lib/api-client.js";
import type { CommandContext } from "../lib/command-context.js";

export function registerDelete(program: Command, context: CommandContext): void {
  program
    .command("delete")
    .description("delete documents by id")
    .argument("<ids...>", "document ids")
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const client = context.client(command);
      for (const id of ids) {
        try {
          await client.request("DELETE", `/v1/documents/${encodeURIComponent(id)}`, { retries: 3 });
          context.out(`deleted ${id}`);
        } catch (error) {
          context.err(`edge-rag: ${id}: ${describeError(error)}`);
          context.exitCode = 1;
        }
      }
    });
}
