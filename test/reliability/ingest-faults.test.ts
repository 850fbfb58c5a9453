/**
 * Faults during ingestion: a consumer that dies mid-batch (at every step), a
 * provider that fails k times or asks to wait, one D1 batch that fails, a
 * re-post while the document is processing, and a batch too large to hold in
 * memory at once. Each ends with the consistency check finding nothing.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { D1DocumentStore } from "../../src/adapters/cloudflare/d1-document-store.js";
import { AppError } from "../../src/core/errors.js";
import type { Embedder } from "../../src/ports/embedder.js";
import type { VectorIndex } from "../../src/ports/vector-index.js";
import { createRig, deliver, documentRow, drain, expectConsistent, failWhen, Gate, pauseAt, rowsOf, submit, vectorIdsOf } from "./harness.js";

const vars = { EMBEDDING_MODEL: "@local/feature-hashing-512" };

function paragraphs(topic: string, count: number): string {
  return Array.from({ length: count }, (_, i) => `## Part ${i}\n\n${topic} fact number ${i}: ${"lorem ipsum dolor sit amet ".repeat(12)}`).join("\n\n");
}

describe("a consumer that dies mid-batch", () => {
  const steps = [
    ["startProcessing", "store", "after"],
    ["claimVectorSets", "store", "after"],
    ["upsert", "vectors", "after"],
    ["insertChunks", "store", "after"],
    ["activateVersions", "store", "after"],
    ["staleVectorSets", "store", "before"],
  ] as const;
  for (const [step, port, at] of steps) {
    it(`leaves nothing lost or duplicated when it dies ${at} ${step} (the queue redelivers the batch)`, async () => {
      const rig = await createRig(vars);
      // A batch of three documents, the second of which is a new version of an indexed one.
      await deliver(rig.processor(), await submit(rig, "default", [{ id: `crash-${step}-b`, content: "Version one of the second document." }]));
      const messages = await submit(rig, "default", [
        { id: `crash-${step}-a`, content: paragraphs("Anteaters", 3) },
        { id: `crash-${step}-b`, content: paragraphs("Binturongs", 3) },
        { id: `crash-${step}-c`, content: "Capybaras are the largest rodents." },
      ]);
      const crash = new Gate(); // never released: the Worker is gone
      const when = (...args: any[]) => JSON.stringify(args).includes(`crash-${step}-b`) || port === "vectors";
      const crashed =
        port === "store"
          ? rig.processor({ store: pauseAt(rig.adapters.store, step, crash, { when, at }) })
          : rig.processor({ vectors: pauseAt(rig.adapters.vectors as VectorIndex, step as "upsert", crash, { at, when: (records: VectorizeVector[]) => records.some((record) => record.metadata?.document_id === `crash-${step}-b`) }) });
      void deliver(crashed, messages);
      await crash.reached;

      expect(await deliver(rig.processor(), messages, 2)).toEqual(messages.map(() => ({ action: "ack" })));
      for (const id of ["a", "b", "c"].map((suffix) => `crash-${step}-${suffix}`)) {
        const doc = await documentRow(id);
        expect(doc, id).toMatchObject({ status: "ready" });
        expect((await rowsOf(id)).length, id).toBe(doc!.chunk_count);
        expect(await vectorIdsOf(rig, id), id).toEqual((await rowsOf(id)).map((row) => row.id).sort());
      }
      expect((await rowsOf(`crash-${step}-b`)).map((row) => row.text).join(" ")).toMatch(/Binturongs/);
      await expectConsistent(rig);
    });
  }

  it("a document stuck in processing after a crash is picked up by the sweeper", async () => {
    const rig = await createRig(vars);
    const messages = await submit(rig, "default", [{ id: "crash-swept", content: "Fossas hunt lemurs in Madagascar." }]);
    const crash = new Gate();
    void deliver(rig.processor({ store: pauseAt(rig.adapters.store, "insertChunks", crash) }), messages);
    await crash.reached;
    expect(await documentRow("crash-swept")).toMatchObject({ status: "processing" });
    // The message is lost for good (the queue gave up on the dead consumer's lease long ago).
    expect(await rig.maintenance.sweep(new Date(Date.now() + 60 * 60_000))).toMatchObject({ requeued: 1 });
    await drain(rig);
    expect(await documentRow("crash-swept")).toMatchObject({ status: "ready", active_version: 1 });
    await expectConsistent(rig);
  });
});

describe("a version superseded while its job is dead", () => {
  it("has its vectors purged by the sweeper even when the newer version never becomes ready", async () => {
    const rig = await createRig(vars);
    const [v1] = await submit(rig, "default", [{ id: "dead-then-failed", content: "Pangolin scales are made of keratin." }]);
    const crash = new Gate();
    void deliver(rig.processor({ vectors: pauseAt(rig.adapters.vectors as VectorIndex, "upsert", crash, { at: "after" }) }), [v1!]);
    await crash.reached; // v1's vectors are written; its job is gone
    const [v2] = await submit(rig, "default", [{ id: "dead-then-failed", format: "html", content: "<script>no text at all</script>" }]);
    expect(await deliver(rig.processor(), [v2!])).toEqual([{ action: "ack" }]);
    expect(await documentRow("dead-then-failed")).toMatchObject({ status: "failed", version: 2, active_version: null });
    expect((await vectorIdsOf(rig, "dead-then-failed")).length).toBeGreaterThan(0);
    // The sweeper, once v1's lease is over, finds v1's set (marked stale when v2 was saved).
    await rig.maintenance.sweep(new Date(Date.now() + 2 * 60 * 60_000));
    expect(await vectorIdsOf(rig, "dead-then-failed")).toEqual([]);
    await expectConsistent(rig);
  });
});

describe("a provider that fails", () => {
  it("fails k times, then succeeds: deferred k times, then indexed", async () => {
    const rig = await createRig(vars);
    const embedder = failWhen(rig.adapters.embedder, "embedDocuments", {
      times: 2,
      error: () => new AppError("UPSTREAM_UNAVAILABLE", "embedding model failed", { details: { status: 503 } }),
    });
    const processor = rig.processor({ embedder, maxDeferrals: 5 });
    const [message] = await submit(rig, "default", [{ id: "flaky-provider", content: "Kinkajous have prehensile tails." }]);
    expect(await deliver(processor, [message!])).toEqual([{ action: "ack" }]);
    expect(await documentRow("flaky-provider")).toMatchObject({ status: "queued", error: "waiting for a provider (1): embedding model failed" });
    const deferred = rig.queue.sent.map((entry) => entry.message);
    expect(deferred).toEqual([{ ...message, deferrals: 1 }]);
    await drain(rig, processor);
    expect(embedder.failures).toBe(2);
    expect(await documentRow("flaky-provider")).toMatchObject({ status: "ready", error: null });
    await expectConsistent(rig);
  });

  it("asks to wait: the message is put back for at least its Retry-After", async () => {
    const rig = await createRig(vars);
    const embedder = failWhen(rig.adapters.embedder, "embedDocuments", {
      times: 1,
      error: () => new AppError("UPSTREAM_UNAVAILABLE", "embedding model is rate limited", { details: { status: 429 }, retryAfterSeconds: 42 }),
    });
    const [message] = await submit(rig, "default", [{ id: "throttled-provider", content: "Aye-ayes tap on wood to find grubs." }]);
    expect(await deliver(rig.processor({ embedder }), [message!])).toEqual([{ action: "ack" }]);
    expect(rig.queue.sent).toEqual([{ message: { ...message, deferrals: 1 }, delaySeconds: 42 }]);
    await drain(rig);
    await expectConsistent(rig);
  });

  it("stays down: after the deferrals the queue's own retries take over (and the dead-letter queue marks it failed)", async () => {
    const rig = await createRig(vars);
    const embedder = failWhen(rig.adapters.embedder, "embedDocuments", { error: () => new AppError("UPSTREAM_UNAVAILABLE", "embedding model failed") });
    const processor = rig.processor({ embedder, maxDeferrals: 1 });
    const [message] = await submit(rig, "default", [{ id: "dead-provider", content: "Solenodons have venomous saliva." }]);
    await deliver(processor, [message!]);
    const [again] = rig.queue.take();
    expect(again).toEqual({ ...message, deferrals: 1 });
    expect(await deliver(processor, [again!], 1)).toEqual([{ action: "retry", delaySeconds: 0 }]);
    await processor.deadLetter([{ body: again, attempts: 6 }]);
    expect(await documentRow("dead-provider")).toMatchObject({ status: "failed", error: "gave up after repeated failures: attempt 1 failed: embedding model failed" });
    await expectConsistent(rig);
  });
});

describe("one D1 batch that fails", () => {
  for (const pattern of [/INSERT OR IGNORE INTO chunks/, /UPDATE documents SET active_version/, /INSERT INTO vector_sets/]) {
    it(`is retried, and the retry completes the document (${pattern.source})`, async () => {
      const rig = await createRig(vars);
      const id = `d1-fault-${pattern.source.slice(0, 12).replace(/\W/g, "")}`;
      const store = new D1DocumentStore(failingBatches(env.DB, pattern, 1));
      const [message] = await submit(rig, "default", [{ id, content: paragraphs("Gharials", 2) }]);
      expect(await deliver(rig.processor({ store }), [message!])).toEqual([{ action: "retry", delaySeconds: 0 }]);
      expect(await documentRow(id)).toMatchObject({ status: "processing", active_version: null });
      expect(await deliver(rig.processor({ store }), [message!], 2)).toEqual([{ action: "ack" }]);
      expect(await documentRow(id)).toMatchObject({ status: "ready", active_version: 1 });
      await expectConsistent(rig);
    });
  }
});

describe("re-posting while the document is processing", () => {
  it("new content wins, whichever job finishes last", async () => {
    const rig = await createRig(vars);
    const [first] = await submit(rig, "default", [{ id: "repost-new", content: "Draft: the meeting is on Monday." }]);
    const gate = new Gate();
    const firstJob = deliver(rig.processor({ store: pauseAt(rig.adapters.store, "insertChunks", gate) }), [first!]);
    await gate.reached;
    const [second] = await submit(rig, "default", [{ id: "repost-new", content: "Final: the meeting is on Thursday." }]);
    expect(await deliver(rig.processor(), [second!])).toEqual([{ action: "ack" }]);
    gate.release();
    expect(await firstJob).toEqual([{ action: "ack" }]);
    expect(await documentRow("repost-new")).toMatchObject({ status: "ready", version: 2, active_version: 2 });
    expect((await rowsOf("repost-new")).map((row) => row.text)).toEqual(["Final: the meeting is on Thursday."]);
    await expectConsistent(rig);
  });

  it("the same content queues the same version again, indexed once", async () => {
    const rig = await createRig(vars);
    const doc = { id: "repost-same", content: "Tarsiers cannot move their eyes." };
    const [first] = await submit(rig, "default", [doc]);
    const gate = new Gate();
    const firstJob = deliver(rig.processor({ store: pauseAt(rig.adapters.store, "activateVersions", gate) }), [first!]);
    await gate.reached;
    const [again] = await submit(rig, "default", [doc]);
    expect(again).toEqual(first);
    expect(await deliver(rig.processor(), [again!])).toEqual([{ action: "ack" }]);
    gate.release();
    await firstJob;
    expect(await documentRow("repost-same")).toMatchObject({ status: "ready", version: 1, active_version: 1 });
    expect(await rowsOf("repost-same")).toHaveLength(1);
    await expectConsistent(rig);
  });
});

describe("a batch larger than memory allows", () => {
  it("embeds in calls of at most the window, upserts in groups of at most the upsert size, and holds at most one window plus one group per open document", async () => {
    const rig = await createRig(vars);
    const window = 7;
    const upsertSize = 10;
    const calls: number[] = [];
    const upserts: number[] = [];
    let embedded = 0;
    let written = 0;
    let peakHeld = 0;
    const embedder: Embedder = new Proxy(rig.adapters.embedder, {
      get(target, property, receiver) {
        if (property === "embedDocuments") {
          return async (texts: string[]) => {
            calls.push(texts.length);
            const vectors = await target.embedDocuments(texts);
            embedded += vectors.length;
            peakHeld = Math.max(peakHeld, embedded - written);
            return vectors;
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
    const vectors = new Proxy(rig.adapters.vectors as VectorIndex, {
      get(target, property, receiver) {
        if (property === "upsert") {
          return async (records: VectorizeVector[]) => {
            upserts.push(records.length);
            const result = await target.upsert(records);
            written += records.length;
            return result;
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    // Ten documents of 1–40 chunks each: 10 messages of one queue batch.
    const sizes = [40, 1, 1, 25, 3, 1, 33, 2, 12, 1];
    const messages = await submit(
      rig,
      "default",
      sizes.map((size, i) => ({ id: `big-batch-${i}`, content: Array.from({ length: size }, (_, j) => `# Section ${j}\n\nDocument ${i} section ${j}. ${"filler words here ".repeat(20)}`).join("\n\n") })),
    );
    expect(await deliver(rig.processor({ embedder, vectors, embeddingWindow: window, upsertSize }), messages)).toEqual(messages.map(() => ({ action: "ack" })));

    const total = (await Promise.all(sizes.map((_, i) => rowsOf(`big-batch-${i}`)))).reduce((sum, rows) => sum + rows.length, 0);
    expect(calls.reduce((sum, n) => sum + n, 0)).toBe(total);
    expect(Math.max(...calls)).toBe(window);
    // Pooled: small documents share calls, so there are as few calls as the window allows.
    expect(calls.length).toBe(Math.ceil(total / window));
    expect(Math.max(...upserts)).toBeLessThanOrEqual(upsertSize);
    // Pooled across documents: at most one window plus one upsert group held at any time.
    expect(peakHeld).toBeLessThanOrEqual(window + upsertSize);
    // Every chunk has its vector, and nothing else is there.
    for (const i of sizes.keys()) expect(await vectorIdsOf(rig, `big-batch-${i}`), `big-batch-${i}`).toEqual((await rowsOf(`big-batch-${i}`)).map((row) => row.id).sort());
    await expectConsistent(rig);
  });

  it("prepares and indexes a batch in groups of bounded content, fetching a long document's content on its own", async () => {
    const rig = await createRig(vars);
    const calls: string[] = [];
    const store = new Proxy(rig.adapters.store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (property === "insertChunks") calls.push(`insert:${(args[0] as unknown[]).length}`);
          if (property === "loadForProcessing") calls.push(`load:${String(args[1])}`);
          return value.apply(target, args);
        };
      },
    });
    const short = (i: number) => ({ id: `grouped-${i}`, content: `Short document ${i}. ${"words in a short document ".repeat(50)}` }); // ~1,300 characters
    const long = { id: "grouped-long", content: `Long document. ${"a long document's many words ".repeat(2_600)}` }; // > 64 K characters
    const documents = [short(0), short(1), short(2), long, short(3), short(4)];
    const messages = await submit(rig, "default", documents);
    expect(await deliver(rig.processor({ store, maxGroupContentChars: 3_000 }), messages)).toEqual(messages.map(() => ({ action: "ack" })));
    // Groups of ≤ 3,000 characters: [0, 1], [2], [long], [3, 4] — each indexed on its own.
    expect(calls).toEqual(["insert:2", "insert:1", "load:grouped-long", "insert:1", "insert:2"]);
    for (const doc of documents) {
      expect(await documentRow(doc.id), doc.id).toMatchObject({ status: "ready" });
      expect(await vectorIdsOf(rig, doc.id), doc.id).toEqual((await rowsOf(doc.id)).map((row) => row.id).sort());
    }
    await expectConsistent(rig);
  });

  it("pools vectors of several tenants whose groups fill mid-window, and every chunk still gets its vector", async () => {
    const rig = await createRig(vars);
    const window = 7;
    const upsertSize = 10;
    const upserts: { size: number; namespaces: number }[] = [];
    const vectors = new Proxy(rig.adapters.vectors as VectorIndex, {
      get(target, property, receiver) {
        if (property === "upsert") {
          return async (records: VectorizeVector[]) => {
            upserts.push({ size: records.length, namespaces: new Set(records.map((record) => record.namespace)).size });
            return target.upsert(records);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const tenants = ["default", "t_pooled_other"];
    await rig.adapters.tenants.createTenant(tenants[1]!, "pooled other");
    const docs = (tenant: string) =>
      [9, 4, 13, 1, 6, 11].map((size, i) => ({
        id: `pooled-${tenant}-${i}`,
        content: Array.from({ length: size }, (_, j) => `# Part ${j}\n\n${tenant} document ${i} part ${j}: ${"padding words for a chunk ".repeat(40)}`).join("\n\n"),
      }));
    const messages = [...(await submit(rig, tenants[0]!, docs(tenants[0]!))), ...(await submit(rig, tenants[1]!, docs(tenants[1]!)))];
    // Interleave the tenants inside the batch, so windows mix them.
    const interleaved = messages.map((_, i) => messages[(i % 2) * (messages.length / 2) + Math.floor(i / 2)]!);
    expect(await deliver(rig.processor({ vectors, embeddingWindow: window, upsertSize }), interleaved)).toEqual(interleaved.map(() => ({ action: "ack" })));
    for (const tenant of tenants) {
      for (const doc of docs(tenant)) {
        const rows = await rowsOf(doc.id, tenant);
        expect(rows.length, doc.id).toBe((await documentRow(doc.id, tenant))!.chunk_count);
        expect(await vectorIdsOf(rig, doc.id, tenant), doc.id).toEqual(rows.map((row) => row.id).sort());
      }
    }
    for (const upsert of upserts) {
      expect(upsert.size).toBeLessThanOrEqual(upsertSize);
      expect(upsert.namespaces).toBe(1);
    }
    await expectConsistent(rig, tenants);
  });
});

/** A D1 database whose next `times` batches containing a statement matching `pattern` fail as a whole (D1 batches are atomic). */
function failingBatches(db: D1Database, pattern: RegExp, times: number): D1Database {
  const sqlOf = new WeakMap<object, string>();
  let failures = 0;
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") {
        return (sql: string) => {
          const statement = target.prepare(sql);
          sqlOf.set(statement, sql);
          const bind = statement.bind.bind(statement);
          statement.bind = (...values: unknown[]) => {
            const bound = bind(...values);
            sqlOf.set(bound, sql);
            return bound;
          };
          return statement;
        };
      }
      if (property === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          if (failures < times && statements.some((statement) => pattern.test(sqlOf.get(statement) ?? ""))) {
            failures += 1;
            throw new Error("D1_ERROR: injected failure of one statement");
          }
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
