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
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Iterator

from archive.clock import utc_now
from archive.errors import UserError
from archive.record import LIST_KEYS, RECORD_KEYS, REQUIRED_KEYS
from archive.store_runs import RunLog
from archive.store_schema import SCHEMA, SCHEMA_VERSION

# Record keys as stored (archive.record); lists are JSON-encoded in their columns.
JSON_FIELDS = LIST_KEYS
# Besides the record's required keys, the store needs the two it derives its rows from.
STORED_REQUIRED_KEYS = (*REQUIRED_KEYS, "site", "content_hash")

class StoreError(UserError):
    """A problem with the article store that the user can act on."""


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
            self.conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self.conn.commit()

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

    def upsert_article(
        self,
        record: dict,
        raw_html: bytes | None = None,
        *,
        http_status: int | None = 200,
        encoding: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        extraction_version: str | None = None,
    ) -> str:
        """Insert or update one article by canonical URL.

        Returns ``"new"``, ``"updated"`` (content changed: the old version is archived) or
        ``"unchanged"`` (only ``last_seen_at`` moves, so a re-crawl leaves the corpus as it was).
        """
        for key in STORED_REQUIRED_KEYS:
            if not record.get(key):
                raise StoreError(f"article record without {key!r}: {record.get('url')}")
        now = utc_now()
        values = {key: record.get(key) for key in RECORD_KEYS}
        for key in JSON_FIELDS:
            values[key] = json.dumps(values[key] or [], ensure_ascii=False)
        values["summary"] = values["summary"] or ""
        html_blob = zlib.compress(raw_html, 6) if raw_html is not None else None
        with self.transaction() as conn:
            existing = conn.execute(
                "SELECT id, content_hash, version FROM articles WHERE url = ?", (values["url"],)
            ).fetchone()
            if existing is None:
                columns = ", ".join(RECORD_KEYS)
                placeholders = ", ".join(f":{key}" for key in RECORD_KEYS)
                cursor = conn.execute(
                    f"INSERT INTO articles ({columns}, extraction_version, first_seen_at, last_seen_at, changed_at)"
                    f" VALUES ({placeholders}, :extraction_version, :now, :now, :now)",
                    {**values, "extraction_version": extraction_version, "now": now},
                )
                article_id = cursor.lastrowid
                outcome = "new"
            elif existing["content_hash"] == values["content_hash"]:
                conn.execute(
                    "UPDATE articles SET last_seen_at = ?, extraction_version = COALESCE(?, extraction_version)"
                    " WHERE id = ?",
                    (now, extraction_version, existing["id"]),
                )
                return "unchanged"
            else:
                article_id = existing["id"]
                self._archive_version(conn, article_id, now)
                assignments = ", ".join(f"{key} = :{key}" for key in RECORD_KEYS if key != "url")
                conn.execute(
                    f"UPDATE articles SET {assignments}, extraction_version = :extraction_version,"
                    " version = version + 1, last_seen_at = :now, changed_at = :now WHERE id = :id",
                    {**values, "extraction_version": extraction_version, "now": now, "id": article_id},
                )
                outcome = "updated"
            if html_blob is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO raw_pages(article_id, html, encoding, http_status, etag,"
                    " last_modified, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (article_id, html_blob, encoding, http_status, etag, last_modified, values["fetched_at"]),
                )
            conn.execute(
                "INSERT INTO changes(article_id, op, at) VALUES (?, 'upsert', ?)", (article_id, now)
            )
        return outcome

    def _archive_version(self, conn: sqlite3.Connection, article_id: int, now: str) -> None:
        row = conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        raw = conn.execute("SELECT html FROM raw_pages WHERE article_id = ?", (article_id,)).fetchone()
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
