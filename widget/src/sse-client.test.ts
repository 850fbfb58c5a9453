import { describe, expect, it, vi } from "vitest";
import { ChatStreamError, retryAfter, streamChat, type ChatStreamEvent } from "./sse-client.js";

const encoder = new TextEncoder();

/** A response body that delivers `chunks` one per read, then closes (or stays open with `keepOpen`). */
function chunkedBody(chunks: (string | Uint8Array)[], options: { keepOpen?: boolean; onCancel?: (reason: unknown) => void } = {}): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) {
        const chunk = chunks[index++]!;
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      } else if (!options.keepOpen) {
        controller.close();
      }
      // keepOpen: never settles the read, like a server that is still thinking
    },
    cancel: (reason) => options.onCancel?.(reason),
  });
}

function sseResponse(body: ReadableStream<Uint8Array>, init: ResponseInit = {}): Response {
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8" }, ...init });
}

function fakeFetch(respond: () => Response | Promise<Response>) {
  return vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => respond());
}

const request = { url: "https://api.example/v1/chat", key: "pk_test", body: { messages: [{ role: "user" as const, content: "Refunds?" }] } };

async function collect(events: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const sources = [{ n: 1, document_id: "billing-guide", chunk_id: "c1", title: "Billing and refunds", text: "You can request a full refund within 30 days." }];
const wholeStream =
  `event: sources\ndata: ${JSON.stringify({ sources })}\n\n` +
  `event: delta\ndata: {"text":"Within "}\n\n` +
  ": ping\n\n" +
  `event: delta\ndata: {"text":"30 days — «ok» [1]."}\n\n` +
  `event: done\ndata: {"timings":{"total_ms":5}}\n\n`;

describe("streamChat", () => {
  it("sends one POST with the bearer key, JSON body and no cookies", async () => {
    const fetch = fakeFetch(() => sseResponse(chunkedBody([wholeStream])));
    await collect(streamChat({ ...request, fetch }));
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe(request.url);
    expect(init?.method).toBe("POST");
    expect(init?.credentials).toBe("omit");
    expect(init?.headers).toMatchObject({ authorization: "Bearer pk_test", "content-type": "application/json", accept: "text/event-stream" });
    expect(JSON.parse(String(init?.body))).toEqual(request.body);
  });

  it("yields sources, deltas and done from frames split at every byte", async () => {
    const bytes = encoder.encode(wholeStream);
    // One byte per read: splits lines, field names, CRLF pairs and multi-byte UTF-8 characters.
    const fetch = fakeFetch(() => sseResponse(chunkedBody(Array.from(bytes, (byte) => new Uint8Array([byte])))));
    expect(await collect(streamChat({ ...request, fetch }))).toEqual([
      { type: "sources", sources },
      { type: "delta", text: "Within " },
      { type: "delta", text: "30 days — «ok» [1]." },
      { type: "done", grounded: true },
    ]);
  });

  it("reports a decline: grounded false in done", async () => {
    const declined = `event: sources\ndata: {"sources":[]}\n\nevent: delta\ndata: {"text":"I couldn't find this in the documents."}\n\nevent: done\ndata: {"grounded":false}\n\n`;
    const fetch = fakeFetch(() => sseResponse(chunkedBody([declined])));
    expect((await collect(streamChat({ ...request, fetch }))).at(-1)).toEqual({ type: "done", grounded: false });
  });

  it("handles CRLF line ends split across chunks", async () => {
    const crlf = wholeStream.replaceAll("\n", "\r\n");
    const chunks = crlf.split(/(?<=\r)/); // every chunk ends right after a CR
    const fetch = fakeFetch(() => sseResponse(chunkedBody(chunks)));
    const events = await collect(streamChat({ ...request, fetch }));
    expect(events.map((event) => event.type)).toEqual(["sources", "delta", "delta", "done"]);
  });

  it("stops on abort without reconnecting, and cancels the response body", async () => {
    const cancelled = vi.fn();
    const fetch = fakeFetch(() => sseResponse(chunkedBody(['event: delta\ndata: {"text":"Hel"}\n\n'], { keepOpen: true, onCancel: cancelled })));
    const controller = new AbortController();
    const seen: ChatStreamEvent[] = [];
    const run = (async () => {
      for await (const event of streamChat({ ...request, fetch, signal: controller.signal })) {
        seen.push(event);
        controller.abort(); // the user presses stop after the first token
      }
    })();
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toEqual([{ type: "delta", text: "Hel" }]);
    await vi.waitFor(() => expect(cancelled).toHaveBeenCalled());
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("stops on an abort while waiting for the next event (nothing has arrived)", async () => {
    const cancelled = vi.fn();
    const fetch = fakeFetch(() => sseResponse(chunkedBody([], { keepOpen: true, onCancel: cancelled })));
    const controller = new AbortController();
    const run = collect(streamChat({ ...request, fetch, signal: controller.signal }));
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    await vi.waitFor(() => expect(cancelled).toHaveBeenCalled());
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("reports an aborted request as the abort, not as a network error", async () => {
    const controller = new AbortController();
    controller.abort();
    const fetch = vi.fn(async () => {
      throw new DOMException("aborted", "AbortError");
    });
    await expect(collect(streamChat({ ...request, fetch, signal: controller.signal }))).rejects.toMatchObject({ name: "AbortError" });
  });

  it("throws the server's error event after the text that came before it", async () => {
    const stream = 'event: sources\ndata: {"sources":[]}\n\nevent: delta\ndata: {"text":"Part"}\n\nevent: error\ndata: {"code":"UPSTREAM_UNAVAILABLE","message":"the language model is unavailable"}\n\n';
    const fetch = fakeFetch(() => sseResponse(chunkedBody([stream])));
    const seen: ChatStreamEvent[] = [];
    const error = await (async () => {
      for await (const event of streamChat({ ...request, fetch })) seen.push(event);
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual([
      { type: "sources", sources: [] },
      { type: "delta", text: "Part" },
    ]);
    expect(error).toBeInstanceOf(ChatStreamError);
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", message: "the language model is unavailable" });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("reports a stream that ends before done as INCOMPLETE, once", async () => {
    const fetch = fakeFetch(() => sseResponse(chunkedBody(['event: delta\ndata: {"text":"Half"}\n\nevent: delta\ndata: {"text":"unterminated"}'])));
    await expect(collect(streamChat({ ...request, fetch }))).rejects.toMatchObject({ code: "INCOMPLETE" });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("turns HTTP errors into coded errors, with Retry-After for rate limits", async () => {
    const limited = fakeFetch(
      () => new Response(JSON.stringify({ error: { code: "RATE_LIMITED", message: "slow down" } }), { status: 429, headers: { "content-type": "application/json", "retry-after": "7" } }),
    );
    await expect(collect(streamChat({ ...request, fetch: limited }))).rejects.toMatchObject({ code: "RATE_LIMITED", status: 429, retryAfterSeconds: 7, message: "slow down" });

    const refused = fakeFetch(() => new Response(JSON.stringify({ error: { code: "UNAUTHORIZED", message: "invalid API key" } }), { status: 401 }));
    await expect(collect(streamChat({ ...request, fetch: refused }))).rejects.toMatchObject({ code: "UNAUTHORIZED", status: 401 });

    const proxyPage = fakeFetch(() => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    await expect(collect(streamChat({ ...request, fetch: proxyPage }))).rejects.toMatchObject({ code: "HTTP_502", message: "Bad Gateway" });
  });

  it("reports network failures and non-stream answers", async () => {
    const offline = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(collect(streamChat({ ...request, fetch: offline }))).rejects.toMatchObject({ code: "NETWORK" });

    const json = fakeFetch(() => new Response('{"answer":"x"}', { status: 200, headers: { "content-type": "application/json" } }));
    await expect(collect(streamChat({ ...request, fetch: json }))).rejects.toMatchObject({ code: "BAD_RESPONSE" });
  });

  it("rejects unreadable event data", async () => {
    const fetch = fakeFetch(() => sseResponse(chunkedBody(["event: delta\ndata: {not json\n\n"])));
    await expect(collect(streamChat({ ...request, fetch }))).rejects.toMatchObject({ code: "BAD_RESPONSE" });
  });
});

describe("retryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(retryAfter("12")).toBe(12);
    expect(retryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(30);
    expect(retryAfter(null)).toBeUndefined();
    expect(retryAfter("soon")).toBeUndefined();
  });
});
