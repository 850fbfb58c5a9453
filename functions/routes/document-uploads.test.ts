/**
 * POST /v1/documents as a file upload (multipart/form-data), through the
 * worker: each accepted type indexed from its original in R2, PDF page
 * numbers in search results and chat sources, the original kept, replaced
 * and deleted with its document, and every refusal (413, 415, 422, 400)
 * leaving nothing stored.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, parseSseText, waitForDocument } from "../../test/helpers.js";
import { minimalPdf } from "../../test/fixtures/minimal-pdf.js";
import { documentRowExists, originalKeys, upload, uploadForm } from "../../test/fixtures/uploads.js";

const tenant = "default";

/** The distinct titles of a document's chunk rows (what keyword search and embeddings read). */
async function chunkTitles(id: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT DISTINCT title FROM chunks WHERE document_id = ?").bind(id).all<{ title: string }>();
  return results.map((row) => row.title);
}

/** Three pages of keeper's notes; every line of page k names its colour, and the last line of page 3 is about the fresnel lens. */
const colours = ["amber", "cobalt", "scarlet"];
const manualPages = colours.map((colour, page) =>
  Array.from({ length: 28 }, (_, line) =>
    page === 2 && line === 27 ? `The fresnel lens is polished with chamois leather on the ${colour} page.` : `The ${colour} keeper logs line ${line + 1} about weather, tide and lamp oil.`,
  ),
);
const manual = minimalPdf({ title: "Keeper's manual", pages: manualPages });

