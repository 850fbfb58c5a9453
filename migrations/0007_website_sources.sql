-- Website sources (POST /v1/sources): a site whose pages are found through
-- its sitemap or by following its links, fetched one queue message per page,
-- and ingested as documents (id derived from the URL, source_url = the URL).
CREATE TABLE sources (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,                              -- src_<16 hex>
  type TEXT NOT NULL CHECK (type IN ('website')),
  url TEXT NOT NULL,                             -- the start page (canonical)
  sitemap TEXT,                                  -- the sitemap the client named, if any
  include_patterns TEXT NOT NULL DEFAULT '[]',   -- JSON array of patterns
  exclude_patterns TEXT NOT NULL DEFAULT '[]',
  max_pages INTEGER NOT NULL,
  max_depth INTEGER NOT NULL,
  schedule TEXT,                                 -- 'hourly' | 'daily' | 'weekly' | '<n>h'; NULL: on demand only
  state TEXT NOT NULL CHECK (state IN ('discovering', 'active', 'error')),
  error TEXT,                                    -- why the last discovery failed
  discovery TEXT CHECK (discovery IN ('sitemap', 'links')),
  robots_txt TEXT,                               -- robots.txt as last fetched ('' when none)
  syncs INTEGER NOT NULL DEFAULT 0,              -- syncs started; pages remember the one that last queued them
  next_fetch_ms INTEGER NOT NULL DEFAULT 0,      -- the per-source rate limit's next free fetch slot (epoch ms)
  created_at TEXT NOT NULL,
  last_sync_at TEXT,
  next_sync_at TEXT,                             -- NULL: no schedule
  PRIMARY KEY (tenant_id, id)
);

CREATE INDEX sources_next_sync ON sources (next_sync_at) WHERE next_sync_at IS NOT NULL;

CREATE TABLE source_pages (
  tenant_id TEXT NOT NULL,
  source_id TEXT NOT NULL,
  url TEXT NOT NULL,                             -- canonical page URL
  document_id TEXT NOT NULL,                     -- web-<slug>-<hash>, derived from the URL
  depth INTEGER NOT NULL DEFAULT 0,              -- link hops from the start page (0 for sitemap pages)
  status TEXT NOT NULL CHECK (status IN ('pending', 'fetched', 'unchanged', 'skipped', 'failed')),
  error TEXT,
  etag TEXT,                                     -- validators of the last successful fetch
  last_modified TEXT,
  sync INTEGER NOT NULL,                         -- the sync that last queued the page
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (tenant_id, source_id, url)
);

CREATE INDEX source_pages_document ON source_pages (tenant_id, document_id);
