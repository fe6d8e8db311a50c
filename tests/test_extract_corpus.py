"""The public regression corpus for generic extraction (tests/fixtures/extract_corpus/).

Only its shape is checked here, and that the extractor runs on every page and returns a
record. How good the extraction is on it is measured, not asserted:
``.venv/bin/python bench/bench_extract.py tests/fixtures/extract_corpus``.
"""

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from archive.record import RECORD_KEYS
from crawler.extract import extract_article

CORPUS = Path(__file__).parent / "fixtures" / "extract_corpus"
HTML_PAGES = sorted(CORPUS.glob("*/*.html"))
JSON_PAGES = sorted(CORPUS.glob("*/*.json"))
IDS = [f"{p.parent.name}/{p.stem}" for p in HTML_PAGES]
REQUIRED = {"family", "title", "published_at", "summary", "page_url", "body"}


def expected(html_path: Path) -> dict:
    return json.loads(html_path.with_suffix(".json").read_text("utf-8"))


def test_corpus_size_and_families():
    families = Counter(p.parent.name for p in HTML_PAGES)
    assert len(HTML_PAGES) >= 60
    assert len(families) >= 20
    assert min(families.values()) >= 3, {f: n for f, n in families.items() if n < 3}


def test_every_html_has_its_json_and_back():
    assert {p.with_suffix("") for p in HTML_PAGES} == {p.with_suffix("") for p in JSON_PAGES}
    assert not list(CORPUS.glob("*.html")), "pages belong in a family subdirectory"


@pytest.mark.parametrize("html_path", HTML_PAGES, ids=IDS)
def test_expected_json_is_well_formed(html_path):
    exp = expected(html_path)
    assert REQUIRED <= set(exp), REQUIRED - set(exp)
    assert exp["family"] == html_path.parent.name
    assert isinstance(exp["title"], str) and exp["title"].strip()
    assert exp["summary"] is None or (isinstance(exp["summary"], str) and exp["summary"].strip())
    assert isinstance(exp["page_url"], str) and exp["page_url"].startswith(("http://", "https://"))
    body = exp["body"]
    assert isinstance(body, list) and body
    assert all(isinstance(p, str) and p.strip() for p in body)
    date = exp["published_at"]
    if date is not None:
        assert isinstance(date, str)
        parsed = datetime.fromisoformat(date)
        if "T" in date:
            assert parsed.tzinfo is not None, f"{date}: a time needs its offset"
        else:
            assert len(date) == 10, date
    assert all(isinstance(f, str) and f for f in exp.get("forbidden", []))


@pytest.mark.parametrize("html_path", HTML_PAGES, ids=IDS)
def test_extractor_runs_and_returns_a_record(html_path):
    exp = expected(html_path)
    extraction = extract_article(html_path.read_bytes(), exp["page_url"], site=None,
                                 fetched_at="2025-01-01T00:00:00Z")
    record = extraction.record
    assert set(RECORD_KEYS) <= set(record)
    assert isinstance(record["body"], str)
    assert isinstance(record["title"], str)
