/** Answer feedback (thumbs up/down from the chat widget), stored with the answer's sources. */
import type { FeedbackRecord, FeedbackSource, FeedbackStore } from "../ports/feedback-store.js";

export interface FeedbackSubmission {
  message_id?: string;
  rating: "up" | "down";
  question: string;
  answer: string;
  sources: FeedbackSource[];
  comment?: string;
}

export class FeedbackService {
  constructor(private readonly deps: { store: FeedbackStore }) {}

  /** Stores the feedback and returns its id (the existing id when the message was rated before). */
  async submit(tenantId: string, submission: FeedbackSubmission): Promise<{ id: string }> {
    const id = await this.deps.store.saveFeedback(tenantId, crypto.randomUUID(), {
      messageId: submission.message_id ?? null,
      rating: submission.rating,
      question: submission.question,
      answer: submission.answer,
      sources: submission.sources.map(({ n, document_id, chunk_id }) => ({ n, document_id, chunk_id })),
      comment: submission.comment ?? null,
    });
    return { id };
  }

  get(tenantId: string, id: string): Promise<FeedbackRecord | null> {
    return this.deps.store.getFeedback(tenantId, id);
  }
}
