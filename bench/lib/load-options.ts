/**
 * Command-line options of `npm run bench:load`, parsed and checked. Pure: no
 * I/O. Promises a bounded run: a positive, capped number of clients and
 * seconds, a hard overall time limit, and a target on this machine's loopback
 * interface unless the caller explicitly allows another host.
 */
import { parseArgs } from "node:util";

export interface LoadOptions {
  /** Clients running at once, each one request after another (closed loop). */
  concurrency: number;
  /** Seconds during which clients start new requests. */
  durationSeconds: number;
  /** Share of requests that are chats (the rest are searches). */
  chatRatio: number;
  /** Share of chats whose client disconnects on purpose after `sources` or the first `delta`. */
  disconnectRatio: number;
  /** Share of chats sent as a follow-up (a second user turn after an earlier exchange). */
  followUpRatio: number;
  /** Drive this server instead of starting one. */
  url: URL | undefined;
  /** Allow a `--url` that is not a loopback address. */
  allowNonLoopback: boolean;
  /** The operator key (API_KEY) of the server behind `--url`. */
  key: string;
  /** Reuse connections (HTTP keep-alive) instead of one connection per request. */
  keepAlive: boolean;
  /** Leave the tenant's rate limits at their defaults (429s expected) instead of raising them. */
  defaultLimits: boolean;
  /** A request (a whole chat stream) not finished after this many seconds counts as an error. */
  requestTimeoutSeconds: number;
  /** Everything still running this many seconds after the load started is aborted. */
  hardTimeoutSeconds: number;
  /** Documents to ingest before the load. */
  docs: number;
  /** Seed of the request mix and the query order. */
  seed: number;
  /** Memory of this process (and its children) is read from /proc: for `--url` servers. */
  serverPid: number | undefined;
  /** Before the load, wait up to this many seconds for other processes to use under 0.3 cores (0: do not wait). */
  waitQuietSeconds: number;
  /** Write every figure and every request record here. */
  json: string | undefined;
  help: boolean;
}

export const loadUsage = `usage: npm run bench:load -- [options]
  --concurrency N        clients at once, each sending one request after another (default 50, max 1000)
  --duration S           seconds during which clients start new requests (default 20, max 3600)
  --chat-ratio R         share of chats, the rest are searches (default 0.7)
  --disconnect-ratio R   share of chats that disconnect on purpose after sources or the first delta (default 0.1)
  --follow-up-ratio R    share of chats sent as a follow-up question in a conversation (default 0.2)
  --url URL              drive an already running server (default: start one with fresh state)
  --allow-non-loopback   allow a --url that is not 127.0.0.0/8, localhost or [::1]
  --key KEY              operator key of the --url server (default: $API_KEY, else local-dev-key)
  --server-pid PID       with --url: the server's Node process, to report its memory
  --keep-alive           reuse connections (default: one connection per request, Connection: close)
  --default-limits       keep the tenant's default rate limits (429s are counted apart)
  --request-timeout S    a request not finished in S seconds is an error (default 60)
  --hard-timeout S       abort everything S seconds after the load started (default: duration + request timeout + 10)
  --docs N               documents to ingest first (default 300)
  --seed N               seed of the request mix (default 1)
  --wait-quiet S         before the load, wait up to S seconds for other processes to use < 0.3 cores (default 60; 0: no wait)
  --json FILE            write the figures and every request record as JSON`;

const limits = {
  concurrency: 1000,
  durationSeconds: 3600,
  requestTimeoutSeconds: 600,
  docs: 5000,
};

