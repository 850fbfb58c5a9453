-- The keyword index gains the tenant id as its first column, so a keyword
-- search can restrict itself to one tenant inside FTS5
-- (`tenant_id : "<id>" AND (...)`) instead of ranking every tenant's matches
-- and discarding the others afterwards. Its bm25 weight is 0: it never
-- changes a score.

DROP TRIGGER chunks_after_insert;
DROP TRIGGER chunks_after_delete;
DROP TABLE chunks_fts;

CREATE VIRTUAL TABLE chunks_fts USING fts5(
  tenant_id, title, heading, text,
  content = 'chunks',
  content_rowid = 'rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER chunks_after_insert AFTER INSERT ON chunks BEGIN
  INSERT INTO chunks_fts (rowid, tenant_id, title, heading, text) VALUES (new.rowid, new.tenant_id, new.title, new.heading, new.text);
END;

CREATE TRIGGER chunks_after_delete AFTER DELETE ON chunks BEGIN
  INSERT INTO chunks_fts (chunks_fts, rowid, tenant_id, title, heading, text) VALUES ('delete', old.rowid, old.tenant_id, old.title, old.heading, old.text);
END;

INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild');