describe("uploading each type", () => {
  it("indexes a markdown file from its original in R2", async () => {
    const markdown = "# Harbour rules\n\n## Mooring\n\nBoats moor bow to the quay and pay at the office.\n";
    const accepted = await upload(uploadForm({ name: "harbour.md", type: "text/markdown", content: markdown }, { id: "up-md", metadata: JSON.stringify({ site: "north" }), source_url: "https://example.com/harbour" }));
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expect(accepted.body).toEqual({ id: "up-md", status: "queued", version: 1 });

    // Stored before queued: the original is in R2, the row names it and holds no content of its own.
    const keys = await originalKeys(tenant, "up-md");
    expect(keys).toEqual([expect.stringMatching(/^default\/up-md\/[0-9a-f-]{36}\.md$/)]);
    const object = await env.ORIGINALS.get(keys[0]!);
    expect(await object!.text()).toBe(markdown);
    expect(object!.customMetadata).toMatchObject({ tenant_id: "default", document_id: "up-md", filename: "harbour.md" });
    const row = await env.DB.prepare("SELECT content, format, original_key, original_format, original_bytes, original_name FROM documents WHERE id = 'up-md'").first();
    expect(row).toEqual({ content: "", format: "markdown", original_key: keys[0], original_format: "markdown", original_bytes: markdown.length, original_name: "harbour.md" });

    const ready = await waitForDocument("up-md");
    expect(ready).toMatchObject({ status: "ready", title: null, format: "markdown", metadata: { site: "north" }, source_url: "https://example.com/harbour", original: { filename: "harbour.md", bytes: markdown.length } });
    const search = await api("POST", "/v1/search", { query: "where do boats moor", mode: "keyword", filter: { document_id: "up-md" } });
    expect(search.body.results[0]).toMatchObject({ document_id: "up-md", title: "", heading: "Harbour rules > Mooring" });
    // Without a `title` field the document has none; its chunks take the file's own (the first h1).
    expect(await chunkTitles("up-md")).toEqual(["Harbour rules"]);
    // Not a PDF: no page numbers.
    expect(search.body.results[0]).not.toHaveProperty("page");
  });

  it("indexes a text file; its chunks are titled by its file name", async () => {
    const accepted = await upload(uploadForm({ name: "tide-tables.txt", content: "High tide at the north quay is at six in the morning." }, { id: "up-txt" }));
    expect(accepted.status).toBe(202);
    expect((await waitForDocument("up-txt")).status).toBe("ready");
    const search = await api("POST", "/v1/search", { query: "high tide north quay", mode: "keyword", filter: { document_id: "up-txt" } });
    expect(search.body.results[0]).toMatchObject({ text: "High tide at the north quay is at six in the morning." });
    expect(await chunkTitles("up-txt")).toEqual(["tide-tables"]);
  });

  it("indexes an HTML file by its media type when the name has no known extension", async () => {
    const html = "<html><head><title>Ferry times</title></head><body><nav>Home</nav><main><h1>Ferries</h1><p>The first ferry leaves at seven.</p></main></body></html>";
    const accepted = await upload(uploadForm({ name: "ferries", type: "text/html", content: html }, { id: "up-html", title: "Ferry timetable" }));
    expect(accepted.status).toBe(202);
    expect(await originalKeys(tenant, "up-html")).toEqual([expect.stringMatching(/\.html$/)]);
    expect((await waitForDocument("up-html")).status).toBe("ready");
    const search = await api("POST", "/v1/search", { query: "first ferry", mode: "keyword", filter: { document_id: "up-html" } });
    expect(search.body.results[0]).toMatchObject({ title: "Ferry timetable", heading: "Ferries", text: "The first ferry leaves at seven." });
    expect(search.body.results[0].text).not.toContain("Home");
  });

  it("indexes a PDF; its chunks carry the pages they come from", async () => {
    const accepted = await upload(uploadForm({ name: "manual.pdf", type: "application/pdf", content: manual }, { id: "up-pdf" }));
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const ready = await waitForDocument("up-pdf");
    expect(ready).toMatchObject({ status: "ready", format: "pdf", original: { filename: "manual.pdf", bytes: manual.length } });
    expect(ready.chunks).toBeGreaterThan(3);

    // Every chunk names exactly the pages whose text it holds.
    const { results: rows } = await env.DB.prepare("SELECT text, page, page_end FROM chunks WHERE document_id = 'up-pdf' ORDER BY seq").all<{ text: string; page: number; page_end: number }>();
    expect(rows.length).toBe(ready.chunks);
    for (const row of rows) {
      const pages = colours.flatMap((colour, index) => (row.text.includes(colour) ? [index + 1] : []));
      expect(pages, row.text).toEqual(Array.from({ length: row.page_end - row.page + 1 }, (_, i) => row.page + i));
    }
    expect(new Set(rows.map((row) => row.page_end))).toEqual(new Set([1, 2, 3]));

    // Search results carry them…
    const search = await api("POST", "/v1/search", { query: "fresnel lens chamois", mode: "keyword", filter: { document_id: "up-pdf" } });
    const top = search.body.results[0];
    expect(top).toMatchObject({ document_id: "up-pdf", page_end: 3 });
    expect(await chunkTitles("up-pdf")).toEqual(["Keeper's manual"]);
    expect(top.text).toContain("fresnel lens");
    expect(top.page).toBe(top.text.includes("cobalt") ? 2 : 3);
    for (const result of (await api("POST", "/v1/search", { query: "keeper logs weather tide", filter: { document_id: "up-pdf" } })).body.results) {
      expect(result.page).toBeGreaterThanOrEqual(1);
      expect(result.page_end).toBeGreaterThanOrEqual(result.page);
    }

    // …and so do chat sources, streamed (the `sources` event) and not.
    const question = { messages: [{ role: "user", content: "What is the fresnel lens polished with?" }], filter: { document_id: "up-pdf" } };
    const stream = await api("POST", "/v1/chat", question);
    const sources = parseSseText(stream.body as string).find((event) => event.event === "sources")!.data.sources;
    const cited = sources.find((source: { text: string }) => source.text.includes("fresnel"));
    expect(cited).toMatchObject({ document_id: "up-pdf", page: top.page, page_end: 3 });
    const answer = await api("POST", "/v1/chat", { ...question, stream: false });
    expect(answer.body.sources.find((source: { text: string }) => source.text.includes("fresnel"))).toMatchObject({ page: top.page, page_end: 3 });
  });
});

