/**
 * Server-sent events parser following the WHATWG EventSource rules
 * ("Interpreting an event stream"): reads an SSE byte stream and yields one
 * message per dispatched event. Used to read streamed LLM output (Workers AI,
 * OpenAI-compatible APIs) and, in tests, our own SSE responses.
 */

export interface SseMessage {
  /** The `event:` field, "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The last event ID, when one has been set. */
  id?: string;
}

/**
 * Parses `stream` as `text/event-stream`. Handles CR, LF and CRLF line ends
 * (also split across chunks), a leading BOM, UTF-8 sequences split across
 * chunks, comments, fields without a colon and the single optional space
 * after the colon. An event is dispatched at a blank line only; data left
 * without a closing blank line at the end of the stream is discarded, as the
 * spec requires. Stopping the iteration early cancels the stream; so does
 * `options.signal`, which also makes the iteration throw the abort reason.
 */
export async function* parseSse(stream: ReadableStream<Uint8Array>, options: { signal?: AbortSignal } = {}): AsyncGenerator<SseMessage> {
  const { signal } = options;
  if (signal?.aborted) {
    await stream.cancel(signal.reason).catch(() => undefined);
    throw signal.reason;
  }
  const reader = stream.getReader();
  let removeAbortListener = () => {};
  const aborted =
    signal === undefined
      ? undefined
      : new Promise<never>((_resolve, reject) => {
          const onAbort = () => reject(signal.reason);
          signal.addEventListener("abort", onAbort, { once: true });
          removeAbortListener = () => signal.removeEventListener("abort", onAbort);
        });
  aborted?.catch(() => undefined); // observed through the race below
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  let buffer = "";
  let atStart = true;
  let skipLeadingLf = false; // the previous chunk ended with CR: a LF opening the next one belongs to it
  let data = "";
  let hasData = false;
  let eventType = "";
  let lastEventId = "";
  let done = false;

  const processLine = (line: string): SseMessage | undefined => {
    if (line === "") {
      if (!hasData) {
        eventType = "";
        return undefined;
      }
      const message: SseMessage = { event: eventType === "" ? "message" : eventType, data };
      if (lastEventId !== "") message.id = lastEventId;
      data = "";
      hasData = false;
      eventType = "";
      return message;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        eventType = value;
        break;
      case "data":
        data = hasData ? `${data}\n${value}` : value;
        hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) lastEventId = value;
        break;
      default:
        // "retry" and unknown fields do not concern a one-shot reader.
        break;
    }
    return undefined;
  };

  try {
    for (;;) {
      const { value, done: streamDone } = aborted === undefined ? await reader.read() : await Promise.race([reader.read(), aborted]);
      if (streamDone) {
        done = true;
        buffer += decoder.decode();
      } else {
        buffer += decoder.decode(value, { stream: true });
      }
      if (atStart && buffer.length > 0) {
        if (buffer.startsWith("\uFEFF")) buffer = buffer.slice(1);
        atStart = false;
      }
      if (skipLeadingLf && buffer.length > 0) {
        if (buffer.startsWith("\n")) buffer = buffer.slice(1);
        skipLeadingLf = false;
      }

      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c !== "\n" && c !== "\r") continue;
        const message = processLine(buffer.slice(start, i));
        if (c === "\r") {
          if (i + 1 < buffer.length) {
            if (buffer[i + 1] === "\n") i++;
          } else {
            skipLeadingLf = true;
          }
        }
        start = i + 1;
        if (message !== undefined) yield message;
      }
      buffer = buffer.slice(start);
      if (done) return; // an unterminated last line or event is discarded
    }
  } finally {
    removeAbortListener();
    if (!done) await reader.cancel(signal?.aborted ? signal.reason : undefined).catch(() => undefined);
    try {
      reader.releaseLock();
    } catch {
      // Already released or still busy: nothing more to free.
    }
  }
}
