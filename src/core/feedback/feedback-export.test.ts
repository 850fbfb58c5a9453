import { describe, expect, it } from "vitest";
import { csvCell, decodeFeedbackCursor, encodeFeedbackCursor, feedbackCsvHeader, feedbackCsvRow, feedbackJsonLine, type FeedbackView } from "./feedback-export.js";

const view: FeedbackView = {
  id: "f1",
  message_id: null,
  rating: "down",
  question: 'Say "hi",\nplease',
  answer: "=HYPERLINK(\"http://evil\")",
  sources: [{ n: 1, document_id: "d", chunk_id: "c" }],
  comment: null,
  created_at: "2026-12-03T03:50:12.123Z",
  updated_at: "2026-12-03T03:50:12.123Z",
};

describe("feedback export", () => {
  it("writes RFC 4180 CSV: quoted fields, doubled quotes, CRLF, empty for null", () => {
    expect(feedbackCsvHeader()).toBe("id,created_at,updated_at,rating,message_id,question,answer,comment,sources\r\n");
    expect(feedbackCsvRow(view)).toBe(
      `"f1","2026-12-03T03:50:12.123Z","2026-12-03T03:50:12.123Z","down",,"Say ""hi"",\nplease","'=HYPERLINK(""http://evil"")",,"[{""n"":1,""document_id"":""d"",""chunk_id"":""c""}]"\r\n`,
    );
  });

  it("defuses cells a spreadsheet would run as formulas, and only those", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) expect(csvCell(`${start}1+1`)).toBe(`"'${start}1+1"`);
    expect(csvCell("1+1")).toBe('"1+1"');
    expect(csvCell("a=b")).toBe('"a=b"');
  });

  it("writes one JSON object per line", () => {
    const line = feedbackJsonLine(view);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toContain("\n");
    expect(JSON.parse(line)).toEqual(view);
  });

  it("round-trips its cursor and refuses others", () => {
    expect(decodeFeedbackCursor(encodeFeedbackCursor(view))).toEqual({ createdAt: view.created_at, id: "f1" });
    expect(decodeFeedbackCursor("not-a-cursor")).toBeNull();
    expect(decodeFeedbackCursor(btoa("[1,2]"))).toBeNull();
  });
});
