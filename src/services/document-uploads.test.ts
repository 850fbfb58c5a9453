/**
 * DocumentService.upload against the real D1 database, R2 bucket and queue
 * of the test runtime, with faults injected into R2 and D1 around them:
 * nothing is half-stored, objects no row names are removed (at once, or by
 * the queue consumer when that fails), a missing original fails its
 * document with a reason, and a tenant purge removes its originals.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { D1DocumentStore } from "../adapters/cloudflare/d1-document-store.js";
import { QueueIngestQueue } from "../adapters/cloudflare/queue-ingest-queue.js";
import { R2OriginalStore } from "../adapters/cloudflare/r2-original-store.js";
import type { IngestMessage } from "../ports/ingest-queue.js";
import type { DocumentStore } from "../ports/document-store.js";
import type { OriginalStore } from "../ports/original-store.js";
import { api, rejectionOf, waitForDocument } from "../../test/helpers.js";
import { minimalPdf } from "../../test/fixtures/minimal-pdf.js";
import { documentRowExists, originalKeys, upload, uploadForm } from "../../test/fixtures/uploads.js";
import { call, createKey, createTenant } from "../../test/security/tenant-fixtures.js";
import { DocumentService, type NewUpload } from "./document-service.js";
import { readOriginal } from "./ingest/prepare-document.js";
import { createConsoleLogger } from "./logger.js";

const tenant = "default";
const pdf = minimalPdf({ pages: [["Storm shutters close at force nine."]] });
const file = (name = "storms.pdf"): NewUpload["file"] => ({ bytes: pdf, filename: name, mediaType: "application/pdf" });

function service(overrides: { store?: DocumentStore; originals?: OriginalStore; maxUploadBytes?: number } = {}): DocumentService {
  return new DocumentService({
    store: overrides.store ?? new D1DocumentStore(env.DB),
    queue: new QueueIngestQueue(env.INGEST_QUEUE as Queue<IngestMessage>),
    originals: overrides.originals ?? new R2OriginalStore(env.ORIGINALS),
    log: createConsoleLogger("silent"),
    options: { maxUploadBytes: overrides.maxUploadBytes ?? 10 * 1024 * 1024 },
  });
}

/** The real R2 store with some calls failing. */
function faultyOriginals(fail: { put?: boolean; delete?: number }): OriginalStore & { deleteCalls: number } {
  const real = new R2OriginalStore(env.ORIGINALS);
  let deletesToFail = fail.delete ?? 0;
  const wrapper = {
    deleteCalls: 0,
    put: (...args: Parameters<OriginalStore["put"]>) => (fail.put ? Promise.reject(new Error("R2 is down")) : real.put(...args)),
    get: (key: string) => real.get(key),
    delete: (keys: readonly string[]) => {
      wrapper.deleteCalls += 1;
      if (deletesToFail-- > 0) return Promise.reject(new Error("R2 is down"));
      return real.delete(keys);
    },
    deletePrefix: (prefix: string, limit: number) => real.deletePrefix(prefix, limit),
  };
  return wrapper;
}

describe("DocumentService.upload: nothing half-stored", () => {
  it("answers 503 and stores nothing when the file cannot be put in R2", async () => {
    const error = await rejectionOf(service({ originals: faultyOriginals({ put: true }) }).upload(tenant, { id: "svc-put-fails", file: file() }));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.status).toBe(503);
    expect(error.message).toBe("the file could not be stored (nothing was saved); retry the request");
    expect(await documentRowExists(tenant, "svc-put-fails")).toBe(false);
    expect(await originalKeys(tenant, "svc-put-fails")).toEqual([]);
  });

  it("deletes the object when the row cannot be stored", async () => {
    const real = new D1DocumentStore(env.DB);
    const failing = Object.assign(Object.create(real) as D1DocumentStore, { saveDocuments: () => Promise.reject(new Error("D1_ERROR: storage full")) });
    await expect(service({ store: failing }).upload(tenant, { id: "svc-save-fails", file: file() })).rejects.toThrow(/storage full/);
    expect(await documentRowExists(tenant, "svc-save-fails")).toBe(false);
    expect(await originalKeys(tenant, "svc-save-fails")).toEqual([]);
  });

  it("keeps the object when the failed write committed after all (the row names it)", async () => {
    const real = new D1DocumentStore(env.DB);
    // The write goes through, then the call reports an error (a lost answer).
    const committed = Object.assign(Object.create(real) as D1DocumentStore, {
      saveDocuments: async (...args: Parameters<DocumentStore["saveDocuments"]>) => {
        await real.saveDocuments(...args);
        throw new Error("network connection lost");
      },
    });
    await expect(service({ store: committed }).upload(tenant, { id: "svc-ambiguous", file: file() })).rejects.toThrow(/connection lost/);
    const row = await real.getDocument(tenant, "svc-ambiguous");
    expect(await originalKeys(tenant, "svc-ambiguous")).toEqual([row!.original!.key]);
  });

  it("checks size, type and readability before writing anything", async () => {
    const small = service({ maxUploadBytes: 100 });
    expect((await rejectionOf(small.upload(tenant, { id: "svc-big", file: file() }))).code).toBe("PAYLOAD_TOO_LARGE");
    expect((await rejectionOf(service().upload(tenant, { id: "svc-type", file: { ...file("sheet.xlsx"), mediaType: "application/octet-stream" } }))).code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const unreadable = await rejectionOf(service().upload(tenant, { id: "svc-bad", file: { ...file(), bytes: pdf.slice(0, 40) } }));
    expect(unreadable.code).toBe("UNPROCESSABLE_FILE");
    expect(unreadable.status).toBe(422);
    for (const id of ["svc-big", "svc-type", "svc-bad"]) {
      expect(await documentRowExists(tenant, id)).toBe(false);
      expect(await originalKeys(tenant, id)).toEqual([]);
    }
  });
});

