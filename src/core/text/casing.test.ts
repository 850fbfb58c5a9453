import { describe, expect, it } from "vitest";
import { normalizeAllCaps } from "./casing.js";

describe("normalizeAllCaps", () => {
  it("lower-cases questions typed in capitals", () => {
    expect(normalizeAllCaps("HOW LONG DO I HAVE TO ASK FOR A REFUND?")).toBe("how long do i have to ask for a refund?");
    expect(normalizeAllCaps("WHERE IS MY ORDER")).toBe("where is my order");
    expect(normalizeAllCaps("HOW DO I PAY")).toBe("how do i pay");
    // A capitalised question and its lower-case twin become the same text (one vector, one cache entry).
    expect(normalizeAllCaps("HOW DO I RESET MY PASSWORD?")).toBe(normalizeAllCaps("how do i reset my password?"));
  });

  it("lower-cases a line written mostly in capitals, mixed-case words aside", () => {
    expect(normalizeAllCaps("MY iPad WON'T CHARGE")).toBe("my iPad won't charge");
  });

  it("lower-cases one long capitalised word or a capitalised heading on its own line", () => {
    expect(normalizeAllCaps("REFUNDS")).toBe("refunds");
    expect(normalizeAllCaps("REFUND POLICY")).toBe("refund policy");
    expect(normalizeAllCaps("## 2. INSTALLATION GUIDE")).toBe("## 2. installation guide");
  });

  it("leaves acronyms and names in normal text untouched", () => {
    for (const text of [
      "What is the HTTP API?",
      "DNA replication happens before a cell divides.",
      "Store backups in AWS S3 and query them with SQL.",
      "Use the AWS IAM API to create roles.",
      "UNESCO lists World Heritage Sites.",
      "NOTE: refunds take 5 business days.",
      "Error E4 means low refrigerant pressure; see the FAQ.",
      "I think I can.",
    ]) {
      expect(normalizeAllCaps(text)).toBe(text);
    }
  });

  it("leaves short all-caps lines of short words alone: they may be acronyms", () => {
    expect(normalizeAllCaps("HTTP API")).toBe("HTTP API");
    expect(normalizeAllCaps("DNA")).toBe("DNA");
    expect(normalizeAllCaps("AWS S3")).toBe("AWS S3");
  });

  it("normalises a capitalised heading inside a passage and only that line", () => {
    const passage = "INSTALLATION GUIDE\nRun npm install, then call the HTTP API on port 8787.\r\nSee the FAQ.";
    expect(normalizeAllCaps(passage)).toBe("installation guide\nRun npm install, then call the HTTP API on port 8787.\r\nSee the FAQ.");
  });

  it("lower-cases a shouted phrase inside normal text, not the words around it", () => {
    expect(normalizeAllCaps("WARNING: DO NOT UNPLUG the unit while the HTTP API is updating.")).toBe(
      "warning: do not unplug the unit while the HTTP API is updating.",
    );
    expect(normalizeAllCaps("The licence says THE SOFTWARE IS PROVIDED AS IS, without warranty.")).toBe(
      "The licence says the software is provided as is, without warranty.",
    );
  });

  it("ends a run at a sentence end or a bracket, so an acronym next to an inline heading keeps its capitals", () => {
    expect(normalizeAllCaps("Risk of coronary artery disease (CAD). MAIN OUTCOME MEASURES Death from any cause.")).toBe(
      "Risk of coronary artery disease (CAD). main outcome measures Death from any cause.",
    );
    expect(normalizeAllCaps("Mortality fell (P = .03). CONCLUSIONS AND RELEVANCE Screening helps.")).toBe(
      "Mortality fell (P = .03). conclusions and relevance Screening helps.",
    );
    // Commas, colons and slashes do not: they occur inside headings.
    expect(normalizeAllCaps("Trial of 40 sites. DESIGN, SETTING, AND PARTICIPANTS Adults over 65.")).toBe(
      "Trial of 40 sites. design, setting, and participants Adults over 65.",
    );
  });

  it("keeps identifiers, codes and numbers as they are inside a shouted line", () => {
    expect(normalizeAllCaps("SET MAX_RETRIES TO 3 AND UPLOAD TO S3")).toBe("set MAX_RETRIES to 3 and upload to S3");
    expect(normalizeAllCaps("ERROR E4: LOW REFRIGERANT PRESSURE")).toBe("error E4: low refrigerant pressure");
  });

  it("handles other scripts with the default Unicode mapping", () => {
    expect(normalizeAllCaps("ÇOK ÖNEMLİ BİLGİ: ĞÜNEŞ")).toBe("çok önemli bilgi: ğüneş");
    expect(normalizeAllCaps("ÉTÉ À MONTRÉAL")).toBe("été à montréal");
    expect(normalizeAllCaps("ΠΩΣ ΜΠΟΡΩ ΝΑ ΠΛΗΡΩΣΩ;")).toBe("πως μπορω να πληρωσω;");
    expect(normalizeAllCaps("ΟΔΟΣ ΚΑΙ ΠΟΛΗ")).toBe("οδος και πολη"); // final sigma
    expect(normalizeAllCaps("ДОСТАВКА И ОПЛАТА")).toBe("доставка и оплата");
    expect(normalizeAllCaps("DIE STRAẞE IST GESPERRT")).toBe("die straße ist gesperrt");
    expect(normalizeAllCaps("ǄEMAL ǅUMHUR ǄAKOVIĆ")).toBe("ǆemal ǆumhur ǆaković"); // titlecase and uppercase digraphs
  });

  it("leaves text without case alone: Chinese, Arabic, Cherokee (written in its uppercase letters)", () => {
    for (const text of ["如何申请退款？", "كيف أطلب استرداد المبلغ؟", "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᎠᏍᎦᏯ", "退款 REFUND POLICY 政策"]) {
      const expected = text === "退款 REFUND POLICY 政策" ? "退款 refund policy 政策" : text;
      expect(normalizeAllCaps(text)).toBe(expected);
    }
  });

  it("returns empty, blank, digit-only and lower-case text unchanged", () => {
    for (const text of ["", "   ", "\n\n", "12345", "2024-06-01 12:00", "how do i get a refund?", "Title Case Heading Words"]) {
      expect(normalizeAllCaps(text)).toBe(text);
    }
  });

  it("is deterministic and idempotent", () => {
    const text = "INSTALLATION GUIDE\nWARNING: DO NOT UNPLUG the unit.\nHOW DO I PAY?";
    const once = normalizeAllCaps(text);
    expect(normalizeAllCaps(text)).toBe(once);
    expect(normalizeAllCaps(once)).toBe(once);
  });
});
