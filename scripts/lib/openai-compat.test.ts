/**
 * The OpenAI-compatible API with the official `openai` npm client, against
 * the real local server (`startLocalServer`: workerd, D1, Queues, the local
 * embedding model) after ingesting a small document:
 * - extractive answers (local mode's default): `chat.completions.create`
 *   plain and streamed, the SDK's stream helper, `models.list()`, the
 *   retrieval extension and errors as the SDK raises them;
 * - GENERATOR=anthropic against a fake of Anthropic's Messages API on a
 *   local port: the answer is streamed by the Anthropic adapter over real
 *   HTTP and reaches the OpenAI client as chunks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startLocalServer, type LocalServer } from "./local-server.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const apiKey = "openai-compat-test-key";

interface Source {
  n: number;
  document_id: string;
  chunk_id: string;
  title: string;
  text: string;
  source_url?: string;
}
/** The extra fields this API adds to OpenAI's objects. */
type WithSources<T> = T & { sources?: Source[] };

const warranty = {
  id: "warranty",
  title: "Warranty terms",
  format: "markdown",
  source_url: "https://example.com/warranty",
  content: [
    "# Warranty terms",
    "",
    "## Coverage",
    "",
    "Every Zephyr kettle is covered by a warranty of three years from the date of purchase.",
    "",
    "## Claims",
    "",
    "To make a warranty claim, email the receipt and the serial number to claims@example.com.",
  ].join("\n"),
};

const question = "How long is the warranty of the Zephyr kettle?";

/** Starts a server with its own state, ingests the warranty page and waits until it is ready. */
async function startWithDocument(vars: Record<string, string> = {}): Promise<{ server: LocalServer; stateDir: string }> {
  const stateDir = mkdtempSync(join(tmpdir(), "edge-rag-openai-"));
  const server = await startLocalServer({ root, port: 0, stateDir, cronIntervalSeconds: 0, vars: { API_KEY: apiKey, LOG_LEVEL: "error", ...vars } });
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  const posted = await fetch(new URL("/v1/documents", server.url), { method: "POST", headers, body: JSON.stringify(warranty) });
  expect(posted.status, await posted.clone().text()).toBe(202);
  await vi.waitUntil(
    async () => {
      const response = await fetch(new URL(`/v1/documents/${warranty.id}`, server.url), { headers });
      const body = (await response.json()) as { status: string };
      if (body.status === "failed") throw new Error(`ingestion failed: ${JSON.stringify(body)}`);
      return body.status === "ready";
    },
    { timeout: 60_000, interval: 100 },
  );
  return { server, stateDir };
}

function client(server: LocalServer, key = apiKey): OpenAI {
  return new OpenAI({ baseURL: new URL("/v1", server.url).href, apiKey: key, maxRetries: 0 });
}

function citations(text: string): number[] {
  return [...text.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
}

describe("the openai client against the local server", () => {
  let server: LocalServer;
  let stateDir: string;
  let openai: OpenAI;

  beforeAll(async () => {
    ({ server, stateDir } = await startWithDocument());
    openai = client(server);
  }, 180_000);

  afterAll(async () => {
    await server?.dispose();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("models.list() lists the alias and the configured model", async () => {
    const models = await openai.models.list();
    expect(models.data.map((model) => [model.id, model.object, model.owned_by])).toEqual([
      ["edge-rag", "model", "edge-rag"],
      ["extractive", "model", "extractive"],
    ]);
  });

  it("chat.completions.create answers from the document, citing sources that exist in `sources`", async () => {
    const completion = (await openai.chat.completions.create({
      model: "edge-rag",
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: question },
      ],
    })) as WithSources<ChatCompletion>;
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("extractive");
    const [choice] = completion.choices;
    expect(choice?.finish_reason).toBe("stop");
    const content = choice?.message.content ?? "";
    expect(content).toMatch(/three years/);
    const sources = completion.sources ?? [];
    const cited = citations(content);
    expect(cited.length).toBeGreaterThan(0);
    for (const n of cited) expect(sources.some((source) => source.n === n)).toBe(true);
    const coverage = sources.find((source) => source.text.includes("three years"));
    expect(coverage).toMatchObject({ document_id: "warranty", title: "Warranty terms", source_url: "https://example.com/warranty" });
    expect(cited).toContain(coverage!.n);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("streams chunks in order: role and sources first, the text, stop, usage last", async () => {
    const plain = await openai.chat.completions.create({ model: "extractive", messages: [{ role: "user", content: question }] });
    // `cache: false` (an extension the SDK passes through): answered afresh, in several pieces, not replayed from the answer cache as one.
    const fresh = { cache: false } as object;
    const stream = await openai.chat.completions.create({ model: "extractive", messages: [{ role: "user", content: question }], stream: true, stream_options: { include_usage: true }, ...fresh });
    const chunks: WithSources<ChatCompletionChunk>[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.length).toBeGreaterThan(4);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    const [first] = chunks;
    expect(first?.choices[0]?.delta.role).toBe("assistant");
    expect(first?.sources?.some((source) => source.document_id === "warranty")).toBe(true);
    // Which chunk carries what, in order: content pieces, then the one finish, then the usage chunk with no choices.
    const kinds = chunks.map((chunk) =>
      chunk.choices.length === 0 ? "usage" : chunk.choices[0]!.finish_reason ? "finish" : chunk.choices[0]!.delta.role ? "role" : "content",
    );
    expect(kinds[0]).toBe("role");
    expect(kinds.slice(-2)).toEqual(["finish", "usage"]);
    expect(kinds.slice(1, -2).every((kind) => kind === "content")).toBe(true);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(plain.choices[0]?.message.content);
    for (const n of citations(text)) expect(first?.sources?.some((source) => source.n === n)).toBe(true);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(Math.ceil(text.length / 4));
  });

  it("the SDK's stream helper assembles the same completion", async () => {
    const plain = await openai.chat.completions.create({ model: "edge-rag", messages: [{ role: "user", content: question }] });
    const runner = openai.chat.completions.stream({ model: "edge-rag", messages: [{ role: "user", content: question }] });
    const deltas: string[] = [];
    runner.on("content", (delta) => deltas.push(delta));
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(plain.choices[0]?.message.content);
    expect(deltas.join("")).toBe(plain.choices[0]?.message.content);
  });

  it("passes the retrieval extension through the SDK's body", async () => {
    const params: ChatCompletionCreateParamsNonStreaming & { retrieval: { top_k: number; mode: string } } = {
      model: "edge-rag",
      messages: [{ role: "user", content: "warranty claim email receipt serial number" }],
      retrieval: { top_k: 1, mode: "keyword" },
    };
    const completion = (await openai.chat.completions.create(params)) as WithSources<ChatCompletion>;
    expect(completion.sources).toHaveLength(1);
    expect(completion.sources?.[0]?.text).toMatch(/claims@example\.com/);
  });

  it("raises the API's errors as the SDK's typed errors, with message, type, code and param", async () => {
    const unknownModel = await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: question }] }).catch((error: unknown) => error);
    expect(unknownModel).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknownModel).toMatchObject({ status: 404, code: "NOT_FOUND", type: "not_found_error", param: "model" });
    expect((unknownModel as Error).message).toMatch(/gpt-4o/);

    const invalid = await openai.chat.completions
      .create({ model: "edge-rag", messages: [{ role: "user", content: question }], temperature: 7 })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect(invalid).toMatchObject({ status: 400, code: "VALIDATION_FAILED", type: "invalid_request_error", param: "temperature" });

    const unauthorised = await client(server, "wrong-key").models.list().catch((error: unknown) => error);
    expect(unauthorised).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(unauthorised).toMatchObject({ status: 401, type: "authentication_error" });
  });
});

