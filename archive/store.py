"""The article store: SQLite in WAL mode, the source of truth of the corpus.

One row per article, keyed by canonical URL. Raw HTML is kept (zlib-compressed) so any
article can be re-extracted; earlier versions of a changed article are kept in
``article_versions``. Every insert/update/delete appends to ``changes``, which the indexer
consumes incrementally: the index is derived from this file and can always be rebuilt.
"""
from __future__ import annotations

import json
import sqlite3
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Iterator

from archive.clock import utc_now
from archive.errors import UserError
from archive.record import LIST_KEYS, RECORD_KEYS, REQUIRED_KEYS
from archive.store_runs import RunLog
from archive.store_schema import ADDED_COLUMNS, POST_MIGRATION, SCHEMA, SCHEMA_VERSION

# Record keys as stored (archive.record); lists are JSON-encoded in their columns.
JSON_FIELDS = LIST_KEYS
# Besides the record's required keys, the store needs the two it derives its rows from.
STORED_REQUIRED_KEYS = (*REQUIRED_KEYS, "site", "content_hash")

# What makes two versions of an article differ: every record key but the identity (url)
# and when it was fetched (a re-crawl of the same page is not a new version).
COMPARED_KEYS = tuple(key for key in RECORD_KEYS if key not in ("url", "fetched_at"))


class StoreError(UserError):
    """A problem with the article store that the user can act on."""


@dataclass(frozen=True)
class Upsert:
    """What :meth:`Store.put_article` did: ``outcome`` is ``"new"``, ``"updated"`` or
    ``"unchanged"``; ``changed`` the record keys that differ from the stored version
    (every compared key for a new article, none when unchanged)."""

    outcome: str
    article_id: int
    changed: tuple[str, ...] = ()


def _comparable(key: str, value):
    if key in JSON_FIELDS:
        decoded = json.loads(value or "[]") if isinstance(value, str) else json.loads(json.dumps(value or []))
        return decoded or []
    return value if value not in ("", None) else None  # "" and None both mean "not shown"


def changed_fields(stored, record) -> tuple[str, ...]:
    """The record keys (:data:`COMPARED_KEYS`) whose values differ between two versions of an
    article: a stored row or dict, and a record (lists as lists or as their stored JSON).
    An empty string and None are the same (nothing shown)."""
    return tuple(key for key in COMPARED_KEYS
                 if _comparable(key, stored[key]) != _comparable(key, record.get(key)))


def _day_after(day: str) -> str:
    return (date.fromisoformat(day[:10]) + timedelta(days=1)).isoformat()


