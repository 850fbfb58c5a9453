/** The feedback store on D1 (table `feedback`, migrations/0002_feedback.sql). */
import type { FeedbackQuery, FeedbackRecord, FeedbackStore, NewFeedback } from "../../ports/feedback-store.js";

interface FeedbackRow {
  tenant_id: string;
  id: string;
  message_id: string | null;
  rating: "up" | "down";
  question: string;
  answer: string;
  sources: string;
  comment: string | null;
  created_at: string;
  updated_at: string;
}

const now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

export class D1FeedbackStore implements FeedbackStore {
  constructor(private readonly db: D1Database) {}

  async saveFeedback(tenantId: string, id: string, feedback: NewFeedback): Promise<string> {
    // One statement: a new row, or (same tenant and message id) the latest vote wins.
    const row = await this.db
      .prepare(
        `INSERT INTO feedback (tenant_id, id, message_id, rating, question, answer, sources, comment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (tenant_id, message_id) WHERE message_id IS NOT NULL DO UPDATE SET
           rating = excluded.rating, question = excluded.question, answer = excluded.answer,
           sources = excluded.sources, comment = COALESCE(excluded.comment, feedback.comment), updated_at = ${now}
         RETURNING id`,
      )
      .bind(tenantId, id, feedback.messageId, feedback.rating, feedback.question, feedback.answer, JSON.stringify(feedback.sources), feedback.comment)
      .first<{ id: string }>();
    return row!.id;
  }

  async getFeedback(tenantId: string, id: string): Promise<FeedbackRecord | null> {
    const row = await this.db.prepare("SELECT * FROM feedback WHERE tenant_id = ?1 AND id = ?2").bind(tenantId, id).first<FeedbackRow>();
    return row ? toRecord(row) : null;
  }

  async listFeedback(tenantId: string, query: FeedbackQuery): Promise<FeedbackRecord[]> {
    // Keyset order on (created_at, id), served by the feedback_created index. The bounds are
    // plain ranges (absent ones as sentinels that every ISO time passes: '' below, '~' above),
    // so SQLite seeks to the page instead of rescanning the tenant's older feedback.
    const { results } = await this.db
      .prepare(
        `SELECT * FROM feedback
         WHERE tenant_id = ?1 AND (?2 IS NULL OR rating = ?2)
           AND created_at >= COALESCE(?3, '') AND created_at < COALESCE(?4, '~')
           AND (created_at, id) > (COALESCE(?5, ''), COALESCE(?6, ''))
         ORDER BY created_at, id LIMIT ?7`,
      )
      .bind(tenantId, query.rating ?? null, query.from ?? null, query.to ?? null, query.after?.createdAt ?? null, query.after?.id ?? null, query.limit)
      .all<FeedbackRow>();
    return results.map(toRecord);
  }
}

function toRecord(row: FeedbackRow): FeedbackRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    messageId: row.message_id,
    rating: row.rating,
    question: row.question,
    answer: row.answer,
    sources: JSON.parse(row.sources),
    comment: row.comment,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
