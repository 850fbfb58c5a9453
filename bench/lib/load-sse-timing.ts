/**
 * Reads one `POST /v1/chat` event stream and notes when each milestone
 * arrived: the `sources` event, the first `delta`, `done` (or an `error`
 * event), and how the stream ended. The clock is injected, so a recorded
 * stream replays to the same figures; the same code times live streams in
 * the load benchmark. It can stop reading on purpose after `sources` or the
 * first `delta` (a client that leaves mid-answer), which cancels the stream.
 */
import { parseSse } from "../../src/core/sse/sse-parser.js";

/** Where a client that leaves on purpose stops reading. */
export type DisconnectPoint = "sources" | "first-delta";

/**
 * How the stream ended: `done` (the `done` event arrived), `error` (an
 * `error` event arrived), `stopped` (this reader left on purpose),
 * `eof` (the server closed it without `done` or `error`), `broken` (reading
 * failed: connection reset, abort).
 */
export type SseEnd = "done" | "error" | "stopped" | "eof" | "broken";

export interface SseTiming {
  /** Milliseconds (on the injected clock) when the `sources` event was parsed. */
  sourcesMs?: number;
  /** When the first `delta` event was parsed. */
  firstDeltaMs?: number;
  /** When the `done` event was parsed. */
  doneMs?: number;
  /** When the `error` event was parsed. */
  errorMs?: number;
  /** How many sources the `sources` event listed. */
  sources?: number;
  deltas: number;
  /** Characters of answer text received. */
  characters: number;
  /** The `error` event's payload. */
  error?: { code: string; message: string };
  end: SseEnd;
  /** What `broken` means: the reading failure's message. */
  failure?: string;
  /** The first departure from the protocol (`sources` first, `delta`s, then one `done` or `error`, nothing after). */
  violation?: string;
  /** Events in order, for diagnostics (names only). */
  events: string[];
}

export interface TimeSseOptions {
  /** The clock: milliseconds since the request was sent. */
  now(): number;
  /** Leave after this milestone (if the stream gets there before it ends). */
  disconnectAt?: DisconnectPoint;
  signal?: AbortSignal;
}

/** Reads `stream` to its end (or to the disconnect point) and returns what arrived when. Never throws for stream failures. */
export async function timeSseStream(stream: ReadableStream<Uint8Array>, options: TimeSseOptions): Promise<SseTiming> {
  const timing: SseTiming = { deltas: 0, characters: 0, end: "eof", events: [] };
  const violate = (message: string) => {
    timing.violation ??= message;
  };
  let finished = false; // done or error seen
  try {
    for await (const message of parseSse(stream, { signal: options.signal })) {
      const at = options.now();
      timing.events.push(message.event);
      if (finished) {
        violate(`"${message.event}" event after "${timing.end}"`);
        continue;
      }
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        violate(`"${message.event}" event with data that is not JSON`);
      }
      switch (message.event) {
        case "sources": {
          if (timing.sourcesMs !== undefined) {
            violate('a second "sources" event');
            break;
          }
          timing.sourcesMs = at;
          const sources = (data as { sources?: unknown } | undefined)?.sources;
          if (Array.isArray(sources)) timing.sources = sources.length;
          else violate('"sources" event without a sources array');
          if (options.disconnectAt === "sources") {
            timing.end = "stopped";
            return timing;
          }
          break;
        }
        case "delta": {
          if (timing.sourcesMs === undefined) violate('"delta" before "sources"');
          timing.deltas += 1;
          timing.firstDeltaMs ??= at;
          const text = (data as { text?: unknown } | undefined)?.text;
          if (typeof text === "string") timing.characters += text.length;
          else violate('"delta" event without text');
          if (options.disconnectAt === "first-delta" && timing.deltas === 1) {
            timing.end = "stopped";
            return timing;
          }
          break;
        }
        case "done":
          if (timing.sourcesMs === undefined) violate('"done" before "sources"');
          timing.doneMs = at;
          timing.end = "done";
          finished = true;
          break;
        case "error": {
          timing.errorMs = at;
          timing.end = "error";
          const error = (data as { error?: unknown; code?: unknown; message?: unknown } | undefined) ?? {};
          const payload = (typeof error.error === "object" && error.error !== null ? error.error : error) as { code?: unknown; message?: unknown };
          timing.error = { code: String(payload.code ?? "UNKNOWN"), message: String(payload.message ?? "") };
          finished = true;
          break;
        }
        default:
          violate(`unknown event "${message.event}"`);
      }
    }
  } catch (error) {
    if (timing.end === "stopped") return timing;
    timing.end = finished ? timing.end : "broken";
    if (!finished) timing.failure = describeFailure(error);
  }
  return timing;
}

/**
 * A one-line description of a request or stream failure with its code, from
 * the error (Node's `ECONNRESET`) or its cause (fetch's): `socket hang up (ECONNRESET)`.
 */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause as { code?: unknown; message?: unknown } | undefined;
  const own = (error as { code?: unknown }).code;
  const code = typeof own === "string" && own !== "ABORT_ERR" ? own : cause && typeof cause === "object" ? (cause.code ?? cause.message) : undefined;
  const name = error.name === "Error" || error.name === "TypeError" ? "" : `${error.name}: `;
  return `${name}${error.message}${code !== undefined && !error.message.includes(String(code)) ? ` (${String(code)})` : ""}`;
}
