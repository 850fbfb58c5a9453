/**
 * The host-side half of local mode. Miniflare exposes this handler to the
 * worker as the `LOCAL_SERVICES` service binding (a plain Node function), and
 * the worker-side adapters (`../local-ai.ts`, `../local-vectorize-index.ts`)
 * speak to it. It runs what has no local simulator upstream:
 *
 * - `POST /ai/run` — Workers AI `run()` for local embedding and reranking models;
 * - `/vectorize/...` — the Vectorize stand-in (exact search, persisted).
 *
 * Model inference runs on a worker thread (`models/model-thread.ts`) through
 * a scheduler that puts short requests (one text, reranking) before document
 * batches (`models/inference-scheduler.ts`); this thread only validates,
 * caps texts to what the model reads (`models/input-cap.ts`), serves the
 * optional embedding cache and the vector stand-in, so it always answers
 * promptly. It also keeps the bridge's idle connections open until workerd
 * closes them (`bridge-keep-alive.ts`).
 */
import { holdBridgeConnectionsOpen } from "./bridge-keep-alive.js";
import { EmbeddingCache } from "./embedding-cache.js";
import type { LocalEmbeddingModel } from "./models/embedding-model.js";
import { createInferenceScheduler, type InferenceSchedulerOptions, type Priority } from "./models/inference-scheduler.js";
import { capTexts } from "./models/input-cap.js";
import { createModelRegistry, UnknownModelError, type ModelRegistryOptions } from "./models/model-registry.js";
import { createModelThread, type ModelThreadOptions } from "./models/model-thread.js";
import { createVectorService } from "./vector-service.js";
import { encodeMatrix, matrixType } from "../vector-transport.js";

export interface LocalServicesOptions extends ModelRegistryOptions {
  /** Where the vector stand-in persists its indexes. */
  dataDir: string;
  /**
   * Tests only: enables `POST /_test/faults {match, failures}`, after which the
   * next `failures` embedding calls whose texts contain `match` answer 503, as
   * an overloaded upstream would; it answers `{seen}`, how many embedding
   * calls carrying `match` have reached the service since it was first named.
   */
  faultInjection?: boolean;
  /** Keep computed embeddings on disk here and reuse them (benchmarks). */
  embeddingCacheDir?: string;
  /**
   * Tests only: pass size and hooks of the inference scheduler, and a
   * stand-in module for the model thread.
   */
  inference?: Pick<InferenceSchedulerOptions, "passSize" | "maxInteractiveStreak" | "onQueued" | "betweenPasses"> & Pick<ModelThreadOptions, "worker">;
}

export interface LocalServices {
  fetch(request: Request): Promise<Response>;
  /** Ends the model thread and closes the vector store. */
  close(): Promise<void>;
}

const maxTextsPerCall = 100;