describe("GENERATOR=anthropic, through a fake Anthropic API over HTTP", () => {
  let server: LocalServer;
  let stateDir: string;
  let fake: Server;
  const received: { headers: Record<string, string | string[] | undefined>; body: any }[] = [];

  /** Anthropic's streamed events for `text`, sent in several writes. */
  function streamAnswer(response: import("node:http").ServerResponse, text: string): void {
    const event = (data: Record<string, unknown>) => response.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    event({ type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", content: [], model: "claude-fake", usage: { input_tokens: 321, output_tokens: 1 } } });
    event({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    event({ type: "ping" });
    for (const piece of text.match(/\S+\s*/g) ?? []) event({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } });
    event({ type: "content_block_stop", index: 0 });
    event({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 12 } });
    event({ type: "message_stop" });
    response.end();
  }

  beforeAll(async () => {
    fake = createServer((request, response) => {
      const parts: Buffer[] = [];
      request.on("data", (part: Buffer) => parts.push(part));
      request.on("end", () => {
        const body = JSON.parse(Buffer.concat(parts).toString() || "{}");
        received.push({ headers: request.headers, body });
        if (request.url !== "/v1/messages" || request.headers["x-api-key"] !== "sk-ant-fake") {
          response.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } }));
          return;
        }
        streamAnswer(response, "The Zephyr kettle has a three-year warranty [1].");
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    const { port } = fake.address() as AddressInfo;
    ({ server, stateDir } = await startWithDocument({
      GENERATOR: "anthropic",
      ANTHROPIC_API_KEY: "sk-ant-fake",
      ANTHROPIC_MODEL: "claude-fake",
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`,
    }));
  }, 180_000);

  afterAll(async () => {
    await server?.dispose();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    await new Promise((resolve) => fake?.close(resolve));
  });

  it("streams Anthropic's answer to the OpenAI client, with the sources Anthropic was given", async () => {
    const openai = client(server);
    expect((await openai.models.list()).data.map((model) => model.id)).toEqual(["edge-rag", "claude-fake"]);
    const stream = await openai.chat.completions.create({ model: "claude-fake", messages: [{ role: "user", content: question }], stream: true, stream_options: { include_usage: true } });
    const chunks: WithSources<ChatCompletionChunk>[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("The Zephyr kettle has a three-year warranty [1].");
    expect(chunks.every((chunk) => chunk.model === "claude-fake")).toBe(true);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 321, completion_tokens: 12, total_tokens: 333 });

    const sources = chunks[0]?.sources ?? [];
    expect(sources.find((source) => source.n === 1)?.document_id).toBe("warranty");
    const answerCall = received.find((call) => call.body.stream === true && call.body.messages.at(-1).content.includes(question));
    expect(answerCall?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(answerCall?.body.model).toBe("claude-fake");
    expect(answerCall?.body.system).toMatch(/Cite every claim/);
    for (const source of sources) expect(answerCall?.body.messages.at(-1).content).toContain(source.text);
  });
});
