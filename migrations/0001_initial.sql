-- Initial schema: tenants, documents (raw content + lifecycle), chunks with an
-- FTS5 index, and index settings. Every row carries a tenant id and every
-- read filters on it.

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The admin key (API_KEY) acts on this tenant.
INSERT INTO tenants (id, name) VALUES ('default', 'Default tenant');

CREATE TABLE documents (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL,
  title TEXT,
  format TEXT NOT NULL CHECK (format IN ('text', 'markdown', 'html')),
  source_url TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',          -- JSON object of string|number|boolean
  content TEXT NOT NULL,                        -- the raw document, stored before it is queued
  content_hash TEXT NOT NULL,                   -- sha-256 of content, title, format, metadata, source_url
  version INTEGER NOT NULL,                     -- latest accepted version
  active_version INTEGER,                       -- version whose chunks searches see (NULL before the first is ready)
  chunk_count INTEGER NOT NULL DEFAULT 0,       -- chunks of active_version
  status TEXT NOT NULL CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,          -- processing attempts of `version`
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE INDEX documents_status ON documents (status, updated_at);

-- One row per chunk of one version of a document. Rows of versions other than
-- documents.active_version are invisible to searches and are deleted once a
-- newer version is active.
CREATE TABLE chunks (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,                      -- deterministic: the same chunk always gets the same id (also the vector id)
  tenant_id TEXT NOT NULL,
  document_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  heading TEXT NOT NULL DEFAULT '',             -- heading path joined with ' > '
  text TEXT NOT NULL,
  start_offset INTEGER NOT NULL,
  end_offset INTEGER NOT NULL,
  token_count INTEGER NOT NULL
);

CREATE INDEX chunks_document ON chunks (tenant_id, document_id, version, seq);

CREATE VIRTUAL TABLE chunks_fts USING fts5(
  title, heading, text,
  content = 'chunks',
  content_rowid = 'rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER chunks_after_insert AFTER INSERT ON chunks BEGIN
  INSERT INTO chunks_fts (rowid, title, heading, text) VALUES (new.rowid, new.title, new.heading, new.text);
END;

CREATE TRIGGER chunks_after_delete AFTER DELETE ON chunks BEGIN
  INSERT INTO chunks_fts (chunks_fts, rowid, title, heading, text) VALUES ('delete', old.rowid, old.title, old.heading, old.text);
END;

-- Settings of the index as a whole (embedding model and dimensions in use).
CREATE TABLE index_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- A random id for this database; local mode keys its vector index by it, so
-- a fresh local database always starts with a fresh local vector index.
INSERT INTO index_settings (key, value) VALUES ('instance_id', lower(hex(randomblob(16))));
