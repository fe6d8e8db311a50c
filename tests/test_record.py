"""The article record is defined once (archive.record) and every layer follows it."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from archive.dataset.schema import FIELDS
from archive.record import LIST_KEYS, RECORD_FIELDS, RECORD_KEYS, REQUIRED_KEYS, empty_record
from archive.store import Store
from crawler.extract import extract_article
from unionnews.importer import OPTIONAL_TEXT, REQUIRED

ARCHITECTURE = Path(__file__).resolve().parent.parent / "docs" / "ARCHITECTURE.md"


def test_extraction_yields_exactly_the_record_keys_in_order():
    html = "<html><head><title>Tin</title></head><body><h1>Tin</h1><p>Một đoạn.</p></body></html>"
    assert list(extract_article(html, "https://example.vn/a.html").record) == list(RECORD_KEYS)
    assert list(empty_record()) == list(RECORD_KEYS)


def test_the_store_has_a_column_for_every_record_key(tmp_path):
    Store(tmp_path / "store.sqlite").close()
    columns = [row[1] for row in sqlite3.connect(tmp_path / "store.sqlite").execute("PRAGMA table_info(articles)")]
    assert set(RECORD_KEYS) <= set(columns)


def test_export_fields_are_the_record_between_id_and_duplicate_of():
    assert [field.name for field in FIELDS] == ["id", *RECORD_KEYS, "duplicate_of"]
    assert FIELDS[1:-1] == RECORD_FIELDS


def test_import_checks_every_record_key():
    assert set(REQUIRED) | set(OPTIONAL_TEXT) | LIST_KEYS == set(RECORD_KEYS) | {"duplicate_of"}
    assert set(REQUIRED_KEYS) == {"url", "title", "body"}


def test_architecture_doc_lists_the_record_keys_in_order():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text.split("## Article record", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M)
    assert documented == list(RECORD_KEYS)


def test_the_record_keys_are_written_down_nowhere_else():
    """A second hand-written list of the keys is how the three schemas drifted before."""
    root = ARCHITECTURE.parent.parent
    literal = re.compile(r'"published_at",\s*"updated_at",\s*"author"')
    offenders = [str(path.relative_to(root)) for package in ("archive", "crawler", "indexer", "search_web", "unionnews")
                 for path in (root / package).rglob("*.py") if literal.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
