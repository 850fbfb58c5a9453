-- Exactly-once ingestion under races, crashes and re-created documents.
--
-- 1. Incarnations. A document deleted and posted again under the same id is a
--    new incarnation with a fresh random id; chunk and vector ids derive from
--    it (core/document-identity.ts), so ids are never reused across
--    incarnations, and every write of an ingestion job is guarded by the
--    (version, incarnation) it was started for. Rows from before this
--    migration keep '' (their ids were derived without an incarnation).
ALTER TABLE documents ADD COLUMN incarnation TEXT NOT NULL DEFAULT '';

-- Back-pressure counts a tenant's unfinished documents on every ingest.
CREATE INDEX documents_tenant_status ON documents (tenant_id, status);

-- 2. Vector sets: a write-ahead record of every group of vectors that may
--    exist in the vector index. One row per (document incarnation, version):
--    its vector ids are `<prefix>:<version>:<seq>` for seq < count. A job
--    writes (or bumps) its row BEFORE each upsert. A set no longer needed
--    (older version, superseded, deleted document or tenant) is *stale*; the
--    step that makes it stale marks it (`stale_at`, in the same batch), and the
--    reaper deletes its ids. The row itself is dropped only after its ids were
--    deleted, nobody bumped it meanwhile (`writes` unchanged), and its last
--    claim is older than a lease no consumer outlives. So the vector index
--    never holds an id that no row here accounts for.
CREATE TABLE vector_sets (
  tenant_id TEXT NOT NULL,
  document_id TEXT NOT NULL,
  incarnation TEXT NOT NULL,
  version INTEGER NOT NULL,
  count INTEGER NOT NULL,                       -- chunks (vectors) of this version: ids seq 0..count-1
  writes INTEGER NOT NULL DEFAULT 1,            -- bumped before every upsert of these ids
  purged_writes INTEGER,                        -- `writes` when its ids were last deleted (nothing to delete again until it changes)
  stale_at TEXT,                                -- when it was marked stale; NULL: live (or not marked yet)
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),  -- last claim
  PRIMARY KEY (tenant_id, document_id, incarnation, version)
) WITHOUT ROWID;

CREATE INDEX vector_sets_stale ON vector_sets (stale_at) WHERE stale_at IS NOT NULL;

-- Vectors written before this migration: one set per (document, version) that has chunk rows.
INSERT INTO vector_sets (tenant_id, document_id, incarnation, version, count)
  SELECT tenant_id, document_id, '', version, MAX(seq) + 1 FROM chunks GROUP BY tenant_id, document_id, version;
-- Of those, versions no longer needed (none should be, but older code could
-- leave rows of a superseded version behind) are marked stale for the reaper.
UPDATE vector_sets AS s SET stale_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.tenant_id = s.tenant_id AND d.id = s.document_id AND d.incarnation = s.incarnation AND (d.version = s.version OR d.active_version = s.version));