describe("originals no row names", () => {
  it("a delete that cannot remove the file at once leaves it to the queue consumer", async () => {
    const originals = faultyOriginals({ delete: 1 });
    const documents = service({ originals });
    expect((await documents.upload(tenant, { id: "svc-deferred", file: file() })).status).toBe("queued");
    expect(await originalKeys(tenant, "svc-deferred")).toHaveLength(1);
    await documents.delete(tenant, "svc-deferred");
    expect(originals.deleteCalls).toBe(1);
    // The `delete-originals` message, handled by the worker's own consumer.
    await vi.waitUntil(async () => (await originalKeys(tenant, "svc-deferred")).length === 0, { timeout: 20_000, interval: 100 });
  });

  const missingFile = (id: string, hash: string) => ({
    id,
    title: null,
    format: "pdf" as const,
    sourceUrl: null,
    metadata: {},
    content: "",
    contentHash: hash,
    original: { key: `${tenant}/${id}/${hash}.pdf`, format: "pdf" as const, bytes: 10, filename: "gone.pdf" },
  });

  it("a current version whose file is missing fails with a reason", async () => {
    const store = new D1DocumentStore(env.DB);
    const [stored] = await store.saveDocuments(tenant, [missingFile("svc-missing", "v1")]);
    await env.INGEST_QUEUE.send({ kind: "ingest", tenant_id: tenant, document_id: "svc-missing", version: stored!.version, incarnation: stored!.incarnation });
    const failed = await waitForDocument("svc-missing");
    expect(failed).toMatchObject({ status: "failed", format: "pdf", error: "the uploaded file is missing from storage; upload it again" });
  });

  it("a superseded version whose file was removed has nothing to do", async () => {
    const store = new D1DocumentStore(env.DB);
    const originals = new R2OriginalStore(env.ORIGINALS);
    const [first] = await store.saveDocuments(tenant, [missingFile("svc-superseded", "v1")]);
    const ref = { tenantId: tenant, documentId: "svc-superseded", version: first!.version, incarnation: first!.incarnation };
    const file = missingFile("svc-superseded", "v1").original;
    await expect(readOriginal(originals, store, ref, file)).rejects.toThrow(/missing from storage/);
    const [second] = await store.saveDocuments(tenant, [missingFile("svc-superseded", "v2")]);
    expect(second).toMatchObject({ kind: "stored", version: 2, replacedOriginal: file.key });
    expect(await readOriginal(originals, store, ref, file)).toBeNull();
  });
});

describe("tenant purge", () => {
  it("removes the tenant's originals with its documents", async () => {
    const tenantId = await createTenant("Uploads purge");
    const key = await createKey(tenantId, ["ingest", "query"]);
    expect((await upload(uploadForm({ name: "a.md", content: "# Purge me\n\nText." }, { id: "purge-a" }), { key: key.key })).status).toBe(202);
    expect((await upload(uploadForm({ name: "b.pdf", content: pdf }, { id: "purge-b" }), { key: key.key })).status).toBe(202);
    expect(await originalKeys(tenantId)).toHaveLength(2);
    expect((await call("DELETE", `/v1/tenants/${tenantId}`)).status).toBe(202);
    await vi.waitUntil(async () => (await originalKeys(tenantId)).length === 0 && !(await documentRowExists(tenantId, "purge-b")), { timeout: 30_000, interval: 200 });
    // The default tenant's originals are untouched.
    expect((await api("GET", "/v1/documents?limit=1")).status).toBe(200);
  });
});
