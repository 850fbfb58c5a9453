/**
 * Ingestion stage 2, for one document: receives its vectors in order as the
 * pooled embedding produces them, upserts them in groups of at most 1,000
 * (Vectorize's limit per call) — each group preceded by a claim on the
 * document's vector set, so every vector written is accounted for — then
 * writes the chunk rows and activates the version. Holds at most one group
 * of vectors at a time.
 *
 * Outcomes: "activated"; "superseded" when the version lost a race (a newer
 * version, a delete or a re-creation happened first) — nothing it wrote is
 * visible, and its vectors are left to the vector-set reaper. Anything else
 * is an error for the caller to retry.
 *
 * Traced: each upsert call (with its claim) is an `upsert` span, the chunk
 * rows and activation an `index` span, both carrying the tenant and counts.
 */
import type { SpanRecorder } from "../../core/observability/span-recorder.js";
import type { DocumentStore } from "../../ports/document-store.js";
import { vectorizeLimits, type VectorIndex } from "../../ports/vector-index.js";
import type { PreparedDocument } from "./prepare-document.js";

export type IndexOutcome = "activated" | "superseded";

/** Thrown by `add` when the version is no longer current: stop, nothing more may be written. */
export class SupersededError extends Error {
  override name = "SupersededError";
}

export class DocumentIndexer {
  private received = 0;
  private pending: VectorizeVector[] = [];

  constructor(
    private readonly deps: {
      store: Pick<DocumentStore, "claimVectorSet" | "insertChunks" | "activateVersion" | "isCurrent">;
      vectors: Pick<VectorIndex, "upsert">;
      /** Vectors per upsert call (default and maximum: 1,000). */
      upsertSize?: number;
      /** Observes stage durations (ms) for logs and traces. */
      onStage?: (stage: "upsert" | "index", ms: number) => void;
      /** The batch's spans: one span per upsert call and one for indexing. */
      spans?: Pick<SpanRecorder, "time">;
    },
    readonly document: PreparedDocument,
  ) {}

  /** All vectors arrived. */
  get complete(): boolean {
    return this.received === this.document.chunks.length;
  }

  /** Takes the next vectors, in chunk order; upserts whenever a full group is ready. */
  async add(vectors: number[][]): Promise<void> {
    const { ref, chunks, metadata } = this.document;
    if (this.received + vectors.length > chunks.length) throw new Error(`document ${ref.documentId}: more vectors than chunks`);
    for (const values of vectors) {
      const chunk = chunks[this.received++]!;
      this.pending.push({
        id: chunk.id,
        values,
        namespace: ref.tenantId,
        metadata: { ...metadata, tenant_id: ref.tenantId, document_id: ref.documentId, chunk_id: chunk.id, version: ref.version },
      });
      if (this.pending.length >= this.upsertSize) await this.flush();
    }
  }

  /** After the last vector: writes the rest, the chunk rows, and activates. */
  async finish(): Promise<IndexOutcome> {
    if (!this.complete) throw new Error(`document ${this.document.ref.documentId}: finish() before every vector arrived`);
    try {
      await this.flush();
    } catch (error) {
      if (error instanceof SupersededError) return "superseded";
      throw error;
    }
    const started = performance.now();
    const { store } = this.deps;
    const { ref, chunks } = this.document;
    const { activated } = await this.stage("index", { chunks: chunks.length }, async () => {
      await store.insertChunks(ref, chunks);
      return store.activateVersion(ref, chunks.length);
    });
    this.deps.onStage?.("index", performance.now() - started);
    if (activated) return "activated";
    // Still current yet not activated: some rows are missing (a write that
    // failed half-way, or rows removed under us). Retrying re-inserts them.
    if (await store.isCurrent(ref)) throw new Error(`document ${ref.documentId} v${ref.version}: chunk rows incomplete at activation`);
    return "superseded";
  }

  private get upsertSize(): number {
    return Math.min(vectorizeLimits.maxUpsertBatch, this.deps.upsertSize ?? vectorizeLimits.maxUpsertBatch);
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const started = performance.now();
    await this.stage("upsert", { vectors: this.pending.length }, async () => {
      // The claim comes first: no vector is ever written without a set row accounting for it.
      if (!(await this.deps.store.claimVectorSet(this.document.ref, this.document.chunks.length))) {
        this.pending = [];
        throw new SupersededError(`document ${this.document.ref.documentId} v${this.document.ref.version} is no longer current`);
      }
      await this.deps.vectors.upsert(this.pending);
      this.pending = [];
    });
    this.deps.onStage?.("upsert", performance.now() - started);
  }

  /** Runs `fn` in a span of the batch (when it has spans), tagged with the tenant and `counts`. */
  private stage<T>(name: "upsert" | "index", counts: Record<string, number>, fn: () => Promise<T>): Promise<T> {
    const spans = this.deps.spans;
    if (!spans) return fn();
    return spans.time(name, fn, { attributes: { tenant: this.document.ref.tenantId, ...counts } });
  }
}