describe("the original in R2", () => {
  it("keeps one object per version: the same file again is unchanged, a changed file replaces it, a delete removes it", async () => {
    const first = minimalPdf({ pages: [["Buoy colours: red to port."]] });
    expect((await upload(uploadForm({ name: "buoys.pdf", content: first }, { id: "up-life" }))).status).toBe(202);
    expect((await waitForDocument("up-life")).status).toBe("ready");
    const [original] = await originalKeys(tenant, "up-life");

    const again = await upload(uploadForm({ name: "buoys.pdf", content: first }, { id: "up-life" }));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: "up-life", status: "unchanged", version: 1 });
    expect(await originalKeys(tenant, "up-life")).toEqual([original]);

    const changed = await upload(uploadForm({ name: "buoys.pdf", content: minimalPdf({ pages: [["Buoy colours: green to starboard."]] }) }, { id: "up-life" }));
    expect(changed.body).toEqual({ id: "up-life", status: "queued", version: 2 });
    const replaced = await originalKeys(tenant, "up-life");
    expect(replaced).toHaveLength(1);
    expect(replaced[0]).not.toBe(original);
    await expect.poll(async () => (await api("GET", "/v1/documents/up-life")).body.indexed_version, { timeout: 30_000, interval: 100 }).toBe(2);

    // JSON content over an uploaded file: the file is no longer needed.
    expect((await api("POST", "/v1/documents", { id: "up-life", content: "Buoys are now described in text." })).status).toBe(202);
    expect(await originalKeys(tenant, "up-life")).toEqual([]);
    expect((await upload(uploadForm({ name: "buoys.pdf", content: first }, { id: "up-life" }))).status).toBe(202);
    expect(await originalKeys(tenant, "up-life")).toHaveLength(1);

    expect((await api("DELETE", "/v1/documents/up-life")).status).toBe(202);
    expect(await originalKeys(tenant, "up-life")).toEqual([]);
  });

  it("re-chunking reads the original again: a retried failure needs no upload", async () => {
    expect((await upload(uploadForm({ name: "scan.pdf", content: minimalPdf({ pages: [[], []] }) }, { id: "up-scan" }))).status).toBe(202);
    const failed = await waitForDocument("up-scan");
    expect(failed).toMatchObject({ status: "failed", error: "the PDF has no text layer to index (scanned pages would need OCR)" });
    expect(await originalKeys(tenant, "up-scan")).toHaveLength(1);
    // The retry parses the kept file again (were it gone, the reason would say so).
    expect((await api("POST", "/v1/documents/up-scan/retry")).status).toBe(202);
    const again = await waitForDocument("up-scan", { status: "failed" });
    expect(again.error).toBe("the PDF has no text layer to index (scanned pages would need OCR)");
  });
});

