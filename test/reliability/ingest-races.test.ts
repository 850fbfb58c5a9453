/**
 * Races between ingestion jobs, deletes and re-posts, each forced into the
 * interleaving that used to break it (a job paused at the exact step), with
 * the real D1, vector index and services. Every test ends with the
 * consistency check finding nothing.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createRig, deliver, documentRow, expectConsistent, Gate, pauseAt, rowsOf, submit, vectorIdsOf, type Rig } from "./harness.js";

/** The feature-hashing embedder: fast and deterministic (this file's index is built with it). */
const vars = { EMBEDDING_MODEL: "@local/feature-hashing-512" };

/** The document's vectors in the index are exactly its visible rows' (nothing stale, nothing missing). */
async function expectVectorsMatchRows(rig: Rig, documentId: string): Promise<void> {
  const rows = (await rowsOf(documentId)).map((row) => row.id).sort();
  expect(await vectorIdsOf(rig, documentId)).toEqual(rows);
}

async function keywordHits(rig: Rig, word: string, documentId: string): Promise<string[]> {
  const hits = await rig.adapters.store.keywordSearch("default", `"${word}"`, { limit: 50, weights: { title: 1, heading: 1, text: 1 } });
  return hits.filter((hit) => hit.documentId === documentId).map((hit) => hit.text);
}

describe("two versions racing", () => {
  it("an older version that loses after a newer one wrote its rows leaves the newer one intact (ready with its chunks)", async () => {
    const rig = await createRig(vars);
    const [v1] = await submit(rig, "default", [{ id: "race-versions", content: "Axolotls regrow their limbs.\n\nThey live in Mexican lakes." }]);
    // v1's job runs up to its activation and waits there.
    const v1Gate = new Gate();
    const v1Job = deliver(rig.processor({ store: pauseAt(rig.adapters.store, "activateVersions", v1Gate) }), [v1!]);
    await v1Gate.reached;
    // Meanwhile v2 is posted and its job writes its rows, then waits before activating.
    const [v2] = await submit(rig, "default", [{ id: "race-versions", content: "Olms live in dark caves.\n\nThey can go years without food." }]);
    const v2Gate = new Gate();
    const v2Job = deliver(rig.processor({ store: pauseAt(rig.adapters.store, "activateVersions", v2Gate) }), [v2!]);
    await v2Gate.reached;
    expect((await rowsOf("race-versions")).map((row) => row.version)).toContain(2);

    // v1 activates first and loses; then v2 activates.
    v1Gate.release();
    expect(await v1Job).toEqual([{ action: "ack" }]);
    expect((await rowsOf("race-versions")).every((row) => row.version === 2)).toBe(true);
    v2Gate.release();
    expect(await v2Job).toEqual([{ action: "ack" }]);

    const doc = await documentRow("race-versions");
    expect(doc).toMatchObject({ status: "ready", version: 2, active_version: 2 });
    const rows = await rowsOf("race-versions");
    expect(rows.length).toBe(doc!.chunk_count);
    expect(rows.length).toBeGreaterThan(0);
    expect(await keywordHits(rig, "olms", "race-versions")).not.toEqual([]);
    expect(await keywordHits(rig, "axolotls", "race-versions")).toEqual([]);
    await expectVectorsMatchRows(rig, "race-versions");
    await expectConsistent(rig);
  });

  it("a newer version that finishes first is not undone by the older one finishing later", async () => {
    const rig = await createRig(vars);
    const [v1] = await submit(rig, "default", [{ id: "race-late-old", content: "Quetzals nest in tree holes." }]);
    const gate = new Gate();
    const v1Job = deliver(rig.processor({ vectors: pauseAt(rig.adapters.vectors, "upsert", gate) }), [v1!]);
    await gate.reached;
    const [v2] = await submit(rig, "default", [{ id: "race-late-old", content: "Hoatzins smell of manure." }]);
    expect(await deliver(rig.processor(), [v2!])).toEqual([{ action: "ack" }]);
    gate.release();
    expect(await v1Job).toEqual([{ action: "ack" }]);
    expect(await documentRow("race-late-old")).toMatchObject({ status: "ready", version: 2, active_version: 2 });
    expect(await keywordHits(rig, "quetzals", "race-late-old")).toEqual([]);
    await expectVectorsMatchRows(rig, "race-late-old");
    await expectConsistent(rig);
  });
});

