import { describe, expect, it } from "vitest";
import { decodeTextFile, detectFileFormat, hasPdfHeader } from "./file-format.js";

describe("detectFileFormat", () => {
  it("goes by the file name's extension, in any case", () => {
    expect(detectFileFormat("notes.MD", "application/octet-stream")).toEqual({ format: "markdown" });
    expect(detectFileFormat("a.markdown", "")).toEqual({ format: "markdown" });
    expect(detectFileFormat("readme.txt", "text/html")).toEqual({ format: "text" });
    expect(detectFileFormat("page.htm", "")).toEqual({ format: "html" });
    expect(detectFileFormat("manual.pdf", "")).toEqual({ format: "pdf" });
  });

  it("falls back to the media type when the name has no known extension", () => {
    expect(detectFileFormat("README", "text/plain; charset=utf-8")).toEqual({ format: "text" });
    expect(detectFileFormat("scan", "application/pdf")).toEqual({ format: "pdf" });
    expect(detectFileFormat("", "text/markdown")).toEqual({ format: "markdown" });
  });

  it("refuses other types, saying what it saw and what it takes", () => {
    const refused = detectFileFormat("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    expect(refused).toEqual({ unsupported: expect.stringMatching(/^unsupported file type \(\.docx, application\/vnd\.openxml.*\); upload \.md, .*\.pdf$/) });
    expect(detectFileFormat("data", "")).toEqual({ unsupported: expect.stringContaining("no file name extension, no media type") });
  });
});

describe("hasPdfHeader", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  it("finds %PDF- at the start or within the first KiB", () => {
    expect(hasPdfHeader(bytes("%PDF-1.7\n"))).toBe(true);
    expect(hasPdfHeader(bytes(`${"x".repeat(1000)}%PDF-1.4`))).toBe(true);
    expect(hasPdfHeader(bytes(`${"x".repeat(1100)}%PDF-1.4`))).toBe(false);
    expect(hasPdfHeader(bytes("%PDF"))).toBe(false);
    expect(hasPdfHeader(new Uint8Array(0))).toBe(false);
  });
});

describe("decodeTextFile", () => {
  it("decodes UTF-8 and drops a byte order mark", () => {
    expect(decodeTextFile(Uint8Array.of(0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9))).toBe("hé");
  });

  it("refuses bytes that are not UTF-8 text", () => {
    expect(() => decodeTextFile(Uint8Array.of(0x68, 0xe9, 0x21))).toThrow(/not UTF-8/);
    expect(() => decodeTextFile(Uint8Array.of(0x68, 0x00, 0x69))).toThrow(/binary data/);
  });
});