describe("refusals store nothing", () => {
  async function expectNothingStored(id: string): Promise<void> {
    expect(await documentRowExists(tenant, id)).toBe(false);
    expect(await originalKeys(tenant, id)).toEqual([]);
  }

  const refusals: [string, () => FormData, number, string, RegExp][] = [
    ["an unsupported type (415)", () => uploadForm({ name: "report.docx", type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", content: "PK\u0003\u0004" }, { id: "no-docx" }), 415, "UNSUPPORTED_MEDIA_TYPE", /report\.docx.*unsupported file type \(\.docx/],
    ["garbage named .pdf (422)", () => uploadForm({ name: "broken.pdf", content: Uint8Array.from({ length: 4096 }, (_, i) => (i * 131) % 256) }, { id: "no-garbage" }), 422, "UNPROCESSABLE_FILE", /broken\.pdf.*not a PDF/],
    ["a corrupt PDF (422)", () => uploadForm({ name: "corrupt.pdf", content: "%PDF-1.7\n% this is where the objects should be\n" }, { id: "no-corrupt" }), 422, "UNPROCESSABLE_FILE", /corrupt\.pdf.*PDF could not be read/],
    ["a text file that is not UTF-8 (422)", () => uploadForm({ name: "latin1.txt", content: Uint8Array.of(0x63, 0x61, 0x66, 0xe9) }, { id: "no-latin1" }), 422, "UNPROCESSABLE_FILE", /not UTF-8/],
    ["an empty file (400)", () => uploadForm({ name: "empty.md", content: "" }, { id: "no-empty" }), 400, "VALIDATION_FAILED", /empty/],
    ["a blank file (400)", () => uploadForm({ name: "blank.txt", content: " \n\t\n" }, { id: "no-blank" }), 400, "VALIDATION_FAILED", /no text/],
    ["no file part (400)", () => uploadForm(undefined, { id: "no-file" }), 400, "VALIDATION_FAILED", /^file: required/],
    ["the file as a text field (400)", () => uploadForm(undefined, { id: "no-text-file", file: "# Not a file" }), 400, "VALIDATION_FAILED", /^file: must be a file part/],
    ["an unknown field (400)", () => uploadForm({ name: "a.md", content: "# A" }, { id: "no-field", format: "markdown" }), 400, "VALIDATION_FAILED", /format/],
    ["metadata that is not JSON (400)", () => uploadForm({ name: "a.md", content: "# A" }, { id: "no-meta", metadata: "{site: north}" }), 400, "VALIDATION_FAILED", /^metadata: not valid JSON/],
    ["a reserved metadata key (400)", () => uploadForm({ name: "a.md", content: "# A" }, { id: "no-reserved", metadata: '{"tenant_id": "x"}' }), 400, "VALIDATION_FAILED", /^metadata\.tenant_id/],
    ["a bad source_url (400)", () => uploadForm({ name: "a.md", content: "# A" }, { id: "no-url", source_url: "javascript:alert(1)" }), 400, "VALIDATION_FAILED", /^source_url/],
  ];

  it.each(refusals)("refuses %s", async (_name, form, status, code, message) => {
    const id = form().get("id") as string;
    const response = await upload(form());
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.message).toMatch(message);
    await expectNothingStored(id);
  });

  it("refuses a file over UPLOAD_MAX_BYTES (10 MiB) with 413", async () => {
    const tooLarge = new Uint8Array(10 * 1024 * 1024 + 1).fill(0x61);
    const response = await upload(uploadForm({ name: "large.txt", content: tooLarge }, { id: "no-large" }));
    expect(response.status).toBe(413);
    expect(response.body.error).toEqual({ code: "PAYLOAD_TOO_LARGE", message: 'file "large.txt" is 10485761 bytes; the limit is 10485760 bytes (UPLOAD_MAX_BYTES)' });
    await expectNothingStored("no-large");
  });

  it("refuses a body far over the limit before parsing it", async () => {
    const response = await upload(uploadForm({ name: "larger.txt", content: new Uint8Array(10 * 1024 * 1024 + 100 * 1024).fill(0x61) }, { id: "no-larger" }));
    expect(response.status).toBe(413);
    expect(response.body.error.message).toMatch(/^the upload exceeds \d+ bytes: files may have at most 10485760 bytes/);
    await expectNothingStored("no-larger");
  });

  it("accepts a file of exactly the limit", async () => {
    const content = new Uint8Array(10 * 1024 * 1024).fill(0x20);
    content.set(new TextEncoder().encode("Exactly ten mebibytes."));
    const response = await upload(uploadForm({ name: "ten.txt", content }, { id: "up-ten" }));
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    expect(await originalKeys(tenant, "up-ten")).toHaveLength(1);
    expect((await waitForDocument("up-ten")).status).toBe("ready");
  });

  it("refuses a multipart body without a boundary, and other media types with a reason", async () => {
    const noBoundary = await api("POST", "/v1/documents", "--x\r\n", { headers: { "content-type": "multipart/form-data" } });
    expect(noBoundary.status).toBe(400);
    expect(noBoundary.body.error.message).toMatch(/multipart\/form-data/);
    const form = await api("POST", "/v1/documents", "content=x", { headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(415);
    expect(form.body.error.message).toMatch(/multipart\/form-data/);
  });
});
