"""The article store's SQLite schema (see ``archive.store``).

Tables: ``articles`` (one row per canonical URL), ``raw_pages`` (compressed HTML),
``article_versions`` (history of changed articles), ``runs`` and ``failures`` (crawl
bookkeeping), ``segmentation`` (the indexer's cached word segmentation), ``changes``
(the change log the indexer consumes) and ``meta`` (cursors and settings).

A store of an older schema is brought up to date when opened for writing: each column of
:data:`ADDED_COLUMNS` it lacks is added (``ALTER TABLE``), then :data:`POST_MIGRATION`
runs, and ``meta.schema_version`` becomes :data:`SCHEMA_VERSION`. Nothing is rewritten.
"""

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    site TEXT NOT NULL,
    province TEXT,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    published_at TEXT,
    updated_at TEXT,
    author TEXT,
    source TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    category TEXT,
    images TEXT NOT NULL DEFAULT '[]',
    body TEXT NOT NULL,
    fetched_at TEXT,
    content_hash TEXT NOT NULL,
    extraction_version TEXT,
    entry_hash TEXT,
    field_sources TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    duplicate_of INTEGER REFERENCES articles(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS articles_site_published ON articles(site, published_at);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published_at, url);
CREATE TABLE IF NOT EXISTS raw_pages (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    html BLOB NOT NULL,
    encoding TEXT,
    http_status INTEGER,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT
);
CREATE TABLE IF NOT EXISTS article_versions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    record TEXT NOT NULL,
    html BLOB,
    replaced_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    kind TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    stats TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES runs(id),
    site TEXT,
    url TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failures_run ON failures(run_id);
CREATE TABLE IF NOT EXISTS segmentation (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL,
    op TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
"""

# Columns added after schema 1, as (table, column, declaration): added to older stores.
ADDED_COLUMNS = (
    # 2: the registry entry the article was extracted with (crawler.provenance.entry_hash)
    ("articles", "entry_hash", "TEXT"),
    # 2: which method produced each field ({"title": "site", "body": "generic"}), JSON
    ("articles", "field_sources", "TEXT NOT NULL DEFAULT '{}'"),
)

# Run after the columns exist (fresh or migrated store).
POST_MIGRATION = """
CREATE INDEX IF NOT EXISTS articles_extracted_with ON articles(site, extraction_version, entry_hash);
"""
