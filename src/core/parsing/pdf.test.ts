/**
 * The PDF text layer through pdf.js (unpdf's serverless build). These run in
 * the workers project, i.e. inside workerd: the same runtime as production.
 */
import { describe, expect, it } from "vitest";
import { minimalPdf } from "../../../test/fixtures/minimal-pdf.js";
import { PermanentError } from "../errors.js";
import { parseFile } from "./parse-document.js";
import { inspectPdf, pageAt, parsePdf } from "./pdf.js";

const threePages = minimalPdf({
  title: "Keeper's manual",
  pages: [["Lamps are trimmed at dusk.", "Wicks are cut square."], ["The lens is polished each morning."], ["Fog signals sound twice a minute."]],
});

describe("parsePdf", () => {
  it("extracts each page's text, where each page starts, and the title", async () => {
    const parsed = await parsePdf(threePages);
    expect(parsed.text).toBe("Lamps are trimmed at dusk.\nWicks are cut square.\n\nThe lens is polished each morning.\n\nFog signals sound twice a minute.");
    expect(parsed.pageStarts).toEqual([0, parsed.text.indexOf("The lens"), parsed.text.indexOf("Fog signals")]);
    expect(parsed.title).toBe("Keeper's manual");
    expect(parsed.sections).toEqual([{ headingPath: [], start: 0, end: parsed.text.length }]);
  });

  it("keeps page numbers across pages without text", async () => {
    const parsed = await parsePdf(minimalPdf({ pages: [["First page."], [], ["Third page."]] }));
    expect(parsed.pageStarts).toHaveLength(3);
    expect(pageAt(parsed.pageStarts!, parsed.text.indexOf("First"))).toBe(1);
    expect(pageAt(parsed.pageStarts!, parsed.text.indexOf("Third"))).toBe(3);
    expect(parsed.title).toBeUndefined();
  });

  it("gives no text for a PDF without a text layer", async () => {
    const parsed = await parsePdf(minimalPdf({ pages: [[], []] }));
    expect(parsed).toEqual({ text: "", sections: [] });
  });

  it("refuses a PDF with more text than allowed", async () => {
    await expect(parsePdf(threePages, { maxChars: 40 })).rejects.toThrow(/more than 40 characters/);
  });

  it("refuses bytes that are not a PDF, with a reason", async () => {
    const error = await parsePdf(new TextEncoder().encode("just some text")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/not a PDF/);
    await expect(parsePdf(new TextEncoder().encode("%PDF-1.7\nnot really a pdf at all"))).rejects.toThrow(/could not be read/);
  });

  it("leaves the caller's bytes intact", async () => {
    const copy = threePages.slice();
    await parsePdf(copy);
    expect(copy).toEqual(threePages);
  });
});

describe("inspectPdf", () => {
  it("counts the pages of a readable PDF", async () => {
    expect(await inspectPdf(threePages)).toEqual({ pages: 3 });
  });

  it("refuses what pdf.js cannot open", async () => {
    await expect(inspectPdf(Uint8Array.from({ length: 2048 }, (_, i) => (i * 7919) % 251))).rejects.toThrow(/not a PDF/);
    await expect(inspectPdf(new TextEncoder().encode("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF"))).rejects.toBeInstanceOf(PermanentError);
  });
});

describe("pageAt", () => {
  it("finds the last page starting at or before an offset", () => {
    const starts = [0, 10, 10, 25];
    expect([0, 9, 10, 24, 25, 99].map((offset) => pageAt(starts, offset))).toEqual([1, 1, 3, 3, 4, 4]);
    expect(pageAt([0], 5)).toBe(1);
  });
});

describe("parseFile", () => {
  it("parses text files as their format and PDFs page by page", async () => {
    const markdown = await parseFile(new TextEncoder().encode("\uFEFF# Title\n\nBody."), "markdown");
    expect(markdown.title).toBe("Title");
    expect(markdown.pageStarts).toBeUndefined();
    expect((await parseFile(threePages, "pdf")).pageStarts).toHaveLength(3);
    await expect(parseFile(Uint8Array.of(0xff, 0xfe, 0x41), "text")).rejects.toThrow(/not UTF-8/);
  });
});
