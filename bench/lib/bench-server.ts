/**
 * A throwaway local server for benchmarks: the real worker on Miniflare (API,
 * queue, consumer, D1, local stand-ins) with its own empty state directory,
 * on a free port. Embeddings are cached across runs in .data/bench-cache.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalServer, type LocalServer } from "../../scripts/lib/local-server.js";

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const benchApiKey = "bench-key";

export interface BenchServer {
  server: LocalServer;
  api: BenchApi;
  dispose(): Promise<void>;
}

export async function startBenchServer(options: { vars?: Record<string, string>; embeddingCache?: boolean } = {}): Promise<BenchServer> {
  const stateDir = mkdtempSync(join(tmpdir(), "edge-rag-bench-"));
  const server = await startLocalServer({
    root: projectRoot,
    port: 0,
    stateDir,
    vars: { API_KEY: benchApiKey, LOG_LEVEL: "warn", ...options.vars },
    embeddingCacheDir: options.embeddingCache === false ? undefined : join(projectRoot, ".data", "bench-cache"),
  });
  return {
    server,
    api: new BenchApi(server.url, benchApiKey),
    async dispose() {
      await server.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export class BenchApi {
  constructor(
    private readonly base: URL,
    private readonly key: string,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const send = () =>
      fetch(new URL(path, this.base), {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      // A kept-alive connection the server closed while this process was busy
      // (e.g. calibrating) fails before any byte is sent; one retry is safe.
      if (!/other side closed|ECONNRESET/i.test(String((error as Error).cause ?? error))) throw error;
      response = await send();
    }
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}

export interface IngestProgress {
  submitted: number;
  ready: number;
  failed: number;
  chunks: number;
  total: number;
  elapsedSeconds: number;
}

/**
 * Posts documents in batches of 100, then waits until every one is ready or
 * failed, reporting progress. Returns the final counts.
 */
export async function ingestDocuments(
  api: BenchApi,
  documents: { id: string; title?: string; content: string; format?: string; metadata?: Record<string, unknown> }[],
  onProgress: (progress: IngestProgress) => void = () => {},
): Promise<IngestProgress> {
  const started = performance.now();
  const progress = (stats: { documents: { ready: number; failed: number }; chunks: number }, submitted: number): IngestProgress => ({
    submitted,
    ready: stats.documents.ready,
    failed: stats.documents.failed,
    chunks: stats.chunks,
    total: documents.length,
    elapsedSeconds: (performance.now() - started) / 1000,
  });
  let submitted = 0;
  for (let start = 0; start < documents.length; start += 100) {
    const batch = documents.slice(start, start + 100);
    await api.request("POST", "/v1/documents/batch", { documents: batch });
    submitted += batch.length;
    if ((start / 100) % 10 === 0) onProgress(progress(await api.request("GET", "/v1/index/stats"), submitted));
  }
  for (;;) {
    const stats = await api.request("GET", "/v1/index/stats");
    const current = progress(stats, submitted);
    onProgress(current);
    if (current.ready + current.failed >= documents.length) return current;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A progress printer: a live line on a TTY, nothing until the summary otherwise. */
export function progressPrinter(label: string): { update(progress: IngestProgress): void; done(progress: IngestProgress): void } {
  const tty = process.stderr.isTTY;
  const line = (p: IngestProgress) => {
    const rate = p.ready / Math.max(p.elapsedSeconds, 0.001);
    const remaining = p.total - p.ready - p.failed;
    const eta = rate > 0 ? `${Math.ceil(remaining / rate)} s` : "?";
    return `${label}: submitted ${p.submitted}/${p.total}, indexed ${p.ready} (${p.chunks} chunks), failed ${p.failed}, ${rate.toFixed(1)} docs/s, ETA ${eta}`;
  };
  return {
    update(progress) {
      if (tty) process.stderr.write(`\r\x1b[2K${line(progress)}`);
    },
    done(progress) {
      if (tty) process.stderr.write("\r\x1b[2K");
      const rate = progress.ready / Math.max(progress.elapsedSeconds, 0.001);
      console.log(
        `${label}: indexed ${progress.ready}/${progress.total} documents (${progress.chunks} chunks, ${progress.failed} failed) in ${progress.elapsedSeconds.toFixed(1)} s, ${rate.toFixed(1)} docs/s`,
      );
    },
  };
}
