/**
 * What every command receives: the process's streams, environment and
 * working directory (injected, so tests run the CLI in-process), the API
 * client built from the global options, and the option parsers they share.
 */
import { InvalidArgumentError, type Command } from "commander";
import { ApiClient, resolveConnection, UsageError, type ApiClientOptions } from "./api-client.js";
import type { TextOutput } from "./progress-reporter.js";

export interface CliIo {
  stdout: TextOutput;
  stderr: TextOutput;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Aborted on Ctrl-C: long commands stop cleanly. */
  signal?: AbortSignal;
}

export interface GlobalOptions {
  api?: string;
  key?: string;
  tenant?: string;
}

export class CommandContext {
  exitCode = 0;

  constructor(readonly io: CliIo) {}

  /** The API client for `command`'s global options (`--api`, `--key`, `--tenant`). */
  client(command: Command, options: Omit<ApiClientOptions, "fetch"> = {}): ApiClient {
    const connection = resolveConnection(command.optsWithGlobals<GlobalOptions>(), this.io.env);
    return new ApiClient(connection, { ...options, ...(this.io.fetch ? { fetch: this.io.fetch } : {}) });
  }

  out(line = ""): void {
    this.io.stdout.write(`${line}\n`);
  }

  err(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }
}

/** A commander argument parser for a whole number within [min, max]. */
export function integerOption(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return number;
  };
}

/** A commander argument parser for a number of seconds ≥ 0. */
export function secondsOption(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0) throw new InvalidArgumentError("must be a number of seconds ≥ 0");
  return number;
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--filter '{"product": "cloud"}'`: a JSON object. */
export function parseFilter(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new UsageError(`--filter: not JSON (${(error as Error).message}); e.g. --filter '{"product": "cloud"}'`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new UsageError(`--filter: must be a JSON object, e.g. '{"product": "cloud"}'`);
  return parsed as Record<string, unknown>;
}

export const searchModes = ["hybrid", "vector", "keyword"] as const;
