/**
 * One client request of the load benchmark — a streamed `POST /v1/chat` or a
 * `POST /v1/search` — turned into a `RequestRecord`. Never throws: refused
 * connections, resets, bad bodies and timeouts all become fields of the
 * record, which `load-outcome.ts` classifies. A chat may leave on purpose
 * after `sources` or the first `delta`; the connection is then closed.
 *
 * Uses node:http rather than fetch so that connection reuse is the caller's
 * choice (the target's agent) and a failure on a reused keep-alive
 * connection can be told apart (`reusedConnection`): a server that closes an
 * idle connection just as a request is sent on it fails that request before
 * it is read (workerd closes idle connections after 5 s).
 */
import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import type { RequestRecord } from "./load-outcome.js";
import { describeFailure, timeSseStream, type DisconnectPoint } from "./load-sse-timing.js";

export interface LoadTarget {
  base: URL;
  /** Bearer key of the requests. */
  key: string;
  /** Connection pool; without one, every request has a connection of its own (`Connection: close`). */
  agent?: Agent;
}
export interface RequestLimits {
  /** A request not finished after this long is cut and counts as timed out. */
  timeoutMs: number;
  /** Aborts the request (the benchmark's overall limit); it then counts as timed out. */
  signal: AbortSignal;
  /** performance.now() of the load's start: `startedMs` is relative to it. */
  origin: number;
}

export interface ChatMessage {
  role: "user" | "assistant";
  content: string;
}

/** Sends a streamed chat and reads it to `done` (or to `disconnectAt`). */
export async function sendChat(
  target: LoadTarget,
  messages: ChatMessage[],
  limits: RequestLimits,
  disconnectAt?: DisconnectPoint,
): Promise<RequestRecord> {
  return request(
    target,
    limits,
    "chat",
    "/v1/chat",
    { messages },
    async (response, record, now, signal) => {
      const contentType = response.headers["content-type"] ?? "";
      if (!contentType.startsWith("text/event-stream")) {
        record.contentType = contentType || undefined;
        response.resume();
        return;
      }
      record.sse = await timeSseStream(Readable.toWeb(response) as ReadableStream<Uint8Array>, { now, disconnectAt, signal });
    },
    disconnectAt,
  );
}

/** Sends a search and reads the whole JSON answer. */
export async function sendSearch(target: LoadTarget, query: string, limits: RequestLimits, topK = 8): Promise<RequestRecord> {
  return request(target, limits, "search", "/v1/search", { query, top_k: topK }, async (response, record) => {
    const text = await readText(response);
    try {
      const body = JSON.parse(text) as { results?: unknown };
      if (Array.isArray(body.results)) record.results = body.results.length;
    } catch {
      // results stays undefined: a malformed answer
    }
  });
}

type ReadBody = (response: IncomingMessage, record: RequestRecord, now: () => number, signal: AbortSignal) => Promise<void>;

async function request(
  target: LoadTarget,
  limits: RequestLimits,
  kind: RequestRecord["kind"],
  path: string,
  body: unknown,
  readBody: ReadBody,
  disconnectAt?: DisconnectPoint,
): Promise<RequestRecord> {
  const own = new AbortController();
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = AbortSignal.any([own.signal, timeout, limits.signal]);
  const sent = performance.now();
  const now = () => performance.now() - sent;
  const record: RequestRecord = { kind, startedMs: sent - limits.origin, durationMs: 0 };
  if (disconnectAt) record.disconnectAt = disconnectAt;
  const timedOut = () => timeout.aborted || limits.signal.aborted;
  try {
    const { response, reused } = await post(target, path, body, signal);
    if (reused) record.reusedConnection = true;
    record.status = response.statusCode;
    if (record.status === undefined || record.status < 200 || record.status > 299) {
      const text = await readText(response);
      try {
        const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
        if (typeof code === "string") record.errorCode = code;
      } catch {
        // not JSON: the status says enough
      }
    } else {
      await readBody(response, record, now, signal);
    }
  } catch (error) {
    record.failure = describeFailure(error);
    if ((error as { reusedConnection?: boolean }).reusedConnection) record.reusedConnection = true;
  } finally {
    record.durationMs = now();
    // Closes the connection of a client that left (and of anything unfinished); a finished request is not affected.
    own.abort();
  }
  if (timedOut() && !(record.sse?.end === "done" || record.sse?.end === "stopped" || (kind === "search" && record.results !== undefined))) {
    record.timedOut = true;
  }
  return record;
}

/** POSTs `body` as JSON; resolves at the response headers. A failure carries `reusedConnection`. */
function post(target: LoadTarget, path: string, body: unknown, signal: AbortSignal): Promise<{ response: IncomingMessage; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, target.base);
    const payload = Buffer.from(JSON.stringify(body));
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, {
      method: "POST",
      agent: target.agent ?? false,
      signal,
      headers: {
        authorization: `Bearer ${target.key}`,
        "content-type": "application/json",
        "content-length": payload.length,
        ...(target.agent ? {} : { connection: "close" }),
      },
    });
    req.once("response", (response) => resolve({ response, reused: req.reusedSocket }));
    req.once("error", (error) => reject(Object.assign(error, { reusedConnection: req.reusedSocket })));
    req.end(payload);
  });
}

/** The whole body as UTF-8 (rejects if the response is cut or aborted). */
async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
