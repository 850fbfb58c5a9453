/** Answer feedback (thumbs up/down from the chat widget), stored with the answer's sources. */
import { AppError } from "../core/errors.js";
import { decodeFeedbackCursor, encodeFeedbackCursor, toFeedbackView, type FeedbackView } from "../core/feedback/feedback-export.js";
import type { FeedbackQuery, FeedbackRecord, FeedbackSource, FeedbackStore } from "../ports/feedback-store.js";

/** Which feedback to read back: by rating and creation time (ISO; `from` inclusive, `to` exclusive). */
export type FeedbackFilters = Pick<FeedbackQuery, "rating" | "from" | "to">;

/** Rows per store query when an export streams everything. */
const exportPageSize = 500;

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

  /** One page, oldest first; `next_cursor` when more match. */
  async list(tenantId: string, filters: FeedbackFilters, page: { limit: number; cursor?: string }): Promise<{ feedback: FeedbackView[]; next_cursor: string | null }> {
    let after: FeedbackQuery["after"];
    if (page.cursor !== undefined) {
      after = decodeFeedbackCursor(page.cursor) ?? undefined;
      if (!after) throw new AppError("VALIDATION_FAILED", "cursor: not a cursor this API returned", { details: [{ path: "cursor", message: "use next_cursor from a previous page" }] });
    }
    const records = await this.deps.store.listFeedback(tenantId, { ...filters, ...(after ? { after } : {}), limit: page.limit + 1 });
    const views = records.slice(0, page.limit).map(toFeedbackView);
    return { feedback: views, next_cursor: records.length > page.limit ? encodeFeedbackCursor(views[views.length - 1]!) : null };
  }

  /** Every matching record, oldest first, a page of the store at a time (for exports). */
  async *all(tenantId: string, filters: FeedbackFilters): AsyncGenerator<FeedbackView[]> {
    let after: FeedbackQuery["after"];
    for (;;) {
      const records = await this.deps.store.listFeedback(tenantId, { ...filters, ...(after ? { after } : {}), limit: exportPageSize });
      if (records.length > 0) yield records.map(toFeedbackView);
      if (records.length < exportPageSize) return;
      const last = records[records.length - 1]!;
      after = { createdAt: last.createdAt, id: last.id };
    }
  }
}
