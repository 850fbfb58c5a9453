-- Uploaded files and PDF page numbers.
--
-- 1. Originals. A document posted as a file (POST /v1/documents with
--    multipart/form-data: .md, .txt, .html, .pdf) keeps its bytes in R2 (the
--    ORIGINALS bucket), not in D1: its `content` is '' and the row names the
--    object. The object is written before the row, under a key of its own per
--    upload (`<tenant>/<document>/<upload id>.<ext>`); the queue consumer
--    reads it and extracts the text, so re-chunking never needs the client
--    again. Only the current version's object is kept: a new version, a
--    delete or a tenant purge removes the ones no row names any more.
--
--    'pdf' goes into `original_format`, not `format`: widening the CHECK on
--    documents.format means rebuilding the table, which copies every
--    document's content in one statement (too long for D1 on a large
--    database). A PDF's row has format 'text' (its text layer); the API
--    shows `original_format` when there is one.
ALTER TABLE documents ADD COLUMN original_key TEXT;              -- R2 key of the uploaded file; NULL: the content is inline
ALTER TABLE documents ADD COLUMN original_format TEXT CHECK (original_format IN ('text', 'markdown', 'html', 'pdf'));
ALTER TABLE documents ADD COLUMN original_bytes INTEGER;         -- its size
ALTER TABLE documents ADD COLUMN original_name TEXT;             -- its file name as uploaded (a title of last resort)

-- 2. Pages. Chunks of a PDF carry the pages they come from (1-based): the page
--    a chunk starts on and the page it ends on (the same for most chunks).
--    NULL for formats without pages.
ALTER TABLE chunks ADD COLUMN page INTEGER;
ALTER TABLE chunks ADD COLUMN page_end INTEGER;