/** Parses `argv` (the arguments after `--`). Throws an Error with a readable message on a bad option. */
export function parseLoadOptions(argv: readonly string[], env: Record<string, string | undefined> = {}): LoadOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      concurrency: { type: "string" },
      duration: { type: "string" },
      "chat-ratio": { type: "string" },
      "disconnect-ratio": { type: "string" },
      "follow-up-ratio": { type: "string" },
      url: { type: "string" },
      "allow-non-loopback": { type: "boolean" },
      key: { type: "string" },
      "server-pid": { type: "string" },
      "default-limits": { type: "boolean" },
      "keep-alive": { type: "boolean" },
      "request-timeout": { type: "string" },
      "hard-timeout": { type: "string" },
      docs: { type: "string" },
      seed: { type: "string" },
      "wait-quiet": { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });

  const concurrency = integer("--concurrency", values.concurrency, 50, 1, limits.concurrency);
  const durationSeconds = number("--duration", values.duration, 20, 0.1, limits.durationSeconds);
  const requestTimeoutSeconds = number("--request-timeout", values["request-timeout"], 60, 1, limits.requestTimeoutSeconds);
  const hardTimeoutSeconds = number(
    "--hard-timeout",
    values["hard-timeout"],
    durationSeconds + requestTimeoutSeconds + 10,
    0.1,
    limits.durationSeconds + limits.requestTimeoutSeconds,
  );
  if (hardTimeoutSeconds < durationSeconds) throw new Error(`--hard-timeout (${hardTimeoutSeconds}) must not be shorter than --duration (${durationSeconds})`);

  const allowNonLoopback = values["allow-non-loopback"] ?? false;
  let url: URL | undefined;
  if (values.url !== undefined) {
    try {
      url = new URL(values.url);
    } catch {
      throw new Error(`--url: not a URL: ${values.url}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`--url must be http or https, got ${url.protocol}`);
    if (!allowNonLoopback && !isLoopbackHost(url.hostname)) {
      throw new Error(`--url ${url.origin} is not a loopback address (127.0.0.0/8, localhost, [::1]); pass --allow-non-loopback to load another host`);
    }
  }
  const serverPid = values["server-pid"] === undefined ? undefined : integer("--server-pid", values["server-pid"], 0, 1, 2 ** 31);
  if (serverPid !== undefined && url === undefined) throw new Error("--server-pid only applies with --url (a started server's process is known)");

  return {
    concurrency,
    durationSeconds,
    chatRatio: number("--chat-ratio", values["chat-ratio"], 0.7, 0, 1),
    disconnectRatio: number("--disconnect-ratio", values["disconnect-ratio"], 0.1, 0, 1),
    followUpRatio: number("--follow-up-ratio", values["follow-up-ratio"], 0.2, 0, 1),
    url,
    allowNonLoopback,
    key: values.key ?? (env.API_KEY || "local-dev-key"),
    keepAlive: values["keep-alive"] ?? false,
    defaultLimits: values["default-limits"] ?? false,
    requestTimeoutSeconds,
    hardTimeoutSeconds,
    docs: integer("--docs", values.docs, 300, 1, limits.docs),
    seed: integer("--seed", values.seed, 1, 0, 2 ** 32 - 1),
    serverPid,
    waitQuietSeconds: number("--wait-quiet", values["wait-quiet"], 60, 0, 3600),
    json: values.json,
    help: values.help ?? false,
  };
}

/**
 * True for hosts that can only be this machine: `localhost` (and names under
 * `.localhost`), IPv4 127.0.0.0/8 in dotted-quad form, and IPv6 ::1 (with or
 * without brackets, as `URL.hostname` gives it). Other names are not resolved
 * (a name that resolves to loopback today may not tomorrow).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "[::1]" || host === "::1" || host === "[0:0:0:0:0:0:0:1]" || host === "0:0:0:0:0:0:0:1") return true;
  const octets = host.split(".");
  if (octets.length !== 4 || !octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)) return false;
  return octets[0] === "127";
}

function number(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${flag} needs a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  const value = number(flag, raw, fallback, min, max);
  if (!Number.isInteger(value)) throw new Error(`${flag} needs a whole number, got ${JSON.stringify(raw)}`);
  return value;
}
