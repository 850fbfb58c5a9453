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

export interface FeedbackStore {
  /** Stores `feedback` under `id`, or updates the feedback with the same message id; returns the stored id. */
  saveFeedback(tenantId: string, id: string, feedback: NewFeedback): Promise<string>;
  getFeedback(tenantId: string, id: string): Promise<FeedbackRecord | null>;
}
