/**
 * The batch write paths of the D1 store (startProcessing, claimVectorSets,
 * insertChunks, activateVersions) run one statement per step for a whole
 * queue batch. They must do exactly what the same calls do one item at a
 * time — including for two versions of one document, or the same version
 * twice, in one call (split into ordered rounds). A differential test: the
 * same random scenario is built in two tenants; one gets each call for all
 * items at once, the other item by item; their tables must end up equal.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { D1DocumentStore } from "../../src/adapters/cloudflare/d1-document-store.js";
import { distinctRounds } from "../../src/adapters/cloudflare/d1-ref-sets.js";
import { seededRandom } from "../../src/core/seeded-random.js";
import type { ChunkInput, DocumentInput, SaveOutcome, VersionRef } from "../../src/ports/document-store.js";


/** Counts statements per db.batch() and round trips. */
function countingDb(db: D1Database): { db: D1Database; batches: number[] } {
  const batches: number[] = [];
  const wrapped = new Proxy(db, {
    get(target, property, receiver) {
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          batches.push(statements.length);
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: wrapped, batches };
}

function chunksFor(ref: VersionRef, count: number, tag: string): ChunkInput[] {
  return Array.from({ length: count }, (_, seq) => ({
    // Chunk ids are unique across tenants (the service derives them from the tenant too).
    id: `${ref.tenantId}:${ref.documentId}:${ref.version}:${seq}`,
    seq,
    title: `Title ${ref.documentId}`,
    heading: "",
    text: `${tag} passage ${seq} of ${ref.documentId} version ${ref.version}`,
    start: 0,
    end: 10,
    tokenCount: 5,
  }));
}

interface Step {
  /** Which of the document's saved versions (0 = first) the item works for. */
  version: number;
  chunks: number;
  /** Chunk rows actually inserted (fewer: a count mismatch; more: rows past the count). */
  inserted: number;
}

interface Scenario {
  id: string;
  /** Contents saved in order (each new one is a new version of the same incarnation). */
  saves: number;
  deleteAndRecreate: boolean;
  deleteOnly: boolean;
  steps: Step[];
}

function scenarios(count: number, seed: number): Scenario[] {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  return Array.from({ length: count }, (_, i) => {
    const saves = 1 + pick(3);
    const steps: Step[] = Array.from({ length: 1 + pick(2) }, () => {
      const chunks = 1 + pick(3);
      const shape = pick(5);
      return { version: pick(saves), chunks, inserted: shape === 0 ? chunks - 1 : shape === 1 ? chunks + 1 : chunks };
    });
    const fate = pick(8);
    return { id: `doc-${i}`, saves, deleteAndRecreate: fate === 0, deleteOnly: fate === 1, steps };
  });
}

/** Builds the documents of `tenant` and returns each scenario's refs (per saved version). */
async function build(store: D1DocumentStore, tenant: string, all: Scenario[], oneByOne: boolean): Promise<VersionRef[][]> {
  const refs: VersionRef[][] = all.map(() => []);
  for (let round = 0; round < 3; round++) {
    const saving = all.map((scenario, index) => ({ scenario, index })).filter(({ scenario }) => scenario.saves > round);
    const outcomes = await save(
      store,
      tenant,
      saving.map(({ scenario }) => ({ id: scenario.id, title: null, format: "text", sourceUrl: null, metadata: {}, content: `${scenario.id} v${round}`, contentHash: `${scenario.id}-${round}` })),
      oneByOne,
    );
    outcomes.forEach((outcome, k) => {
      const { index, scenario } = saving[k]!;
      if (outcome.kind === "unchanged") throw new Error("unexpected unchanged save");
      refs[index]!.push({ tenantId: tenant, documentId: scenario.id, version: outcome.version, incarnation: outcome.incarnation });
    });
  }
  return refs;
}

/** `saveDocuments` for all of `documents` in one call, or one call per document. */
async function save(store: D1DocumentStore, tenant: string, documents: DocumentInput[], oneByOne: boolean): Promise<SaveOutcome[]> {
  if (!oneByOne) return store.saveDocuments(tenant, documents);
  const outcomes: SaveOutcome[] = [];
  for (const document of documents) outcomes.push(...(await store.saveDocuments(tenant, [document])));
  return outcomes;
}

async function fates(store: D1DocumentStore, tenant: string, all: Scenario[]): Promise<void> {
  for (const scenario of all) {
    if (scenario.deleteOnly || scenario.deleteAndRecreate) await store.deleteDocument(tenant, scenario.id);
    if (scenario.deleteAndRecreate) {
      await store.saveDocuments(tenant, [{ id: scenario.id, title: null, format: "text", sourceUrl: null, metadata: {}, content: `${scenario.id} again`, contentHash: `${scenario.id}-again` }]);
    }
  }
}

/** The tenant's rows with tenant, timestamps and incarnations left out (incarnations are random per tenant). */
async function snapshot(tenant: string): Promise<unknown> {
  const documents = await env.DB.prepare(
    "SELECT id, version, active_version, status, chunk_count, attempts, error IS NOT NULL AS has_error FROM documents WHERE tenant_id = ? ORDER BY id",
  )
    .bind(tenant)
    .all();
  const chunks = await env.DB.prepare("SELECT substr(id, length(tenant_id) + 2) AS id, document_id, version, seq, text FROM chunks WHERE tenant_id = ? ORDER BY id").bind(tenant).all();
  const sets = await env.DB.prepare(
    `SELECT s.document_id, s.version, s.count, s.writes, s.stale_at IS NOT NULL AS stale, s.incarnation = d.incarnation AS same_incarnation
     FROM vector_sets s LEFT JOIN documents d ON d.tenant_id = s.tenant_id AND d.id = s.document_id
     WHERE s.tenant_id = ? ORDER BY s.document_id, s.version, same_incarnation`,
  )
    .bind(tenant)
    .all();
  const fts = await env.DB.prepare("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?").bind(`tenant_id : "${tenant}" AND text : passage`).first();
  return { documents: documents.results, chunks: chunks.results, sets: sets.results, fts };
}

describe("set-based batch writes", () => {

  it("rounds keep each document's items in order and never put a document twice in one round", () => {
    const keys = ["a", "b", "a", "c", "a", "b"];
    const rounds = distinctRounds(keys, (key) => key);
    expect(rounds).toEqual([[0, 1, 3], [2, 5], [4]]);
    for (const round of rounds) expect(new Set(round.map((i) => keys[i])).size).toBe(round.length);
  });

  it("stores a large, escape-heavy document (bound as plain values, not JSON) intact", async () => {
    const tenant = "sbw-large";
    await env.DB.prepare("INSERT INTO tenants (id, name) VALUES (?, ?)").bind(tenant, tenant).run();
    const store = new D1DocumentStore(env.DB);
    // ~900 KB that JSON escaping more than doubles (quotes, backslashes, control characters).
    const heavy = '"\\\u0001 '.repeat(180_000);
    const documents: DocumentInput[] = [
      { id: "small", title: null, format: "text", sourceUrl: null, metadata: {}, content: "small one", contentHash: "s" },
      { id: "heavy", title: "Heavy", format: "markdown", sourceUrl: null, metadata: { k: "v" }, content: heavy, contentHash: "h" },
    ];
    const outcomes = await store.saveDocuments(tenant, documents);
    expect(outcomes.map((o) => [o.kind, o.id, o.version])).toEqual([["stored", "small", 1], ["stored", "heavy", 1]]);
    const row = await env.DB.prepare("SELECT title, format, metadata, content FROM documents WHERE tenant_id = ? AND id = 'heavy'").bind(tenant).first<{ content: string }>();
    expect(row).toEqual({ title: "Heavy", format: "markdown", metadata: '{"k":"v"}', content: heavy });
    // Posted again with new content, it becomes version 2 the same way.
    const again = await store.saveDocuments(tenant, [{ ...documents[1]!, content: `${heavy}!`, contentHash: "h2" }]);
    expect(again.map((o) => [o.kind, o.version])).toEqual([["stored", 2]]);
  });

  for (const seed of [1, 2, 3]) {
    it(`a batch call leaves the same rows as the same calls item by item (random scenario ${seed})`, async () => {
      const batched = `sbw-batched-${seed}`;
      const single = `sbw-single-${seed}`;
      for (const id of [batched, single]) await env.DB.prepare("INSERT INTO tenants (id, name) VALUES (?, ?)").bind(id, id).run();
      const all = scenarios(40, seed);
      const counted = countingDb(env.DB);
      const batchStore = new D1DocumentStore(counted.db);
      const singleStore = new D1DocumentStore(env.DB);
      const refs: Record<string, VersionRef[][]> = { [batched]: await build(batchStore, batched, all, false), [single]: await build(singleStore, single, all, true) };
      await fates(batchStore, batched, all);
      await fates(singleStore, single, all);

      // Items in scenario order, each document's steps interleaved with other documents' (as a batch would have them).
      const items = (tenant: string) =>
        all.flatMap((scenario, index) => scenario.steps.map((step) => ({ step, ref: refs[tenant]![index]![step.version]! })));
      const batchItems = items(batched);
      const singleItems = items(single);

      counted.batches.length = 0;
      const startedBatch = await batchStore.startProcessing(batchItems.map(({ ref }) => ref), { inlineContentChars: 1_000 });
      const claimedBatch = await batchStore.claimVectorSets(batchItems.map(({ ref, step }) => ({ ref, count: step.chunks })));
      await batchStore.insertChunks(batchItems.map(({ ref, step }) => ({ ref, chunks: chunksFor(ref, step.inserted, "p") })));
      const activatedBatch = await batchStore.activateVersions(batchItems.map(({ ref, step }) => ({ ref, chunkCount: step.chunks })));
      // Statements per db.batch: bounded by the rounds, not by the number of documents.
      const rounds = distinctRounds(batchItems, ({ ref }) => ref.documentId).length;
      expect(Math.max(...counted.batches)).toBeLessThanOrEqual(7 * rounds);

      const startedSingle = [];
      const claimedSingle = [];
      const activatedSingle = [];
      for (const { ref } of singleItems) startedSingle.push(...(await singleStore.startProcessing([ref], { inlineContentChars: 1_000 })));
      for (const { ref, step } of singleItems) claimedSingle.push(...(await singleStore.claimVectorSets([{ ref, count: step.chunks }])));
      for (const { ref, step } of singleItems) await singleStore.insertChunks([{ ref, chunks: chunksFor(ref, step.inserted, "p") }]);
      for (const { ref, step } of singleItems) activatedSingle.push(...(await singleStore.activateVersions([{ ref, chunkCount: step.chunks }])));

      expect(startedBatch.map((doc) => doc && { id: doc.id, version: doc.version, status: doc.status, attempts: doc.attempts })).toEqual(
        startedSingle.map((doc) => doc && { id: doc.id, version: doc.version, status: doc.status, attempts: doc.attempts }),
      );
      expect(claimedBatch).toEqual(claimedSingle);
      expect(activatedBatch).toEqual(activatedSingle);
      // The scenario exercises every outcome (otherwise the comparison proves little).
      expect(activatedBatch).toContain(true);
      expect(activatedBatch).toContain(false);
      expect(rounds).toBeGreaterThan(1);
      expect(await snapshot(batched)).toEqual(await snapshot(single));

      // Posting again: new content for some (a new version: an in-progress version's set goes
      // stale), the same content for others (unchanged, or queued again when failed), new documents.
      const random = seededRandom(seed + 100);
      const marked = await env.DB.prepare("SELECT COUNT(*) AS n FROM vector_sets WHERE tenant_id = ? AND stale_at IS NULL").bind(batched).first<{ n: number }>();
      const reposts = (tenant: string): DocumentInput[] =>
        all.map((scenario, index) => {
          const changed = random() < 0.5;
          const last = refs[tenant]![index]!.length - 1;
          const content = scenario.deleteAndRecreate ? "again" : changed ? "v-new" : `v${last}`;
          const hash = scenario.deleteAndRecreate ? `${scenario.id}-again` : changed ? `${scenario.id}-new` : `${scenario.id}-${last}`;
          return { id: scenario.id, title: null, format: "text", sourceUrl: null, metadata: {}, content: `${scenario.id} ${content}`, contentHash: hash };
        });
      const batchPosts = [...reposts(batched), ...["fresh-1", "fresh-2"].map((id) => ({ id, title: "t", format: "markdown" as const, sourceUrl: "https://example.com/x", metadata: { a: 1 }, content: `# ${id}`, contentHash: id }))];
      const outcome = (o: SaveOutcome) => ({ kind: o.kind, id: o.id, version: o.version });
      await env.DB.prepare("UPDATE documents SET status = 'failed' WHERE tenant_id IN (?, ?) AND id = ?").bind(batched, single, all[0]!.id).run();
      const repostedBatch = await save(batchStore, batched, batchPosts, false);
      const repostedSingle = await save(singleStore, single, batchPosts, true);
      expect(repostedBatch.map(outcome)).toEqual(repostedSingle.map(outcome));
      expect(new Set(repostedBatch.map((o) => o.kind))).toEqual(new Set(["stored", "unchanged", "requeue"]));
      expect(await snapshot(batched)).toEqual(await snapshot(single));
      const stillLive = await env.DB.prepare("SELECT COUNT(*) AS n FROM vector_sets WHERE tenant_id = ? AND stale_at IS NULL").bind(batched).first<{ n: number }>();
      // Some in-progress set went stale with the new versions (the marks ran).
      expect(stillLive!.n).toBeLessThan(marked!.n);
      const fresh = await env.DB.prepare("SELECT title, format, source_url, metadata, content, version, status FROM documents WHERE tenant_id = ? AND id = 'fresh-1'").bind(batched).first();
      expect(fresh).toEqual({ title: "t", format: "markdown", source_url: "https://example.com/x", metadata: '{"a":1}', content: "# fresh-1", version: 1, status: "queued" });
    });
  }
});