describe("delete, then re-create the same id", () => {
  it("gives the new incarnation new chunk and vector ids", async () => {
    const rig = await createRig(vars);
    await deliver(rig.processor(), await submit(rig, "default", [{ id: "reborn-ids", content: "Pangolins eat ants." }]));
    const before = await rowsOf("reborn-ids");
    await rig.documents.delete("default", "reborn-ids");
    await deliver(rig.processor(), await submit(rig, "default", [{ id: "reborn-ids", content: "Pangolins eat ants." }]));
    const after = await rowsOf("reborn-ids");
    expect(after.map((row) => row.version)).toEqual(before.map((row) => row.version));
    for (const row of after) expect(before.map((old) => old.id)).not.toContain(row.id);
    await expectConsistent(rig);
  });

  it("a late purge of the deleted incarnation does not touch the new one's vectors", async () => {
    const rig = await createRig(vars);
    await deliver(rig.processor(), await submit(rig, "default", [{ id: "reborn-purge", content: "Tapirs swim well." }]));
    const oldIds = (await rowsOf("reborn-purge")).map((row) => row.id);
    await rig.documents.delete("default", "reborn-purge");
    const latePurge = rig.queue.take("reconcile-document");
    expect(latePurge).toHaveLength(1);
    await deliver(rig.processor(), await submit(rig, "default", [{ id: "reborn-purge", content: "Tapirs swim well." }]));
    await expectVectorsMatchRows(rig, "reborn-purge");

    // The purge arrives late (a retry with backoff, a slow consumer), as does
    // a purge in the pre-incarnation format naming the old ids.
    await deliver(rig.processor(), [...latePurge, { kind: "purge-vectors", tenant_id: "default", document_id: "reborn-purge", ids: oldIds }]);
    expect(await documentRow("reborn-purge")).toMatchObject({ status: "ready" });
    await expectVectorsMatchRows(rig, "reborn-purge");
    await expectConsistent(rig);
  });

  it("a purge message from before incarnations spares the live vectors of a document re-created by that older code", async () => {
    const rig = await createRig(vars);
    // Older code re-created the document under the same id: no incarnation, so the same (legacy) ids.
    await env.DB.prepare(
      "INSERT INTO documents (tenant_id, id, format, content, content_hash, version, status) VALUES ('default', 'legacy-reborn', 'text', 'Kiwis are flightless birds.', 'h', 1, 'queued')",
    ).run();
    await deliver(rig.processor(), [{ kind: "ingest", tenant_id: "default", document_id: "legacy-reborn", version: 1 }]);
    const live = (await rowsOf("legacy-reborn")).map((row) => row.id);
    expect(live.length).toBeGreaterThan(0);
    // The old incarnation's purge, naming the same ids, arrives late.
    await deliver(rig.processor(), [{ kind: "purge-vectors", tenant_id: "default", document_id: "legacy-reborn", ids: [...live, "legacy-stray:1:9"] }]);
    await expectVectorsMatchRows(rig, "legacy-reborn");
    await expectConsistent(rig);
  });

  it("a job of the deleted incarnation still in flight writes nothing under the new one", async () => {
    const rig = await createRig(vars);
    const [old] = await submit(rig, "default", [{ id: "reborn-inflight", content: "Okapis have striped legs and blue tongues." }]);
    const gate = new Gate();
    const oldJob = deliver(rig.processor({ store: pauseAt(rig.adapters.store, "insertChunks", gate) }), [old!]);
    await gate.reached; // its vectors are written, its rows not yet
    await rig.documents.delete("default", "reborn-inflight");
    const [fresh] = await submit(rig, "default", [{ id: "reborn-inflight", content: "Dugongs graze on seagrass meadows." }]);
    gate.release();
    expect(await oldJob).toEqual([{ action: "ack" }]);
    expect(await rowsOf("reborn-inflight")).toEqual([]);
    expect(await documentRow("reborn-inflight")).toMatchObject({ status: "queued", version: 1, active_version: null });

    expect(await deliver(rig.processor(), [fresh!])).toEqual([{ action: "ack" }]);
    expect(await documentRow("reborn-inflight")).toMatchObject({ status: "ready", version: 1, active_version: 1 });
    expect(await keywordHits(rig, "okapis", "reborn-inflight")).toEqual([]);
    expect(await keywordHits(rig, "dugongs", "reborn-inflight")).not.toEqual([]);
    await expectVectorsMatchRows(rig, "reborn-inflight");
    await expectConsistent(rig);
  });
});

