"""Import article records from a JSONL file (the ``unionnews export --format jsonl`` shape).

Each line is one record with the keys of the extract/export schema; only ``url``, ``title``
and ``body`` are required. A line that is not valid JSON, lacks a required key or has a
value of the wrong type is reported with its line number and skipped; the other lines are
imported. Records go through ``Store.upsert_article``, so importing the same file twice
changes nothing (all "unchanged"). ``duplicate_of`` (the original's URL) is linked once
the whole file is in, since an original may come after its copy.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

from archive.errors import UserError
from archive.record import REQUIRED_KEYS, TEXT_KEYS, content_hash
from archive.store import Store

REQUIRED = REQUIRED_KEYS
# Optional text keys: a string or null (duplicate_of: the original's URL, as exported).
OPTIONAL_TEXT = (*(key for key in TEXT_KEYS if key not in REQUIRED_KEYS), "duplicate_of")
# Keys an export adds that the store derives itself; accepted and ignored.
IGNORED = frozenset({"id", "published_at_text", "updated_at_text", "version", "first_seen_at",
                     "last_seen_at", "extraction_version"})
DEFAULT_SITE = "generic"  # the registry's slug for articles of unknown sites


class BadRecord(ValueError):
    """Why one line cannot be imported."""


@dataclass
class ImportReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    unresolved_duplicates: list[tuple[str, str]] = field(default_factory=list)  # (url, original url)

    @property
    def imported(self) -> int:
        return self.new + self.updated + self.unchanged


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def parse_record(line: bytes) -> dict:
    """One JSONL line → a record for ``Store.upsert_article``; raises ``BadRecord``."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRecord(f"not UTF-8 ({error.reason} at byte {error.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadRecord(f"invalid JSON: {error.msg} (column {error.colno})") from None
    if not isinstance(data, dict):
        raise BadRecord(f"expected a JSON object, got {type(data).__name__}")
    record: dict = {}
    for key in REQUIRED:
        value = data.get(key)
        if value is None or value == "":
            raise BadRecord(f"missing {key!r}")
        if not isinstance(value, str):
            raise BadRecord(f"{key!r} must be a string, not {type(value).__name__}")
        record[key] = _nfc(value)
    for key in OPTIONAL_TEXT:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise BadRecord(f"{key!r} must be a string or null, not {type(value).__name__}")
        record[key] = _nfc(value) if value else None
    tags = data.get("tags")
    if tags is None:
        tags = []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise BadRecord("'tags' must be a list of strings")
    record["tags"] = [_nfc(tag) for tag in tags]
    images = data.get("images")
    if images is None:
        images = []
    if not isinstance(images, list) or not all(
            isinstance(image, dict) and isinstance(image.get("url"), str) for image in images):
        raise BadRecord("'images' must be a list of {url, caption} objects")
    record["images"] = [{"url": image["url"], "caption": image.get("caption")} for image in images]
    unknown = set(data) - set(REQUIRED) - set(OPTIONAL_TEXT) - {"tags", "images"} - IGNORED
    if unknown:
        raise BadRecord(f"unknown key(s): {', '.join(sorted(unknown))}")
    if "duplicate_of" not in data:
        del record["duplicate_of"]  # absent: leave any link already in the store alone
    record["site"] = record["site"] or DEFAULT_SITE
    record["summary"] = record["summary"] or ""
    if not record["content_hash"]:
        record["content_hash"] = content_hash(record["title"], record["summary"], record["body"])
    return record


def _unlink_if_linked(store: Store, url: str) -> None:
    """A record saying ``duplicate_of: null`` about an article the store holds as a copy."""
    row = store.conn.execute("SELECT id, duplicate_of FROM articles WHERE url = ?", (url,)).fetchone()
    if row is not None and row["duplicate_of"] is not None:
        store.set_duplicate_of(row["id"], None)


def _link_duplicates(store: Store, links: list[tuple[str, str]], report: ImportReport) -> None:
    """Point each imported copy at its original, once every record is in."""
    for url, original_url in links:
        copy = store.conn.execute("SELECT id, duplicate_of FROM articles WHERE url = ?", (url,)).fetchone()
        original = store.conn.execute("SELECT id FROM articles WHERE url = ?", (original_url,)).fetchone()
        if original is None or copy is None:
            report.unresolved_duplicates.append((url, original_url))
        elif copy["duplicate_of"] != original["id"]:
            store.set_duplicate_of(copy["id"], original["id"])


def import_jsonl(store: Store, source: Path | BinaryIO, *,
                 on_problem: Callable[[int, str], None] | None = None,
                 on_line: Callable[[], None] | None = None) -> ImportReport:
    """Upsert every valid record of a JSONL file or binary stream into ``store``.

    ``on_problem(line_number, message)`` is called for each skipped line as it is met.
    Raises ``UserError`` only when the file itself cannot be opened or read.
    """
    report = ImportReport()
    # (url, original url) of republished copies only: two strings each, a small fraction
    # of the file, while the records themselves are never accumulated
    links: list[tuple[str, str]] = []
    try:
        handle = source.open("rb") if isinstance(source, Path) else source
    except OSError as error:
        raise UserError(f"cannot read {source}: {error.strerror}") from error
    try:
        for number, line in enumerate(handle, start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]  # a BOM left by an editor is not part of the first record
            if on_line is not None:
                on_line()
            if not line.strip():
                continue
            try:
                record = parse_record(line)
                outcome = store.upsert_article(record, None)
            except (BadRecord, UserError) as error:
                report.skipped += 1
                report.problems.append((number, str(error)))
                if on_problem is not None:
                    on_problem(number, str(error))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
            if record.get("duplicate_of"):
                links.append((record["url"], record["duplicate_of"]))
            elif "duplicate_of" in record and outcome != "new":
                _unlink_if_linked(store, record["url"])
    except OSError as error:
        raise UserError(f"cannot read {source}: {error.strerror or error}") from error
    finally:
        if isinstance(source, Path):
            handle.close()
    _link_duplicates(store, links, report)
    return report
