/**
 * Port: where answer feedback is kept. One implementation (D1,
 * `adapters/cloudflare/d1-feedback-store.ts`), used in both modes. Every
 * method takes the tenant id and scopes its SQL by it.
 */

export type FeedbackRating = "up" | "down";

/** A source the rated answer was given: its number in the answer and the chunk behind it. */
export interface FeedbackSource {
  n: number;
  document_id: string;
  chunk_id: string;
}

export interface NewFeedback {
  /** The client's id for the answer; feedback for the same id replaces the earlier one. */
  messageId: string | null;
  rating: FeedbackRating;
  question: string;
  answer: string;
  sources: FeedbackSource[];
  comment: string | null;
}

export interface FeedbackRecord extends NewFeedback {
  id: string;
  tenantId: string;
  createdAt: string;
  updatedAt: string;
}

/** Which feedback to list: by rating and creation time (ISO, `from` inclusive, `to` exclusive), oldest first, after a position. */
export interface FeedbackQuery {
  rating?: FeedbackRating;
  from?: string;
  to?: string;
  /** Continue after this record (its creation time and id). */
  after?: { createdAt: string; id: string };
  limit: number;
}

export interface FeedbackStore {
  /** Stores `feedback` under `id`, or updates the feedback with the same message id; returns the stored id. */
  saveFeedback(tenantId: string, id: string, feedback: NewFeedback): Promise<string>;
  getFeedback(tenantId: string, id: string): Promise<FeedbackRecord | null>;
  /** Up to `limit` records matching `query`, oldest first (creation time, then id). */
  listFeedback(tenantId: string, query: FeedbackQuery): Promise<FeedbackRecord[]>;
}
