"""Running one export: select the articles, stream them through a writer, write the package.

Selection is either the store's filters (site, province, since, until, duplicates) or, with
a query, every search match (``indexer.search.matching_ids``) re-read from the store. Either
way the rows come out of SQLite in the stable order (published_at, then url) through a
cursor, so memory does not grow with the corpus; only the list of matching ids of a query
is held, because that is what the search interface returns.
"""
from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass, field as dataclass_field
from datetime import date
from pathlib import Path
from typing import BinaryIO, Iterator

from archive.errors import UserError
from archive.dataset.datapackage import SiteStats, build_descriptor, datapackage_path, write_descriptor
from archive.dataset.schema import export_value, parse_fields
from archive.dataset.writers import FORMATS, WRITERS, PendingFiles, check_destination, sha256_file
from archive.home import Home
from archive.store import Store

STDOUT = "-"


@dataclass(frozen=True)
class ExportRequest:
    """What to export and where; mirrors the options of ``unionnews export``."""

    format: str
    out: str  # a file path, or "-" for stdout (jsonl and csv only)
    query: str | None = None
    sites: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    fields: str | None = None  # "url,title,..."; None = the default field set
    excel: bool = False
    force: bool = False
    drop_duplicates: bool = False

    def filters(self) -> dict:
        """The selection, as recorded in the data package."""
        chosen = {"query": self.query, "sites": list(self.sites), "provinces": list(self.provinces),
                  "since": self.since, "until": self.until, "drop_duplicates": self.drop_duplicates}
        return {key: value for key, value in chosen.items() if value not in (None, [], False)}


@dataclass
class ExportResult:
    count: int
    path: Path | None  # None when written to stdout
    datapackage: Path | None
    sha256: str | None
    sites: dict = dataclass_field(default_factory=dict)


def _check_date(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise UserError(f"{option} {value!r} is not a date; use YYYY-MM-DD, e.g. 2021-08-09") from None


def validate(request: ExportRequest) -> ExportRequest:
    """Every check that needs no data, so bad options fail before any file is created."""
    if request.format not in FORMATS:
        raise UserError(f"unknown format {request.format!r}; choose one of {', '.join(FORMATS)}")
    if request.out == STDOUT and request.format == "parquet":
        raise UserError("Parquet cannot be written to stdout; give --out FILE.parquet")
    parse_fields(request.fields)
    since = _check_date(request.since, "--since")
    until = _check_date(request.until, "--until")
    if since and until and since > until:
        raise UserError(f"--since {since} is after --until {until}")
    if request.query is not None and not request.query.strip():
        raise UserError("--query is empty")
    return request


class _Selection:
    """The chosen articles: a count (for the progress bar) and an ordered row stream."""

    def __init__(self, home: Home, store: Store, request: ExportRequest):
        self.store = store
        self.request = request
        self.temp_table: str | None = None
        if request.query is not None:
            self._load_query_ids(home)

    def _store_filters(self) -> dict:
        request = self.request
        return {"site": request.sites or None, "province": request.provinces or None,
                "since": request.since, "until": request.until,
                "include_duplicates": not request.drop_duplicates}

    def _load_query_ids(self, home: Home) -> None:
        try:  # heavy (Whoosh + segmenter), so only imported when a query needs it
            from indexer.search import SearchRequest, matching_ids
        except ImportError as error:
            raise UserError(f"--query needs the search index, which cannot be loaded: {error}") from error

        request = self.request
        search_request = SearchRequest(query=request.query, sites=tuple(request.sites),
                                       provinces=tuple(request.provinces), since=request.since,
                                       until=request.until, sort="newest")
        ids = matching_ids(home, search_request)
        # A temporary table rather than `id IN (...)`: a broad query can match more ids than
        # SQLite accepts as parameters, and the join lets SQLite return them in export order.
        self.temp_table = "temp.export_ids"
        conn = self.store.conn
        conn.execute(f"DROP TABLE IF EXISTS {self.temp_table}")
        conn.execute(f"CREATE TABLE {self.temp_table} (id INTEGER PRIMARY KEY)")
        conn.executemany(f"INSERT OR IGNORE INTO {self.temp_table}(id) VALUES (?)", ((int(i),) for i in ids))
        # search folds republished copies into their original's hit; a dataset keeps every
        # copy, marked by duplicate_of, unless --drop-duplicates asks otherwise (_query_sql)
        conn.execute(f"INSERT OR IGNORE INTO {self.temp_table}(id) SELECT a.id FROM articles a"
                     f" WHERE a.duplicate_of IN (SELECT id FROM {self.temp_table})")

    def _query_sql(self, columns: str) -> str:
        sql = f"SELECT {columns} FROM articles a JOIN {self.temp_table} m ON m.id = a.id"
        if self.request.drop_duplicates:
            sql += " WHERE a.duplicate_of IS NULL"
        return sql

    def count(self) -> int:
        if self.temp_table is None:
            return self.store.count_articles(**self._store_filters())
        return self.store.conn.execute(self._query_sql("COUNT(*)")).fetchone()[0]

    def rows(self) -> Iterator[dict]:
        if self.temp_table is None:
            yield from self.store.iter_articles(order="published_at", **self._store_filters())
            return
        cursor = self.store.conn.execute(self._query_sql("a.*") + " ORDER BY a.published_at, a.url")
        while batch := cursor.fetchmany(500):
            for row in batch:
                yield Store._row_to_dict(row)

    def close(self) -> None:
        if self.temp_table is not None:
            self.store.conn.execute(f"DROP TABLE IF EXISTS {self.temp_table}")


class _DuplicateUrls:
    """id → url of originals; bounded, because a corpus can hold many republished copies."""

    def __init__(self, conn: sqlite3.Connection, limit: int = 10_000):
        self.conn, self.limit, self.cache = conn, limit, {}

    def __call__(self, original_id: int | None) -> str | None:
        if original_id is None:
            return None
        url = self.cache.get(original_id)
        if url is None:
            row = self.conn.execute("SELECT url FROM articles WHERE id = ?", (original_id,)).fetchone()
            url = row[0] if row else None
            if len(self.cache) >= self.limit:
                self.cache.clear()
            self.cache[original_id] = url
        return url


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, disable=not show, file=sys.stderr, unit=" articles", dynamic_ncols=True)


