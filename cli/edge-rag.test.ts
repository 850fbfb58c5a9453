/**
 * `edge-rag` end to end: the real local server (`startLocalServer`: workerd,
 * D1, Queues, the local embedding model), and the CLI run as a child
 * process through its bin (`node bin/edge-rag.mjs`), as a user runs it. A
 * small proxy between them records every request the CLI makes, so the tests
 * can say what was (and was not) sent.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalServer, type LocalServer } from "../scripts/lib/local-server.js";
import { documentIdForPath } from "./lib/document-id.js";
import type { IngestSummary } from "./lib/ingest-run.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "bin", "edge-rag.mjs");
const apiKey = "cli-test-key";

interface Recorded {
  method: string;
  path: string;
  body: string;
  contentType: string | undefined;
}

let server: LocalServer;
let proxy: http.Server;
let proxyUrl: string;
let recorded: Recorded[] = [];
let work: string;
let docs: string;

/** Forwards to the local server, recording each request and its answer's content type. */
function startProxy(target: URL): Promise<http.Server> {
  const proxyServer = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const entry: Recorded = { method: request.method!, path: request.url!, body: body.toString("utf8"), contentType: undefined };
      recorded.push(entry);
      const upstream = http.request(
        new URL(request.url!, target),
        { method: request.method, headers: { ...request.headers, host: target.host } },
        (answer) => {
          entry.contentType = answer.headers["content-type"];
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on("error", () => response.destroy());
      upstream.end(body);
    });
  });
  return new Promise((resolve) => proxyServer.listen(0, "127.0.0.1", () => resolve(proxyServer)));
}

