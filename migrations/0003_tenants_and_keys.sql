-- Tenants and API keys. Keys are random strings shown once; only their
-- SHA-256 is stored, found through the key id embedded in the key.

-- Per-tenant overrides of rate limits and budgets (JSON, see docs/security.md).
ALTER TABLE tenants ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';
-- Set when the tenant is being deleted: its keys stop working at once and its
-- data is purged in the background.
ALTER TABLE tenants ADD COLUMN deleted_at TEXT;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,                          -- public key id, part of the key string
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  secret_hash TEXT NOT NULL,                    -- hex SHA-256 of the whole key string
  scopes TEXT NOT NULL,                         -- JSON array: admin, ingest, query | publishable
  origins TEXT,                                 -- JSON array of allowed origins (publishable keys)
  name TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  revoked_at TEXT
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);