export function createLocalServices(options: LocalServicesOptions): LocalServices {
  const registryOptions: ModelRegistryOptions = {
    ...(options.modelsDir !== undefined ? { modelsDir: options.modelsDir } : {}),
    ...(options.allowRemoteModels !== undefined ? { allowRemoteModels: options.allowRemoteModels } : {}),
    ...(options.transformersCacheDir !== undefined ? { transformersCacheDir: options.transformersCacheDir } : {}),
    ...(options.transformersDtype !== undefined ? { transformersDtype: options.transformersDtype } : {}),
  };
  // Resolves ids (400 for unknown or missing models) and knows each model's input cap; it never
  // loads weights here: the model thread has a registry of its own and runs every forward pass.
  const models = createModelRegistry(registryOptions);
  const { worker, ...schedulerOptions } = options.inference ?? {};
  const thread = createModelThread({ registry: registryOptions, ...(worker ? { worker } : {}) });
  const inference = createInferenceScheduler({ run: (task) => thread.run(task), ...schedulerOptions });
  const vectors = createVectorService({ dataDir: options.dataDir });
  const faults: { match: string; remaining: number }[] = [];
  /** Embedding calls seen per fault match (tests). */
  const seen = new Map<string, number>();
  const cache = options.embeddingCacheDir ? new EmbeddingCache(options.embeddingCacheDir) : undefined;
  const releaseBridge = holdBridgeConnectionsOpen();

  /**
   * Embeds with the model, serving what the cache already holds. Texts are cut to the
   * model's input cap first, so the cache is keyed by what the model actually read.
   */
  async function embed(model: LocalEmbeddingModel, original: string[]): Promise<number[][]> {
    const texts = capTexts(original, model.maxInputChars);
    // One text is a query (or a one-chunk document): it goes before document batches.
    const priority: Priority = texts.length === 1 ? "interactive" : "batch";
    const compute = (batch: string[]) => inference.embed(model.id, batch, priority);
    if (!cache) return compute(texts);
    const cached = cache.lookup(model.id, texts);
    const missing = texts.filter((_, index) => cached[index] === undefined);
    if (missing.length > 0) {
      const computed = await compute(missing);
      cache.store(model.id, missing, computed);
      let next = 0;
      return cached.map((vector) => vector ?? computed[next++]!);
    }
    return cached as number[][];
  }

  function injectedFault(texts: string[]): boolean {
    for (const match of new Set(faults.map((candidate) => candidate.match))) {
      if (texts.some((text) => text.includes(match))) seen.set(match, (seen.get(match) ?? 0) + 1);
    }
    const fault = faults.find((candidate) => candidate.remaining > 0 && texts.some((text) => text.includes(candidate.match)));
    if (!fault) return false;
    fault.remaining -= 1;
    return true;
  }

  async function runAi(request: Request): Promise<Response> {
    const body = (await request.json()) as { model?: unknown; inputs?: { text?: unknown } };
    if (typeof body.model !== "string") return errorResponse(400, "BAD_REQUEST", "model must be a string");
    const inputs: Record<string, unknown> = typeof body.inputs === "object" && body.inputs !== null ? body.inputs : {};
    if ("query" in inputs || "contexts" in inputs) {
      // A reranker, as on Workers AI: {query, contexts: [{text}], top_k?} → {response: [{id, score}]}, best first.
      let reranker;
      try {
        reranker = models.resolveReranker(body.model);
      } catch (error) {
        if (error instanceof UnknownModelError) return errorResponse(400, "UNKNOWN_MODEL", error.message);
        throw error;
      }
      const { query, contexts, top_k: topK } = inputs;
      if (typeof query !== "string" || query === "") return errorResponse(400, "BAD_REQUEST", "inputs.query must be a non-empty string");
      const passages = Array.isArray(contexts)
        ? contexts.map((context: unknown) => (context as { text?: unknown } | null)?.text)
        : undefined;
      if (!passages || !passages.every((text): text is string => typeof text === "string" && text !== "")) {
        return errorResponse(400, "BAD_REQUEST", "inputs.contexts must be an array of {text} objects with non-empty text");
      }
      if (topK !== undefined && !(typeof topK === "number" && Number.isInteger(topK) && topK >= 1)) {
        return errorResponse(400, "BAD_REQUEST", "inputs.top_k must be an integer of at least 1");
      }
      let scores: number[];
      try {
        scores = passages.length > 0 ? await inference.rerank(reranker.id, query, passages) : [];
      } catch (error) {
        if (error instanceof UnknownModelError) return errorResponse(400, "UNKNOWN_MODEL", error.message);
        throw error;
      }
      const ranked = scores.map((score, id) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
      return Response.json({ response: topK === undefined ? ranked : ranked.slice(0, topK) });
    }
    let model;
    try {
      model = models.resolve(body.model);
    } catch (error) {
      if (error instanceof UnknownModelError) return errorResponse(400, "UNKNOWN_MODEL", error.message);
      throw error;
    }
    const text = body.inputs?.text;
    const texts = typeof text === "string" ? [text] : text;
    if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === "string")) {
      return errorResponse(400, "BAD_REQUEST", "inputs.text must be a string or a non-empty array of strings");
    }
    if (texts.length > maxTextsPerCall) {
      return errorResponse(400, "BAD_REQUEST", `inputs.text may hold at most ${maxTextsPerCall} texts`);
    }
    if (injectedFault(texts as string[])) return errorResponse(503, "OVERLOADED", "injected fault: the model is temporarily unavailable");
    let data: number[][];
    try {
      data = await embed(model, texts as string[]);
    } catch (error) {
      // Weights that vanished or could not be downloaded: a caller problem, like an unknown model.
      if (error instanceof UnknownModelError) return errorResponse(400, "UNKNOWN_MODEL", error.message);
      throw error;
    }
    // A batch goes back as float32 bytes when the worker accepts them (a megabyte less JSON per 100 texts);
    // one text (a query) stays JSON, exactly as before.
    if (data.length > 1 && (request.headers.get("accept") ?? "").includes(matrixType)) {
      const { bytes, shape } = encodeMatrix(data);
      return new Response(bytes, { headers: { "content-type": matrixType, "x-shape": shape.join(",") } });
    }
    return Response.json({ shape: [data.length, data[0]?.length ?? 0], data });
  }

  return {
    async fetch(request) {
      const path = new URL(request.url).pathname;
      try {
        if (path === "/ai/run" && request.method === "POST") return await runAi(request);
        if (path === "/_test/faults" && request.method === "POST" && options.faultInjection) {
          const body = (await request.json()) as { match: string; failures: number };
          faults.push({ match: body.match, remaining: body.failures });
          // How many embedding calls carrying `match` reached the model service so far (0 failures: just watch).
          return Response.json({ ok: true, seen: seen.get(body.match) ?? 0 });
        }
        if (path.startsWith("/vectorize/")) return await vectors.fetch(request, path.slice("/vectorize/".length));
        return errorResponse(404, "NOT_FOUND", `no local service at ${request.method} ${path}`);
      } catch (error) {
        console.error("[local-services]", error);
        return errorResponse(500, "INTERNAL", error instanceof Error ? error.message : String(error));
      }
    },
    async close() {
      releaseBridge();
      try {
        await thread.close();
      } finally {
        await vectors.close();
      }
    },
  };
}

export function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}