/** Runs the CLI through its bin; never rejects (the exit code is part of the result). */
function edgeRag(args: string[], options: { env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: work,
      env: { ...process.env, EDGE_RAG_API: proxyUrl, EDGE_RAG_KEY: apiKey, EDGE_RAG_TENANT: "", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function getDocument(id: string): Promise<{ status: number; body: { status?: string; chunks?: number; version?: number } }> {
  const response = await fetch(new URL(`/v1/documents/${encodeURIComponent(id)}`, server.url), { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: response.status, body: (await response.json()) as { status?: string; chunks?: number; version?: number } };
}

function write(path: string, text: string) {
  mkdirSync(dirname(join(docs, path)), { recursive: true });
  writeFileSync(join(docs, path), text);
}

const descalingId = documentIdForPath("guides/Descaling tips!.txt");
const expectedIds = ["guides:setup:install.md", descalingId, "returns.html", "warranty.md"].sort();
const ingestArgs = () => ["ingest", docs, "--wait", "--ignore", "*.tmp.md", "--json"];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "edge-rag-cli-"));
  docs = join(work, "docs");
  write(
    "warranty.md",
    "# Warranty terms\n\n## Coverage\n\nEvery Zephyr kettle is covered by a warranty of three years from the date of purchase.\n\n## Claims\n\nTo make a claim, email the receipt and the serial number to claims@example.com.\n",
  );
  write("guides/setup/install.md", "# Installing the kettle\n\nPlace the Zephyr kettle on a flat surface, fill it to the MAX line and press the switch.\n");
  write("guides/Descaling tips!.txt", "Descale the Zephyr kettle once a month with white vinegar and rinse it twice.\n");
  write("returns.html", "<html><head><title>Returns</title></head><body><h1>Returns</h1><p>Unused kettles can be returned within 30 days for a refund.</p></body></html>");
  write("empty.md", "   \n");
  write("image.png", "not a document");
  write("drafts/wip.md", "# Draft\n\nNot for the index.\n");
  write("build/generated.md", "# Generated\n\nNot for the index either.\n");
  write("node_modules/pkg/readme.md", "# A dependency\n\nNever indexed.\n");
  write("scratch.tmp.md", "# Scratch\n\nLeft out by --ignore.\n");
  write(".edgeragignore", "drafts/\n");
  write(".gitignore", "build/\n");

  const stateDir = join(work, "server-state");
  server = await startLocalServer({ root, port: 0, stateDir, cronIntervalSeconds: 0, vars: { API_KEY: apiKey, LOG_LEVEL: "error" } });
  proxy = await startProxy(server.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await server?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe("edge-rag ingest", () => {
  it("walks the folder, leaves out ignored files, and waits until the documents are ready", async () => {
    const run = await edgeRag(ingestArgs());
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as IngestSummary & { ignored: number; state: string };
    expect(summary.reports.filter((report) => report.outcome === "ready").map((report) => report.id).sort()).toEqual(expectedIds);
    expect(summary.reports.find((report) => report.path === "empty.md")?.outcome).toBe("empty");
    expect(summary).toMatchObject({ files: 5, sent: 4, skipped: 0, empty: 1, ready: 4, failed: [], pending: [], ignored: 3 });
    expect(summary.chunks).toBeGreaterThanOrEqual(4);

    for (const id of expectedIds) {
      const { body } = await getDocument(id);
      expect(body, id).toMatchObject({ status: "ready", version: 1 });
      expect(body.chunks, id).toBeGreaterThanOrEqual(1);
    }
    for (const id of ["drafts:wip.md", "build:generated.md", "scratch.tmp.md", "node_modules:pkg:readme.md", "empty.md"]) {
      expect((await getDocument(id)).status, id).toBe(404);
    }
    const batches = recorded.filter((request) => request.method === "POST" && request.path === "/v1/documents/batch");
    expect(batches.flatMap((request) => (JSON.parse(request.body) as { documents: { id: string }[] }).documents.map((doc) => doc.id)).sort()).toEqual(expectedIds);
    const state = JSON.parse(readFileSync(join(docs, ".edge-rag-state.json"), "utf8")) as { targets: Record<string, { documents: Record<string, { status: string }> }> };
    const [target] = Object.values(state.targets);
    expect(Object.keys(target!.documents).sort()).toEqual(expectedIds);
    expect(Object.values(target!.documents).every((entry) => entry.status === "ready")).toBe(true);
  });

  it("sends nothing when it runs again over unchanged files", async () => {
    recorded = [];
    const run = await edgeRag(ingestArgs());
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ sent: 0, skipped: 4, ready: 0, failed: [] });
    expect(recorded).toEqual([]);
  });

  it("sends only the file that changed", async () => {
    write("guides/setup/install.md", "# Installing the kettle\n\nPlace the Zephyr kettle on a flat, dry surface, fill it to the MAX line and press the switch.\n");
    recorded = [];
    const run = await edgeRag(["ingest", docs, "--wait", "--ignore", "*.tmp.md"]);
    expect(run.code, run.stderr).toBe(0);
    const batches = recorded.filter((request) => request.method === "POST" && request.path === "/v1/documents/batch");
    expect(batches).toHaveLength(1);
    expect((JSON.parse(batches[0]!.body) as { documents: { id: string }[] }).documents.map((doc) => doc.id)).toEqual(["guides:setup:install.md"]);
    expect(run.stdout).toMatch(/^ {2}sent {5}1$/m);
    expect(run.stdout).toMatch(/^ {2}skipped {2}3 unchanged since the last run$/m);
    expect(run.stdout).toMatch(/^ {2}indexed {2}1 \(\d+ chunks?\)$/m);
    expect(run.stdout).toMatch(/^ {2}failed {3}0$/m);
    expect((await getDocument("guides:setup:install.md")).body).toMatchObject({ status: "ready", version: 2 });
  });

  it("lists documents that failed to index and exits with 1", async () => {
    const other = join(work, "other");
    mkdirSync(other);
    writeFileSync(join(other, "fine.md"), "# Fine\n\nA page with text.\n");
    writeFileSync(join(other, "no-text.html"), "<html><body><script>var x = 1;</script></body></html>");
    const run = await edgeRag(["ingest", other, "--wait", "--id-prefix", "other:"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ {2}failed {3}1$/m);
    expect(run.stdout).toMatch(/^ {4}no-text\.html \(other:no-text\.html\): the document has no text content to index$/m);
    expect((await getDocument("other:fine.md")).body.status).toBe("ready");
  });
});

describe("edge-rag search, ask, status, delete", () => {
  it("search finds a document", async () => {
    const json = await edgeRag(["search", "how many years of warranty for the Zephyr kettle", "--json", "-k", "3"]);
    expect(json.code, json.stderr).toBe(0);
    const { results } = JSON.parse(json.stdout) as { results: { document_id: string }[] };
    expect(results[0]?.document_id).toBe("warranty.md");

    const text = await edgeRag(["search", "white vinegar descaling", "--mode", "keyword"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^1\. Descaling tips! {2}\(guides:Descaling-tips-\.txt~[0-9a-f]{8}, score /);
  });

  it("ask streams the answer, then prints the numbered sources", async () => {
    recorded = [];
    const run = await edgeRag(["ask", "How long is the warranty of the Zephyr kettle?"]);
    expect(run.code, run.stderr).toBe(0);
    const chat = recorded.find((request) => request.path === "/v1/chat");
    expect(chat?.contentType).toMatch(/^text\/event-stream/);
    expect(JSON.parse(chat!.body)).toEqual({ messages: [{ role: "user", content: "How long is the warranty of the Zephyr kettle?" }] });
    const [answer, sources] = run.stdout.split("\nSources:\n");
    expect(answer).toMatch(/three years/);
    expect(answer).toMatch(/\[1\]/);
    expect(sources).toMatch(/^ {2}\[1\] .+ — warranty\.md$/m);
  });

  it("status shows a document, and the index's counts", async () => {
    const one = await edgeRag(["status", "warranty.md"]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^warranty\.md: ready$/m);
    expect(one.stdout).toMatch(/^ {2}metadata \{"path":"warranty\.md"\}$/m);
    const all = await edgeRag(["status", "--json"]);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({ documents: { total: 6, ready: 5, failed: 1 } });
  });

  it("delete removes a document; asking for it afterwards is a one-line error", async () => {
    const run = await edgeRag(["delete", "returns.html"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("deleted returns.html\n");
    expect((await getDocument("returns.html")).status).toBe(404);
    const status = await edgeRag(["status", "returns.html"]);
    expect(status.code).toBe(1);
    expect(status.stderr).toBe('edge-rag: NOT_FOUND (404): document "returns.html" does not exist\n');
  });

  it("sources add reaches the sources API, whose refusal is one line (nothing is crawled: the address is refused)", async () => {
    recorded = [];
    const run = await edgeRag(["sources", "add", "http://127.0.0.1/docs", "--max-pages", "5"]);
    expect(run.code).toBe(1);
    expect(JSON.parse(recorded[0]!.body)).toEqual({ type: "website", url: "http://127.0.0.1/docs", max_pages: 5 });
    expect(run.stderr).toMatch(/^edge-rag: URL_NOT_ALLOWED \(400\): [^\n]+\n$/);
    const list = await edgeRag(["sources", "list"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toBe("No sources.\n");
  });

  it("a wrong key is one clear line", async () => {
    const run = await edgeRag(["status"], { env: { EDGE_RAG_KEY: "wrong" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^edge-rag: UNAUTHORIZED \(401\): [^\n]+\n$/);
  });
});
