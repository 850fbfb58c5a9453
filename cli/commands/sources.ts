/**
 * `edge-rag sources add <url>`: have the server crawl and index a website
 * (`POST /v1/sources {type: "website", url, ...}`, the optional fields sent
 * only when given); `sources list` and `sources status <id>` show their
 * progress. A server without the sources API (an older deployment) answers
 * 404, which `add` reports as such.
 */
import type { Command } from "commander";
import { ApiError, UsageError } from "../lib/api-client.js";
import { collect, integerOption, type CommandContext } from "../lib/command-context.js";

interface SourceOptions {
  sitemap?: string;
  include?: string[];
  exclude?: string[];
  maxPages?: number;
  maxDepth?: number;
  schedule?: string;
  json?: boolean;
}

export function registerSources(program: Command, context: CommandContext): void {
  const sources = program.command("sources").description("content the server fetches itself (websites)");
  sources
    .command("add")
    .description("add a website for the server to crawl and index")
    .argument("<url>", "the site's start page (http or https)")
    .option("--sitemap <url>", "the site's sitemap, if it is not where robots.txt or /sitemap.xml says")
    .option("--include <pattern>", "only pages whose URL matches (repeatable)", collect)
    .option("--exclude <pattern>", "leave out pages whose URL matches (repeatable)", collect)
    .option("--max-pages <n>", "at most this many pages", integerOption(1, 1_000_000))
    .option("--max-depth <n>", "follow links at most this many hops from the start page", integerOption(0, 100))
    .option("--schedule <when>", "sync again: hourly, daily, weekly or <n>h")
    .option("--json", "print the API's answer as JSON")
    .action(async (url: string, options: SourceOptions, command: Command) => {
      const start = httpUrl(url, "the start page");
      const body = {
        type: "website",
        url: start,
        ...(options.sitemap !== undefined ? { sitemap: httpUrl(options.sitemap, "--sitemap") } : {}),
        ...(options.include !== undefined ? { include: options.include } : {}),
        ...(options.exclude !== undefined ? { exclude: options.exclude } : {}),
        ...(options.maxPages !== undefined ? { max_pages: options.maxPages } : {}),
        ...(options.maxDepth !== undefined ? { max_depth: options.maxDepth } : {}),
        ...(options.schedule !== undefined ? { schedule: options.schedule } : {}),
      };
      let answer: Record<string, unknown>;
      try {
        answer = await context.client(command).request<Record<string, unknown>>("POST", "/v1/sources", { body });
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          throw new ApiError(
            "NOT_SUPPORTED",
            `this server has no website sources API (POST /v1/sources answered 404: ${error.message}); download the pages and run edge-rag ingest on them instead`,
            404,
          );
        }
        throw error;
      }
      if (options.json) return context.out(JSON.stringify(answer, null, 2));
      const id = typeof answer.id === "string" ? answer.id : undefined;
      const status = typeof answer.status === "string" ? answer.status : undefined;
      context.out(`added ${start}${id ? ` as ${id}` : ""}${status ? ` (${status})` : ""}`);
      if (id) context.out(`follow it with: edge-rag sources status ${id}`);
    });

  sources
    .command("list")
    .description("the website sources and their progress")
    .option("--json", "print the API's answer as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { sources: list } = await context.client(command).request<{ sources: SourceView[] }>("GET", "/v1/sources");
      if (options.json) return context.out(JSON.stringify({ sources: list }, null, 2));
      if (list.length === 0) return context.out("No sources.");
      for (const source of list) context.out(`${source.id}  ${source.url}  ${sourceProgress(source)}`);
    });

  sources
    .command("status")
    .description("one website source and its progress")
    .argument("<id>", "source id (src_…)")
    .option("--json", "print the API's answer as JSON")
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const source = await context.client(command).request<SourceView>("GET", `/v1/sources/${encodeURIComponent(id)}`);
      if (options.json) return context.out(JSON.stringify(source, null, 2));
      context.out(`${source.id}: ${source.url}`);
      context.out(`  ${sourceProgress(source)}`);
      if (source.error) context.out(`  error  ${source.error}`);
      if (source.last_sync_at) context.out(`  last sync  ${source.last_sync_at}${source.next_sync_at ? ` (next: ${source.next_sync_at})` : ""}`);
    });
}

/** What GET /v1/sources shows of a source (the fields printed here). */
interface SourceView {
  id: string;
  url: string;
  status: string;
  error?: string | null;
  discovered?: number;
  pending?: number;
  indexing?: number;
  ready?: number;
  failed?: number;
  last_sync_at?: string | null;
  next_sync_at?: string | null;
}

function sourceProgress(source: SourceView): string {
  const figures = (["discovered", "pending", "indexing", "ready", "failed"] as const)
    .filter((name) => typeof source[name] === "number")
    .map((name) => `${source[name]} ${name}`);
  return [source.status, ...figures].join(" · ");
}

function httpUrl(value: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${what}: not a URL: ${value}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UsageError(`${what}: must be an http(s) URL: ${value}`);
  return parsed.href;
}
