-- The answer cache of POST /v1/chat (src/services/answer-cache/), and the
-- per-tenant content version its entries are keyed by.
--
-- content_versions: one counter per tenant, bumped by triggers in the same
-- statement that changes what the tenant's searches can see — a document
-- version activated, a visible document's title, metadata or source URL
-- changed, a visible document deleted — and when the tenant's index settings
-- (fusion, rerank) change. A trigger runs inside its statement, so there is no
-- moment where the new content is visible and the old version still current:
-- a cached answer is never served after the write that makes it stale.
-- (The counter row is created with INSERT ... WHERE NOT EXISTS, not INSERT OR
-- IGNORE: inside a trigger, the outer statement's conflict handling — e.g. the
-- documents upsert's ON CONFLICT DO UPDATE — overrides OR IGNORE.)
--
-- changed_at (epoch ms, SQLite's clock) is when the version last moved: Vectorize
-- applies upserts and deletes a few seconds after they are acknowledged, so an
-- answer computed right after a change may have seen half of it; the cache
-- stores nothing for ANSWER_CACHE_SETTLE_SECONDS after a change.
CREATE TABLE content_versions (
  tenant_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  changed_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TRIGGER documents_content_version_update AFTER UPDATE ON documents
WHEN OLD.active_version IS NOT NEW.active_version
  OR (NEW.active_version IS NOT NULL AND (OLD.title IS NOT NEW.title OR OLD.metadata IS NOT NEW.metadata OR OLD.source_url IS NOT NEW.source_url OR OLD.chunk_count IS NOT NEW.chunk_count))
  -- A consistency repair re-runs the live version (its vectors restored): it becomes ready again without a new active_version.
  OR (NEW.active_version IS NOT NULL AND NEW.status = 'ready' AND OLD.status IS NOT 'ready')
BEGIN
  INSERT INTO content_versions (tenant_id, version) SELECT NEW.tenant_id, 0 WHERE NOT EXISTS (SELECT 1 FROM content_versions WHERE tenant_id = NEW.tenant_id);
  UPDATE content_versions SET version = version + 1, changed_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE tenant_id = NEW.tenant_id;
END;

CREATE TRIGGER documents_content_version_delete AFTER DELETE ON documents
WHEN OLD.active_version IS NOT NULL
BEGIN
  INSERT INTO content_versions (tenant_id, version) SELECT OLD.tenant_id, 0 WHERE NOT EXISTS (SELECT 1 FROM content_versions WHERE tenant_id = OLD.tenant_id);
  UPDATE content_versions SET version = version + 1, changed_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE tenant_id = OLD.tenant_id;
END;

-- Index settings are stored as `fusion:<tenant>` and `rerank:<tenant>` (services/index-settings.ts).
CREATE TRIGGER index_settings_content_version_insert AFTER INSERT ON index_settings
WHEN NEW.key LIKE 'fusion:%' OR NEW.key LIKE 'rerank:%'
BEGIN
  INSERT INTO content_versions (tenant_id, version) SELECT substr(NEW.key, instr(NEW.key, ':') + 1), 0 WHERE NOT EXISTS (SELECT 1 FROM content_versions WHERE tenant_id = substr(NEW.key, instr(NEW.key, ':') + 1));
  UPDATE content_versions SET version = version + 1, changed_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE tenant_id = substr(NEW.key, instr(NEW.key, ':') + 1);
END;

CREATE TRIGGER index_settings_content_version_update AFTER UPDATE ON index_settings
WHEN NEW.key LIKE 'fusion:%' OR NEW.key LIKE 'rerank:%'
BEGIN
  INSERT INTO content_versions (tenant_id, version) SELECT substr(NEW.key, instr(NEW.key, ':') + 1), 0 WHERE NOT EXISTS (SELECT 1 FROM content_versions WHERE tenant_id = substr(NEW.key, instr(NEW.key, ':') + 1));
  UPDATE content_versions SET version = version + 1, changed_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE tenant_id = substr(NEW.key, instr(NEW.key, ':') + 1);
END;

CREATE TRIGGER index_settings_content_version_delete AFTER DELETE ON index_settings
WHEN OLD.key LIKE 'fusion:%' OR OLD.key LIKE 'rerank:%'
BEGIN
  INSERT INTO content_versions (tenant_id, version) SELECT substr(OLD.key, instr(OLD.key, ':') + 1), 0 WHERE NOT EXISTS (SELECT 1 FROM content_versions WHERE tenant_id = substr(OLD.key, instr(OLD.key, ':') + 1));
  UPDATE content_versions SET version = version + 1, changed_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE tenant_id = substr(OLD.key, instr(OLD.key, ':') + 1);
END;

-- One cached answer. `id` is derived from (scope, content version, normalised
-- question), so two identical misses racing write one row (INSERT ... ON
-- CONFLICT DO NOTHING). `scope` is a hash of everything besides the question
-- that changes the answer (filter, top_k, mode, rerank, the deployment's
-- generator and retrieval configuration). `payload` is the answer as JSON.
CREATE TABLE answer_cache (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  scope TEXT NOT NULL,
  content_version INTEGER NOT NULL,
  question TEXT NOT NULL,                       -- normalised (core/answer-cache/normalize-question.ts)
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,                  -- epoch ms
  expires_at INTEGER NOT NULL,                  -- epoch ms
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE INDEX answer_cache_question ON answer_cache (tenant_id, scope, content_version, question);
CREATE INDEX answer_cache_age ON answer_cache (tenant_id, created_at);
CREATE INDEX answer_cache_expiry ON answer_cache (tenant_id, expires_at);
CREATE INDEX answer_cache_version ON answer_cache (tenant_id, content_version);

-- Locality-sensitive hashing bands of each entry's MinHash signature
-- (core/answer-cache/minhash.ts): a near-duplicate question shares at least
-- one band with high probability, so candidates are found by an indexed
-- lookup instead of a scan.
CREATE TABLE answer_cache_bands (
  tenant_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  content_version INTEGER NOT NULL,
  band TEXT NOT NULL,
  entry_id TEXT NOT NULL,
  PRIMARY KEY (tenant_id, scope, content_version, band, entry_id)
) WITHOUT ROWID;

CREATE INDEX answer_cache_bands_entry ON answer_cache_bands (tenant_id, entry_id);
CREATE INDEX answer_cache_bands_version ON answer_cache_bands (tenant_id, content_version);