def _stream(selection: _Selection, writer, fields, sites: SiteStats, progress) -> int:
    """Write every selected article and close the writer; on any error, discard it."""
    duplicate_url = _DuplicateUrls(selection.store.conn)
    written = 0
    try:
        for article in selection.rows():
            original = duplicate_url(article.get("duplicate_of"))
            writer.write({field.name: export_value(article, field, original) for field in fields})
            sites.add(article)
            written += 1
            progress.update(1)
        writer.close()
    except BaseException:
        writer.discard()
        raise
    return written


def run_export(home: Home, request: ExportRequest, *, command: str = "", stdout: BinaryIO | None = None,
               progress: bool | None = None) -> ExportResult:
    """Export the selected articles; raise ``UserError`` (and leave no file) when it cannot.

    ``command`` is recorded in the data package; ``stdout`` is the binary stream used for
    ``--out -``; ``progress`` forces the progress bar on/off (default: only on a terminal).
    """
    validate(request)
    fields = parse_fields(request.fields)
    to_stdout = request.out == STDOUT
    out = None if to_stdout else Path(request.out).expanduser().absolute()
    if out is not None:
        check_destination(out, force=request.force, also=(datapackage_path(out),))

    with Store(home.store_path, readonly=True) as store:
        selection = _Selection(home, store, request)
        try:
            total = selection.count()
            if total == 0:
                raise UserError("no articles match; nothing exported", exit_code=1)
            sites = SiteStats()
            with _progress(total, progress) as bar:
                if to_stdout:
                    target = stdout if stdout is not None else sys.stdout.buffer
                    writer = WRITERS[request.format](target, fields, excel=request.excel)
                    count = _stream(selection, writer, fields, sites, bar)
                    target.flush()
                    return ExportResult(count, None, None, None, sites.as_dict())
                package_path = datapackage_path(out)
                with PendingFiles() as pending:
                    handle, temp_path = pending.create(out)
                    with handle:
                        writer = WRITERS[request.format](handle, fields, excel=request.excel)
                        count = _stream(selection, writer, fields, sites, bar)
                    digest = sha256_file(temp_path)
                    descriptor = build_descriptor(
                        out=out, fmt=request.format, fields=fields, excel=request.excel, count=count,
                        sha256=digest, size=temp_path.stat().st_size, command=command,
                        filters=request.filters(), sites=sites)
                    package_handle, _ = pending.create(package_path)
                    with package_handle:
                        write_descriptor(package_handle, descriptor)
        finally:
            selection.close()
    return ExportResult(count, out, package_path, digest, sites.as_dict())
