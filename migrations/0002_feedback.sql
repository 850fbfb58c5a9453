-- Answer feedback from the chat widget (POST /v1/feedback): a thumbs up or
-- down on one answer, with the question, the answer and the sources it was
-- given, so bad answers can be traced to the chunks behind them.

CREATE TABLE feedback (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL,
  message_id TEXT,                              -- the client's id for the answer; a later vote on it replaces the earlier one
  rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  sources TEXT NOT NULL DEFAULT '[]',           -- JSON array of {n, document_id, chunk_id}
  comment TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX feedback_message ON feedback (tenant_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX feedback_created ON feedback (tenant_id, created_at);
