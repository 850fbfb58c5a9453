/**
 * Ingestion stage 2, for a whole queue batch: receives each document's
 * vectors in chunk order as the pooled embedding produces them and writes
 * them with as few remote calls as the limits allow —
 *   - vectors are pooled per namespace (tenant) across the batch's
 *     documents and upserted 1,000 at a time (Vectorize's limit per call);
 *     each upsert is preceded by one D1 round trip that claims the vector
 *     set of every document in it, so every vector written is accounted for
 *     and a version that lost a race writes nothing more;
 *   - once every vector is written, the chunk rows of all complete documents
 *     go in one round trip (`insertChunks`, packed within D1's per-statement
 *     limits) and their activations in another (`activateVersions`).
 * Memory: at most one upsert group of vectors (all namespaces together) plus
 * the chunks of the documents in hand.
 *
 * Outcomes per document: "activated"; "superseded" when the version lost a
 * race (a newer version, a delete or a re-creation happened first) —
 * nothing it wrote is visible, and its vectors are left to the vector-set
 * reaper; or an error (the caller retries the message). A failed call fails
 * exactly the documents it carried.
 *
 * Traced: each upsert (with its claims) is an `upsert` span, the rows and
 * activations an `index` span, with counts (documents, vectors or chunks).
 */
import type { SpanRecorder } from "../../core/observability/span-recorder.js";
import type { DocumentStore } from "../../ports/document-store.js";
import { vectorizeLimits, type VectorIndex } from "../../ports/vector-index.js";
import type { PreparedDocument } from "./prepare-document.js";

export type IndexOutcome = { kind: "activated" } | { kind: "superseded" } | { kind: "failed"; error: unknown };

/** One document of the batch, as the writer tracks it. */
export class IndexSlot {
  /** Vectors received so far (in chunk order). */
  received = 0;
  /** Vectors the vector index accepted (a document activates only when every one was). */
  written = 0;
  /** Set once the document is settled: lost, failed, or (after `finish`) activated. */
  outcome: IndexOutcome | undefined;

  constructor(readonly document: PreparedDocument) {}

  /** Every vector arrived. */
  get complete(): boolean {
    return this.received === this.document.chunks.length;
  }
}

interface PendingVector {
  slot: IndexSlot;
  vector: VectorizeVector;
}

export interface IndexWriterDeps {
  store: Pick<DocumentStore, "claimVectorSets" | "insertChunks" | "activateVersions" | "isCurrent">;
  vectors: Pick<VectorIndex, "upsert">;
  /** Vectors per upsert call (default and maximum: 1,000). */
  upsertSize?: number;
  /** Observes stage durations (ms) for logs and traces. */
  onStage?: (stage: "upsert" | "index", ms: number) => void;
  /** The batch's spans: one span per upsert call and one for indexing. */
  spans?: Pick<SpanRecorder, "time">;
}

export class IndexWriter {
  private readonly pools = new Map<string, PendingVector[]>();
  private readonly slots: IndexSlot[] = [];
  /** Vectors pooled across every namespace, not yet upserted. */
  private pending = 0;

  constructor(private readonly deps: IndexWriterDeps) {}

  /** Registers a document of the batch. */
  open(document: PreparedDocument): IndexSlot {
    const slot = new IndexSlot(document);
    this.slots.push(slot);
    return slot;
  }

  /** Settles a document from outside (its embedding failed): its pending vectors are dropped. */
  settle(slot: IndexSlot, outcome: IndexOutcome): void {
    slot.outcome ??= outcome;
  }

  /**
   * Takes a document's next vectors, in chunk order; upserts every pool that
   * reaches a full group. A failed or lost upsert settles the documents it
   * carried (see `IndexSlot.outcome`); nothing is thrown.
   */
  async add(slot: IndexSlot, vectors: readonly number[][]): Promise<void> {
    const { ref, chunks, metadata } = slot.document;
    if (slot.received + vectors.length > chunks.length) throw new Error(`document ${ref.documentId}: more vectors than chunks`);
    if (slot.outcome) return;
    for (const values of vectors) {
      const chunk = chunks[slot.received++]!;
      // Looked up per vector: a flush replaces the namespace's pool.
      const pool = this.poolOf(ref.tenantId);
      pool.push({
        slot,
        vector: {
          id: chunk.id,
          values,
          namespace: ref.tenantId,
          metadata: { ...metadata, tenant_id: ref.tenantId, document_id: ref.documentId, chunk_id: chunk.id, version: ref.version },
        },
      });
      this.pending += 1;
      if (pool.length >= this.upsertSize) await this.flush(ref.tenantId);
      // Many tenants in one batch: the pools together never hold more than one group.
      else if (this.pending >= this.upsertSize) await this.flush(this.largestPool());
    }
  }