class Store(RunLog):
    """Access to one ``store.sqlite``. One instance per thread; cheap to open."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            if not self.path.exists():
                raise StoreError(f"no article store at {self.path}; run `unionnews crawl` first")
            uri = f"file:{self.path}?mode=ro"
            self.conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.execute("PRAGMA busy_timeout = 30000")
        if not readonly:
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.executescript(SCHEMA)
            self._migrate()

    def _migrate(self) -> None:
        """Bring a store of an older schema up to date (store_schema: ADDED_COLUMNS); a
        store already at SCHEMA_VERSION is only read, so opening one takes no write lock."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and str(row[0]).isdigit() and int(row[0]) >= SCHEMA_VERSION:
            return
        with self.transaction() as conn:
            for table, column, declaration in ADDED_COLUMNS:
                present = {info[1] for info in conn.execute(f"PRAGMA table_info({table})")}
                if column not in present:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            for statement in filter(str.strip, POST_MIGRATION.split(";")):
                conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                         (str(SCHEMA_VERSION),))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self):
        """A write transaction that commits as a whole or not at all."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            yield self.conn
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()

    # -- articles ---------------------------------------------------------------------------

    def upsert_article(self, record: dict, raw_html: bytes | None = None, **kwargs) -> str:
        """Insert or update one article by canonical URL (see :meth:`put_article`).

        Returns ``"new"``, ``"updated"`` (a field changed: the old version is archived) or
        ``"unchanged"`` (only ``last_seen_at`` moves, so a re-crawl leaves the corpus as it was).
        """
        return self.put_article(record, raw_html, **kwargs).outcome

    def put_article(
        self,
        record: dict,
        raw_html: bytes | None = None,
        *,
        http_status: int | None = 200,
        encoding: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        extraction_version: str | None = None,
        entry_hash: str | None = None,
        field_sources: dict | None = None,
    ) -> Upsert:
        """Insert or update one article by canonical URL, in one transaction.

        The whole record is compared with the stored one (:func:`changed_fields`: every
        record key but ``url`` and ``fetched_at``). When any field differs the stored
        version goes to ``article_versions``, ``version`` is bumped and the change log
        gets an entry; otherwise only ``last_seen_at`` and what the article was extracted
        with (``extraction_version``, ``entry_hash``, ``field_sources``) are updated, and
        the change log is not touched. ``raw_html=None`` keeps the stored page (a
        re-extraction): the archived version then holds no copy of it (``html`` NULL: the
        same page as the version after it).
        """
        for key in STORED_REQUIRED_KEYS:
            if not record.get(key):
                raise StoreError(f"article record without {key!r}: {record.get('url')}")
        now = utc_now()
        values = {key: record.get(key) for key in RECORD_KEYS}
        for key in JSON_FIELDS:
            values[key] = json.dumps(values[key] or [], ensure_ascii=False)
        values["summary"] = values["summary"] or ""
        provenance = {
            "extraction_version": extraction_version, "entry_hash": entry_hash,
            "field_sources": (json.dumps(field_sources, ensure_ascii=False, sort_keys=True)
                              if field_sources is not None else None),
        }
        html_blob = zlib.compress(raw_html, 6) if raw_html is not None else None
        with self.transaction() as conn:
            existing = conn.execute("SELECT * FROM articles WHERE url = ?", (values["url"],)).fetchone()
            if existing is None:
                columns = ", ".join(RECORD_KEYS)
                placeholders = ", ".join(f":{key}" for key in RECORD_KEYS)
                cursor = conn.execute(
                    f"INSERT INTO articles ({columns}, extraction_version, entry_hash, field_sources,"
                    " first_seen_at, last_seen_at, changed_at)"
                    f" VALUES ({placeholders}, :extraction_version, :entry_hash, COALESCE(:field_sources, '{{}}'),"
                    " :now, :now, :now)",
                    {**values, **provenance, "now": now},
                )
                result = Upsert("new", cursor.lastrowid, tuple(key for key in COMPARED_KEYS if key in values))
            else:
                article_id = existing["id"]
                changed = changed_fields(existing, values)
                if not changed:
                    conn.execute(
                        "UPDATE articles SET last_seen_at = :now,"
                        " extraction_version = COALESCE(:extraction_version, extraction_version),"
                        " entry_hash = COALESCE(:entry_hash, entry_hash),"
                        " field_sources = COALESCE(:field_sources, field_sources) WHERE id = :id",
                        {**provenance, "now": now, "id": article_id},
                    )
                    return Upsert("unchanged", article_id)
                self._archive_version(conn, article_id, now, with_html=html_blob is not None)
                assignments = ", ".join(f"{key} = :{key}" for key in RECORD_KEYS if key != "url")
                conn.execute(
                    f"UPDATE articles SET {assignments}, extraction_version = :extraction_version,"
                    " entry_hash = :entry_hash, field_sources = COALESCE(:field_sources, '{}'),"
                    " version = version + 1, last_seen_at = :now, changed_at = :now WHERE id = :id",
                    {**values, **provenance, "now": now, "id": article_id},
                )
                result = Upsert("updated", article_id, changed)
            if html_blob is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO raw_pages(article_id, html, encoding, http_status, etag,"
                    " last_modified, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (result.article_id, html_blob, encoding, http_status, etag, last_modified, values["fetched_at"]),
                )
            conn.execute(
                "INSERT INTO changes(article_id, op, at) VALUES (?, 'upsert', ?)", (result.article_id, now)
            )
        return result

    def _archive_version(self, conn: sqlite3.Connection, article_id: int, now: str, *, with_html: bool = True) -> None:
        row = conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        raw = conn.execute("SELECT html FROM raw_pages WHERE article_id = ?", (article_id,)).fetchone() if with_html else None
        conn.execute(
            "INSERT INTO article_versions(article_id, version, record, html, replaced_at) VALUES (?, ?, ?, ?, ?)",
            (article_id, row["version"], json.dumps(self._row_to_dict(row), ensure_ascii=False),
             raw["html"] if raw else None, now),
        )

    def delete_article(self, id_or_url: int | str) -> bool:
        article = self.get_article(id_or_url)
        if article is None:
            return False
        with self.transaction() as conn:
            conn.execute("DELETE FROM articles WHERE id = ?", (article["id"],))
            conn.execute(
                "INSERT INTO changes(article_id, op, at) VALUES (?, 'delete', ?)", (article["id"], utc_now())
            )
        return True

    def set_duplicate_of(self, article_id: int, original_id: int | None) -> None:
        """Link a republished copy to its original (``None`` unlinks); logged as a change."""
        with self.transaction() as conn:
            conn.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (original_id, article_id))
            conn.execute("INSERT INTO changes(article_id, op, at) VALUES (?, 'upsert', ?)", (article_id, utc_now()))

    @staticmethod
    def _row_to_dict(row: sqlite3.Row) -> dict:
        article = dict(row)
        for key in JSON_FIELDS:
            if key in article:
                article[key] = json.loads(article[key] or "[]")
        if "field_sources" in article:
            article["field_sources"] = json.loads(article["field_sources"] or "{}")
        return article

    def get_article(self, id_or_url: int | str) -> dict | None:
        if isinstance(id_or_url, int) or (isinstance(id_or_url, str) and id_or_url.isdigit()):
            row = self.conn.execute("SELECT * FROM articles WHERE id = ?", (int(id_or_url),)).fetchone()
        else:
            row = self.conn.execute("SELECT * FROM articles WHERE url = ?", (id_or_url,)).fetchone()
        return self._row_to_dict(row) if row else None

    def get_raw_html(self, article_id: int) -> bytes | None:
        row = self.conn.execute("SELECT html FROM raw_pages WHERE article_id = ?", (article_id,)).fetchone()
        return zlib.decompress(row["html"]) if row else None

    # -- re-extraction ----------------------------------------------------------------------

    def raw_page_ids(self, *, stale_against: dict[str, tuple[str, str | None]] | None = None,
                     **filters) -> list[int]:
        """Ids (ascending) of the articles matching the filters (``site``, ``since``…) that
        have a stored page to extract again. With ``stale_against`` ({site: (extraction
        version, entry hash)}), only articles of those sites that were extracted (by the
        crawler: ``extraction_version`` set) with another version or entry."""
        where, params = self._filters_sql(**filters)
        sql = f"SELECT id FROM articles{where}"
        if stale_against is not None:
            sql += (" AND " if where else " WHERE ") + self._stale_sql(stale_against, params)
        sql += " AND" if (where or stale_against is not None) else " WHERE"
        sql += " EXISTS (SELECT 1 FROM raw_pages r WHERE r.article_id = articles.id) ORDER BY id"
        return [row[0] for row in self.conn.execute(sql, params)]

    @staticmethod
    def _stale_sql(stale_against: dict[str, tuple[str, str | None]], params: list) -> str:
        clauses = []
        for site, (version, entry) in stale_against.items():
            clauses.append("(site = ? AND extraction_version IS NOT NULL"
                           " AND (extraction_version IS NOT ? OR entry_hash IS NOT ?))")
            params.extend([site, version, entry])
        return "(" + (" OR ".join(clauses) or "0") + ")"

    def extracted_with(self, site: str) -> list[dict]:
        """What the site's stored articles were extracted with: one row per
        (``extraction_version``, ``entry_hash``) with its article count, commonest first."""
        rows = self.conn.execute(
            "SELECT extraction_version, entry_hash, COUNT(*) AS articles FROM articles WHERE site = ?"
            " GROUP BY extraction_version, entry_hash ORDER BY articles DESC", (site,))
        return [dict(row) for row in rows]

    def raw_pages(self, article_ids: Iterable[int]) -> list[dict]:
        """For re-extraction, per article: ``id``, ``url``, ``site``, ``fetched_at``, the
        page's ``encoding`` and ``html_zlib`` (the stored page, still compressed)."""
        ids = [int(i) for i in article_ids]
        if not ids:
            return []
        rows = self.conn.execute(
            "SELECT a.id, a.url, a.site, a.fetched_at, r.encoding, r.html AS html_zlib FROM articles a"
            f" JOIN raw_pages r ON r.article_id = a.id WHERE a.id IN ({', '.join('?' * len(ids))}) ORDER BY a.id",
            ids)
        return [dict(row) for row in rows]

    def get_fetch_validators(self, url: str) -> dict | None:
        """ETag / Last-Modified of the stored page, for conditional re-checks."""
        row = self.conn.execute(
            "SELECT r.etag, r.last_modified, a.published_at FROM articles a"
            " LEFT JOIN raw_pages r ON r.article_id = a.id WHERE a.url = ?", (url,)
        ).fetchone()
        return dict(row) if row else None

    def versions(self, article_id: int) -> list[dict]:
        rows = self.conn.execute(
            "SELECT version, record, replaced_at FROM article_versions WHERE article_id = ? ORDER BY version",
            (article_id,),
        ).fetchall()
        return [{"version": r["version"], "replaced_at": r["replaced_at"], "record": json.loads(r["record"])}
                for r in rows]

    @staticmethod
    def _filters_sql(
        site: str | Iterable[str] | None = None,
        province: str | Iterable[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        ids: Iterable[int] | None = None,
        include_duplicates: bool = True,
    ) -> tuple[str, list]:
        clauses, params = [], []
        for column, wanted in (("site", site), ("province", province)):
            if wanted:
                names = [wanted] if isinstance(wanted, str) else list(wanted)
                clauses.append(f"{column} IN ({', '.join('?' * len(names))})")
                params.extend(names)
        if since:
            clauses.append("published_at >= ?")
            params.append(since[:10])
        if until:
            # inclusive of the whole `until` day whatever the stored time of day
            clauses.append("published_at < ?")
            params.append(_day_after(until))
        if ids is not None:
            id_list = [int(i) for i in ids]
            clauses.append(f"id IN ({', '.join('?' * len(id_list)) or 'NULL'})")
            params.extend(id_list)
        if not include_duplicates:
            clauses.append("duplicate_of IS NULL")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def iter_articles(self, *, order: str = "published_at", batch_size: int = 500, **filters) -> Iterator[dict]:
        """Articles matching the filters, streamed in batches (constant memory).

        ``order="published_at"`` is the stable export order (published_at, then url).
        """
        where, params = self._filters_sql(**filters)
        order_sql = {"published_at": "published_at, url", "id": "id"}[order]
        cursor = self.conn.execute(f"SELECT * FROM articles{where} ORDER BY {order_sql}", params)
        while True:
            rows = cursor.fetchmany(batch_size)
            if not rows:
                return
            for row in rows:
                yield self._row_to_dict(row)

    def count_articles(self, **filters) -> int:
        where, params = self._filters_sql(**filters)
        return self.conn.execute(f"SELECT COUNT(*) FROM articles{where}", params).fetchone()[0]

    def known_urls(self, site: str | None = None) -> set[str]:
        if site:
            rows = self.conn.execute("SELECT url FROM articles WHERE site = ?", (site,))
        else:
            rows = self.conn.execute("SELECT url FROM articles")
        return {row[0] for row in rows}

    def site_counts(self) -> list[dict]:
        """Per site: article count and first/last publication date."""
        rows = self.conn.execute(
            "SELECT site, COUNT(*) AS articles, MIN(published_at) AS first_published,"
            " MAX(published_at) AS last_published FROM articles GROUP BY site ORDER BY site"
        )
        return [dict(row) for row in rows]

    # -- derived data for the indexer -------------------------------------------------------

    def set_segmentation(self, article_id: int, version: int, data: dict) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO segmentation(article_id, version, data) VALUES (?, ?, ?)",
                (article_id, version, json.dumps(data, ensure_ascii=False)),
            )

    def set_segmentations(self, rows: Iterable[tuple[int, int, dict]]) -> None:
        """Many ``(article_id, version, data)`` in one transaction."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO segmentation(article_id, version, data) VALUES (?, ?, ?)",
                [(aid, ver, json.dumps(data, ensure_ascii=False)) for aid, ver, data in rows],
            )

    def snippet_sources(self, article_ids: list[int]) -> dict[int, tuple[dict, dict | None]]:
        """id → (its id, version, title, summary and body; its segmentation, or None when
        missing or made for another version), for many articles in one query."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = self.conn.execute(
            "SELECT a.id, a.version, a.title, a.summary, a.body, s.version AS segmented, s.data"
            " FROM articles a LEFT JOIN segmentation s ON s.article_id = a.id"
            f" WHERE a.id IN ({marks})", [int(i) for i in article_ids]).fetchall()
        return {row["id"]: ({key: row[key] for key in ("id", "version", "title", "summary", "body")},
                            json.loads(row["data"]) if row["segmented"] == row["version"] else None)
                for row in rows}

    def get_segmentation(self, article_id: int, version: int | None = None) -> dict | None:
        """The cached segmentation, or None when missing or made for another version."""
        row = self.conn.execute(
            "SELECT version, data FROM segmentation WHERE article_id = ?", (article_id,)
        ).fetchone()
        if row is None or (version is not None and row["version"] != version):
            return None
        return json.loads(row["data"])

    def changes_since(self, seq: int) -> Iterator[tuple[int, int, str]]:
        for row in self.conn.execute(
            "SELECT seq, article_id, op FROM changes WHERE seq > ? ORDER BY seq", (seq,)
        ):
            yield row["seq"], row["article_id"], row["op"]

    def last_change_seq(self) -> int:
        return self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]

    def meta_get(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def meta_set(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]
