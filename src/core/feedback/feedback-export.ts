/**
 * Feedback as the API shows it, as CSV and as JSON Lines (GET /v1/feedback),
 * and the opaque cursor of its pages. Pure: no bindings.
 *
 * CSV follows RFC 4180 (every field quoted, quotes doubled, CRLF line ends).
 * Feedback text comes from the public chat widget, so a cell that a
 * spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
 * carriage return) gets a leading apostrophe: the export opens as text.
 */
import type { FeedbackRecord, FeedbackSource } from "../../ports/feedback-store.js";

export interface FeedbackView {
  id: string;
  message_id: string | null;
  rating: "up" | "down";
  question: string;
  answer: string;
  sources: FeedbackSource[];
  comment: string | null;
  created_at: string;
  updated_at: string;
}

export function toFeedbackView(record: FeedbackRecord): FeedbackView {
  return {
    id: record.id,
    message_id: record.messageId,
    rating: record.rating,
    question: record.question,
    answer: record.answer,
    sources: record.sources,
    comment: record.comment,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

export const feedbackCsvColumns = ["id", "created_at", "updated_at", "rating", "message_id", "question", "answer", "comment", "sources"] as const;

export function csvCell(value: string | null): string {
  if (value === null) return "";
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function feedbackCsvHeader(): string {
  return `${feedbackCsvColumns.join(",")}\r\n`;
}

/** One CSV record; `sources` as JSON in one cell. */
export function feedbackCsvRow(view: FeedbackView): string {
  const cells = feedbackCsvColumns.map((column) => (column === "sources" ? JSON.stringify(view.sources) : view[column]));
  return `${cells.map((cell) => csvCell(cell)).join(",")}\r\n`;
}

export function feedbackJsonLine(view: FeedbackView): string {
  return `${JSON.stringify(view)}\n`;
}

/** The position after `view`, for the next page. */
export function encodeFeedbackCursor(view: Pick<FeedbackView, "created_at" | "id">): string {
  return btoa(JSON.stringify([view.created_at, view.id])).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The position a cursor names, or null when it is not one of ours. */
export function decodeFeedbackCursor(cursor: string): { createdAt: string; id: string } | null {
  try {
    const value: unknown = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") return { createdAt: value[0], id: value[1] };
  } catch {
    // not base64 JSON
  }
  return null;
}