  /**
   * After the last vector of the batch: upserts what is pooled, then writes
   * the chunk rows of every complete, unsettled document and activates them.
   * Every slot is settled afterwards.
   */
  async finish(): Promise<void> {
    for (const namespace of [...this.pools.keys()]) await this.flush(namespace);
    for (const slot of this.slots) {
      if (slot.outcome) continue;
      const { documentId } = slot.document.ref;
      if (!slot.complete) slot.outcome = { kind: "failed", error: new Error(`document ${documentId}: finished before every vector arrived`) };
      // Never activate a document with a vector missing (a defect here must fail loudly, not leave gaps).
      else if (slot.written !== slot.document.chunks.length) slot.outcome = { kind: "failed", error: new Error(`document ${documentId}: ${slot.written} of ${slot.document.chunks.length} vectors written`) };
    }
    const ready = this.slots.filter((slot) => !slot.outcome);
    if (ready.length === 0) return;
    const { store } = this.deps;
    const started = performance.now();
    try {
      const activated = await this.stage("index", { documents: ready.length, chunks: ready.reduce((sum, slot) => sum + slot.document.chunks.length, 0) }, async () => {
        await store.insertChunks(ready.map((slot) => ({ ref: slot.document.ref, chunks: slot.document.chunks })));
        return store.activateVersions(ready.map((slot) => ({ ref: slot.document.ref, chunkCount: slot.document.chunks.length })));
      });
      for (const [i, slot] of ready.entries()) if (activated[i]) slot.outcome = { kind: "activated" };
    } catch (error) {
      for (const slot of ready) slot.outcome ??= { kind: "failed", error };
    }
    for (const slot of ready) {
      if (slot.outcome) continue;
      // Still current yet not activated: some rows are missing (a write that
      // failed half-way, or rows removed under us). Retrying re-inserts them.
      const { ref } = slot.document;
      try {
        slot.outcome = (await store.isCurrent(ref))
          ? { kind: "failed", error: new Error(`document ${ref.documentId} v${ref.version}: chunk rows incomplete at activation`) }
          : { kind: "superseded" };
      } catch (error) {
        slot.outcome = { kind: "failed", error };
      }
    }
    this.deps.onStage?.("index", performance.now() - started);
  }

  private get upsertSize(): number {
    return Math.min(vectorizeLimits.maxUpsertBatch, this.deps.upsertSize ?? vectorizeLimits.maxUpsertBatch);
  }

  private poolOf(namespace: string): PendingVector[] {
    let pool = this.pools.get(namespace);
    if (!pool) {
      pool = [];
      this.pools.set(namespace, pool);
    }
    return pool;
  }

  /** The namespace whose pool holds the most vectors. */
  private largestPool(): string {
    let largest = "";
    let size = -1;
    for (const [namespace, pool] of this.pools) {
      if (pool.length > size) {
        largest = namespace;
        size = pool.length;
      }
    }
    return largest;
  }

  /** Claims the sets of the documents in a namespace's pool, then upserts their vectors in one call. */
  private async flush(namespace: string): Promise<void> {
    const pool = this.pools.get(namespace);
    if (!pool) return;
    this.pools.delete(namespace);
    this.pending -= pool.length;
    let pending = pool.filter((entry) => !entry.slot.outcome);
    if (pending.length === 0) return;
    const slots = [...new Set(pending.map((entry) => entry.slot))];
    const started = performance.now();
    try {
      await this.stage("upsert", { vectors: pending.length, documents: slots.length }, async () => {
        // The claims come first: no vector is ever written without a set row accounting for it.
        const claimed = await this.deps.store.claimVectorSets(slots.map((slot) => ({ ref: slot.document.ref, count: slot.document.chunks.length })));
        for (const [i, slot] of slots.entries()) if (!claimed[i]) slot.outcome = { kind: "superseded" };
        pending = pending.filter((entry) => !entry.slot.outcome);
        if (pending.length === 0) return;
        // The same version delivered twice in one batch pools the same ids twice: send each id once.
        const byId = new Map(pending.map((entry) => [entry.vector.id, entry]));
        await this.deps.vectors.upsert([...byId.values()].map((entry) => entry.vector));
        for (const entry of pending) entry.slot.written += 1;
      });
    } catch (error) {
      for (const slot of slots) slot.outcome ??= { kind: "failed", error };
    }
    this.deps.onStage?.("upsert", performance.now() - started);
  }

  /** Runs `fn` in a span of the batch (when it has spans), tagged with counts. */
  private stage<T>(name: "upsert" | "index", counts: Record<string, number>, fn: () => Promise<T>): Promise<T> {
    const spans = this.deps.spans;
    if (!spans) return fn();
    return spans.time(name, fn, { attributes: counts });
  }
}