describe("delete while processing, then re-post the same id", () => {
  for (const step of ["claimVectorSets", "insertChunks", "activateVersions"] as const) {
    it(`the deleted text never comes back (old job paused before ${step})`, async () => {
      const rig = await createRig(vars);
      const id = `deleted-${step}`;
      const [old] = await submit(rig, "default", [{ id, content: "Secret launch codes: zebra-omega-nine." }]);
      const gate = new Gate();
      const oldJob = deliver(rig.processor({ store: pauseAt(rig.adapters.store, step, gate) }), [old!]);
      await gate.reached;
      await rig.documents.delete("default", id);
      const fresh = { id, content: "Public holiday schedule for December." };
      const [message] = await submit(rig, "default", [fresh]);
      gate.release();
      await oldJob;
      // The new version's own message is not skipped as a duplicate…
      expect(await deliver(rig.processor(), [message!])).toEqual([{ action: "ack" }]);
      // …and re-posting the new content is "unchanged" only because it really is indexed.
      expect(await rig.documents.submit("default", [fresh])).toEqual([{ id, status: "unchanged", version: 1 }]);
      const rows = await rowsOf(id);
      expect(rows.map((row) => row.text).join(" ")).toMatch(/holiday/);
      expect(rows.map((row) => row.text).join(" ")).not.toMatch(/zebra/);
      expect(await keywordHits(rig, "zebra", id)).toEqual([]);
      await expectVectorsMatchRows(rig, id);
      await expectConsistent(rig);
    });
  }
});

describe("the same message twice at once", () => {
  it("two concurrent deliveries of one version index it once", async () => {
    const rig = await createRig(vars);
    const [message] = await submit(rig, "default", [{ id: "twice", content: "Narwhal tusks are teeth.\n\n## More\n\nThey spiral counter-clockwise." }]);
    const gate = new Gate();
    const first = deliver(rig.processor({ store: pauseAt(rig.adapters.store, "activateVersions", gate) }), [message!]);
    await gate.reached;
    expect(await deliver(rig.processor(), [message!])).toEqual([{ action: "ack" }]);
    gate.release();
    expect(await first).toEqual([{ action: "ack" }]);
    const doc = await documentRow("twice");
    expect(doc).toMatchObject({ status: "ready", active_version: 1 });
    expect((await rowsOf("twice")).length).toBe(doc!.chunk_count);
    await expectVectorsMatchRows(rig, "twice");
    await expectConsistent(rig);
  });

  it("a duplicate that loses to a newer version while its own version is still the active one leaves that version's vectors", async () => {
    const rig = await createRig(vars);
    const [v1] = await submit(rig, "default", [{ id: "twice-then-newer", content: "Shoebills stand still for hours." }]);
    const gate = new Gate();
    // The duplicate waits before claiming its set; the other delivery activates v1 meanwhile, then v2 is posted.
    const duplicate = deliver(rig.processor({ store: pauseAt(rig.adapters.store, "claimVectorSets", gate) }), [v1!]);
    await gate.reached;
    expect(await deliver(rig.processor(), [v1!])).toEqual([{ action: "ack" }]);
    const [v2] = await submit(rig, "default", [{ id: "twice-then-newer", content: "Shoebills eat lungfish." }]);
    gate.release();
    expect(await duplicate).toEqual([{ action: "ack" }]);
    // v1 is still what searches see until v2 is indexed: its vectors must all be there.
    expect(await documentRow("twice-then-newer")).toMatchObject({ version: 2, active_version: 1 });
    await expectVectorsMatchRows(rig, "twice-then-newer");
    expect(await deliver(rig.processor(), [v2!])).toEqual([{ action: "ack" }]);
    await expectVectorsMatchRows(rig, "twice-then-newer");
    await expectConsistent(rig);
  });

  it("a duplicate that loses after the version became active does not purge the active version's vectors", async () => {
    const rig = await createRig(vars);
    const [message] = await submit(rig, "default", [{ id: "twice-then-new", content: "Cassowaries have dagger-like claws." }]);
    const gate = new Gate();
    // The duplicate waits after claiming its set, before upserting.
    const duplicate = deliver(rig.processor({ vectors: pauseAt(rig.adapters.vectors, "upsert", gate) }), [message!]);
    await gate.reached;
    expect(await deliver(rig.processor(), [message!])).toEqual([{ action: "ack" }]);
    gate.release();
    expect(await duplicate).toEqual([{ action: "ack" }]);
    await expectVectorsMatchRows(rig, "twice-then-new");
    await expectConsistent(rig);
  });
});
