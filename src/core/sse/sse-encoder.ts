/**
 * Server-sent events framing: turns an async iterable of `{event, data}` into
 * an SSE byte stream with keep-alive pings, a maximum duration and a single
 * sanitised `error` event on failure. A pure transform — testable without a
 * server, and it stops the upstream iterator when the client goes away.
 */

export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseErrorData {
  code: string;
  message: string;
}

/**
 * How events become bytes. The default is this API's own framing
 * (`event: <name>` + `data: <json>`); OpenAI-style streams use data-only
 * frames and a literal `data: [DONE]` (core/openai-compat/chat-completion-sse.ts).
 */
export interface SseFraming {
  /** The frame of one event, ending with its blank line. */
  event(event: SseEvent): string;
  /** The frame of the one error that ends a stream (a failure or the time limit), ending with its blank line. */
  error(data: SseErrorData): string;
}

/** The default framing: named events, and an `error` event. */
export const namedEventFraming: SseFraming = {
  event: (event) => formatSseEvent(event.event, event.data),
  error: (data) => formatSseEvent("error", data),
};

export interface SseStreamOptions {
  /** Send a `: ping` comment after this long without an event (default 15 s; 0 disables). */
  pingIntervalMs?: number;
  /** End the stream with an `error` event (code "TIMEOUT") after this long (default: no limit). */
  maxDurationMs?: number;
  /**
   * Maps a failure of the iterable to the client-facing error. Must not leak
   * upstream messages or stacks; if it throws, a generic INTERNAL error is sent.
   */
  onError(error: unknown): SseErrorData;
  /**
   * Called once when the stream ends early (client cancel, timeout): the place
   * to abort upstream work that `return()` cannot interrupt while it awaits.
   */
  onStop?(): void;
  /** How events and the error are framed (default `namedEventFraming`). */
  framing?: SseFraming;
}

const lineBreak = /\r\n|\r|\n/;

/**
 * One SSE frame: `event: <name>` plus `data:` lines holding `data` as JSON,
 * ending with a blank line. Line breaks in the name are removed; the JSON is
 * split across `data:` lines if it ever contains one, so any value is safe.
 */
export function formatSseEvent(event: string, data: unknown): string {
  const name = event.replace(/[\r\n]+/g, "");
  const json = JSON.stringify(data) ?? "null";
  const dataLines = json
    .split(lineBreak)
    .map((line) => `data: ${line}\n`)
    .join("");
  return `event: ${name}\n${dataLines}\n`;
}

/** An SSE comment (ignored by clients; used for keep-alive), one `: ` line per line of `text`. */
export function formatSseComment(text: string): string {
  return `${text
    .split(lineBreak)
    .map((line) => `: ${line}\n`)
    .join("")}\n`;
}

type Outcome<T> = { kind: "next"; result: IteratorResult<T> } | { kind: "error"; error: unknown } | { kind: "ping" } | { kind: "timeout" };

/**
 * Streams `events` as SSE. Pull-based: the iterator is advanced only when the
 * client reads. While waiting for the next event, a `: ping` comment is sent
 * every `pingIntervalMs`. If the iterable throws, one `error` event carrying
 * `onError(error)` is sent and the stream closes; after `maxDurationMs` an
 * `error` event with code "TIMEOUT" is sent and the stream closes. When the
 * stream ends early (client cancel, timeout) the iterator's `return()` is
 * called so upstream work stops.
 */
export function createSseStream(events: AsyncIterable<SseEvent>, options: SseStreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pingIntervalMs = options.pingIntervalMs ?? 15_000;
  const framing = options.framing ?? namedEventFraming;
  const iterator = events[Symbol.asyncIterator]();
  let pending: Promise<Outcome<SseEvent>> | undefined;
  let finished = false;
  let deadline: Promise<Outcome<SseEvent>> | undefined;
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;

  let stopped = false;
  const stopUpstream = () => {
    if (!stopped) {
      stopped = true;
      try {
        options.onStop?.();
      } catch {
        // Nothing more to stop.
      }
    }
    try {
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
    } catch {
      // A synchronous throw from return() changes nothing for the client.
    }
  };

  const errorFrame = (error: unknown): string => {
    let data: SseErrorData;
    try {
      const mapped = options.onError(error);
      data = { code: String(mapped.code), message: String(mapped.message) };
    } catch {
      data = { code: "INTERNAL", message: "internal error" };
    }
    return framing.error(data);
  };

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, lastFrame?: string) => {
    finished = true;
    if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
    if (lastFrame !== undefined) controller.enqueue(encoder.encode(lastFrame));
    controller.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      start() {
        if (options.maxDurationMs !== undefined && Number.isFinite(options.maxDurationMs)) {
          const ms = Math.max(0, options.maxDurationMs);
          deadline = new Promise((resolve) => {
            deadlineTimer = setTimeout(() => resolve({ kind: "timeout" }), ms);
          });
        }
      },

      async pull(controller) {
        if (finished) return;
        pending ??= iterator.next().then(
          (result): Outcome<SseEvent> => ({ kind: "next", result }),
          (error: unknown): Outcome<SseEvent> => ({ kind: "error", error }),
        );
        const racers: Array<Promise<Outcome<SseEvent>>> = [pending];
        if (deadline !== undefined) racers.push(deadline);
        let pingTimer: ReturnType<typeof setTimeout> | undefined;
        if (pingIntervalMs > 0) {
          racers.push(
            new Promise((resolve) => {
              pingTimer = setTimeout(() => resolve({ kind: "ping" }), pingIntervalMs);
            }),
          );
        }
        let outcome: Outcome<SseEvent>;
        try {
          outcome = await Promise.race(racers);
        } finally {
          if (pingTimer !== undefined) clearTimeout(pingTimer);
        }
        if (finished) return;

        switch (outcome.kind) {
          case "ping":
            controller.enqueue(encoder.encode(formatSseComment("ping")));
            return;
          case "timeout":
            stopUpstream();
            finish(controller, framing.error({ code: "TIMEOUT", message: "the response took too long" }));
            return;
          case "error":
            finish(controller, errorFrame(outcome.error));
            return;
          case "next":
            pending = undefined;
            if (outcome.result.done) {
              finish(controller);
              return;
            }
            try {
              controller.enqueue(encoder.encode(framing.event(outcome.result.value)));
            } catch (error) {
              // An unserialisable event (e.g. a BigInt) fails like the iterable would.
              stopUpstream();
              finish(controller, errorFrame(error));
            }
            return;
        }
      },

      cancel() {
        if (finished) return;
        finished = true;
        if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
        stopUpstream();
      },
    },
    { highWaterMark: 0 },
  );
}
