/**
 * The command line in-process, against stand-in answers: exit codes, one-line
 * errors, and `ask` writing the answer while it is still streaming. The real
 * server is exercised in cli/edge-rag.test.ts.
 */
import { describe, expect, it, vi } from "vitest";
import { main, type CliIo } from "./main.js";

function recorder() {
  let text = "";
  return {
    output: { write: (chunk: string) => (text += chunk) },
    get text() {
      return text;
    },
  };
}

function cli(fetch: typeof globalThis.fetch, env: Record<string, string> = {}) {
  const stdout = recorder();
  const stderr = recorder();
  const io: CliIo = { stdout: stdout.output, stderr: stderr.output, env, cwd: process.cwd(), fetch };
  return { run: (...argv: string[]) => main(argv, io), stdout, stderr };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const unused = (() => Promise.reject(new Error("no request expected"))) as typeof fetch;

describe("edge-rag", () => {
  it("prints help and the version with exit code 0", async () => {
    const { run, stdout } = cli(unused);
    expect(await run("--help")).toBe(0);
    expect(stdout.text).toMatch(/Usage: edge-rag/);
    expect(stdout.text).toMatch(/ingest \[options\] <paths\.\.\.>/);
    expect(await run("--version")).toBe(0);
    expect(stdout.text).toMatch(/\d+\.\d+\.\d+/);
  });

  it("answers usage mistakes with exit code 2 and one line", async () => {
    const { run, stderr } = cli(unused);
    expect(await run("search")).toBe(2);
    expect(stderr.text).toMatch(/^edge-rag: missing required argument 'query'/);
    const other = cli(unused);
    expect(await other.run("search", "--top-k", "0", "q")).toBe(2);
    expect(other.stderr.text).toMatch(/must be a whole number from 1 to 100/);
    const filter = cli(unused);
    expect(await filter.run("search", "--filter", "[1]", "q")).toBe(2);
    expect(filter.stderr.text).toBe(`edge-rag: --filter: must be a JSON object, e.g. '{"product": "cloud"}'\n`);
    const remote = cli(unused);
    expect(await remote.run("--api", "https://rag.example.com", "status")).toBe(2);
    expect(remote.stderr.text).toBe("edge-rag: no API key for https://rag.example.com: pass --key <key> or set EDGE_RAG_KEY\n");
  });

  it("prints the API's error as one line, with exit code 1", async () => {
    const { run, stderr, stdout } = cli(async () => json({ error: { code: "NOT_FOUND", message: 'document "nope" does not exist' } }, 404));
    expect(await run("status", "nope")).toBe(1);
    expect(stderr.text).toBe('edge-rag: NOT_FOUND (404): document "nope" does not exist\n');
    expect(stdout.text).toBe("");
  });

  it("sends search options as the API names them, with the tenant header", async () => {
    const requests: { url: string; headers: Record<string, string>; body: unknown }[] = [];
    const { run, stdout } = cli(
      async (input, init) => {
        requests.push({ url: String(input), headers: init?.headers as Record<string, string>, body: JSON.parse(String(init?.body)) });
        return json({ results: [{ chunk_id: "c", document_id: "guide.md", title: "", heading: "Setup", text: "Fill  the\nkettle.", score: 0.0328, source_url: null, metadata: {} }], timings: {} });
      },
      { EDGE_RAG_KEY: "k", EDGE_RAG_TENANT: "t_0123456789abcdef" },
    );
    expect(await run("search", "kettle", "--mode", "keyword", "-k", "3", "--filter", '{"path": "guide.md"}', "--no-rerank")).toBe(0);
    expect(requests[0]!.url).toBe("http://127.0.0.1:8787/v1/search");
    expect(requests[0]!.headers).toMatchObject({ authorization: "Bearer k", "x-tenant-id": "t_0123456789abcdef" });
    expect(requests[0]!.body).toEqual({ query: "kettle", top_k: 3, mode: "keyword", filter: { path: "guide.md" }, rerank: false });
    expect(stdout.text).toBe("1. guide.md › Setup  (guide.md, score 0.0328)\n   Fill the kettle.\n");
  });

  it("writes the answer as it streams, then the numbered sources", async () => {
    const encoder = new TextEncoder();
    let push!: (text: string) => void;
    let end!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(encoder.encode(text));
        end = () => controller.close();
      },
    });
    const { run, stdout } = cli(async () => new Response(body, { headers: { "content-type": "text/event-stream" } }));
    const exit = run("ask", "How long is the warranty?");
    const source = { n: 1, document_id: "warranty.md", chunk_id: "c:1:0", title: "Warranty", heading: "Coverage", text: "…", source_url: "https://example.com/w" };
    push(`event: sources\ndata: ${JSON.stringify({ sources: [source] })}\n\n`);
    push('event: delta\ndata: {"text":"Three years"}\n\n');
    // The first words are on the terminal while the answer is still being written.
    await vi.waitUntil(() => stdout.text.includes("Three years"), { timeout: 5_000, interval: 5 });
    expect(stdout.text).toBe("Three years");
    push('event: delta\ndata: {"text":" [1]."}\n\nevent: done\ndata: {"timings":{}}\n\n');
    end();
    expect(await exit).toBe(0);
    expect(stdout.text).toBe("Three years [1].\n\nSources:\n  [1] Warranty › Coverage — https://example.com/w (warranty.md)\n");
  });

  it("ends the answer's line before reporting a stream that broke off", async () => {
    const wire = 'event: sources\ndata: {"sources":[]}\n\nevent: delta\ndata: {"text":"Partial"}\n\nevent: error\ndata: {"code":"TIMEOUT","message":"the answer took too long"}\n\n';
    const { run, stdout, stderr } = cli(async () => new Response(wire, { headers: { "content-type": "text/event-stream" } }));
    expect(await run("ask", "q")).toBe(1);
    expect(stdout.text).toBe("Partial\n");
    expect(stderr.text).toBe("edge-rag: TIMEOUT: the answer took too long\n");
  });

  it("asks without streaming", async () => {
    let sent: unknown;
    const { run, stdout } = cli(async (_input, init) => {
      sent = JSON.parse(String(init?.body));
      return json({ answer: "Three years [1].", sources: [{ n: 1, document_id: "w", chunk_id: "c", title: "", text: "" }], timings: {}, retrieval_queries: [] });
    });
    expect(await run("ask", "--no-stream", "-k", "2", "q")).toBe(0);
    expect(sent).toEqual({ messages: [{ role: "user", content: "q" }], top_k: 2, stream: false });
    expect(stdout.text).toBe("Three years [1].\n\nSources:\n  [1] w — w\n");
  });

  it("deletes several documents and reports each failure", async () => {
    const { run, stdout, stderr } = cli(async (input) =>
      String(input).endsWith("/missing") ? json({ error: { code: "NOT_FOUND", message: 'document "missing" does not exist' } }, 404) : json({ id: "x", status: "deleted" }, 202),
    );
    expect(await run("delete", "a", "missing", "b:c")).toBe(1);
    expect(stdout.text).toBe("deleted a\ndeleted b:c\n");
    expect(stderr.text).toBe('edge-rag: missing: NOT_FOUND (404): document "missing" does not exist\n');
  });

  it("says clearly when the server has no website sources API", async () => {
    let sent: unknown;
    const { run, stderr } = cli(async (_input, init) => {
      sent = JSON.parse(String(init?.body));
      return json({ error: { code: "NOT_FOUND", message: "no route for POST /v1/sources" } }, 404);
    });
    expect(await run("sources", "add", "https://example.com/docs")).toBe(1);
    expect(sent).toEqual({ type: "website", url: "https://example.com/docs" });
    expect(stderr.text).toMatch(/^edge-rag: NOT_SUPPORTED \(404\): this server has no website sources API \(POST \/v1\/sources answered 404: no route for POST \/v1\/sources\)/);
    const bad = cli(unused);
    expect(await bad.run("sources", "add", "ftp://example.com")).toBe(2);
    expect(bad.stderr.text).toBe("edge-rag: the start page: must be an http(s) URL: ftp://example.com\n");
  });

  it("sends the optional source settings only when given", async () => {
    let sent: unknown;
    const { run } = cli(async (_input, init) => {
      sent = JSON.parse(String(init?.body));
      return json({ id: "src_1", state: "discovering" }, 202);
    });
    expect(await run("sources", "add", "https://example.com", "--include", "/docs/*", "--include", "/blog/*", "--max-pages", "50", "--schedule", "daily")).toBe(0);
    expect(sent).toEqual({ type: "website", url: "https://example.com/", include: ["/docs/*", "/blog/*"], max_pages: 50, schedule: "daily" });
  });

  it("prints what the sources API answers, and lists sources with their progress", async () => {
    const source = { id: "src_0123456789abcdef", url: "https://example.com/", status: "syncing", error: null, discovered: 12, pending: 3, indexing: 2, ready: 7, failed: 0 };
    const { run, stdout } = cli(async () => json({ sources: [source] }));
    expect(await run("sources", "list")).toBe(0);
    expect(stdout.text).toBe("src_0123456789abcdef  https://example.com/  syncing · 12 discovered · 3 pending · 2 indexing · 7 ready · 0 failed\n");
    const added = cli(async () => json({ ...source, status: "discovering" }, 202));
    expect(await added.run("sources", "add", "https://example.com")).toBe(0);
    expect(added.stdout.text).toBe("added https://example.com/ as src_0123456789abcdef (discovering)\nfollow it with: edge-rag sources status src_0123456789abcdef\n");
  });
});
