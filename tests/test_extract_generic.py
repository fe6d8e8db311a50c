"""Generic extraction on hand-made pages of five layouts (tests/fixtures/generic/).

Each ``<name>.html`` has a ``<name>.json`` with the expected title, published_at and
body (list of paragraphs), optional author/source/summary/url, and ``not_in_body``:
sidebar / related-news / caption strings that must not leak into the body.
"""

import json
import unicodedata
from pathlib import Path

import pytest

from crawler.extract import EXTRACTION_VERSION, RECORD_DEFAULTS, extract_article
from crawler.extract.generic import extract_generic

FIXTURES = Path(__file__).parent / "fixtures" / "generic"
PAGES = sorted(p.stem for p in FIXTURES.glob("*.json") if (FIXTURES / f"{p.stem}.html").exists())
PAGE_URL = "https://congdoan.example.vn/tin-tuc/bai-viet-1.html"


def load(name):
    return (FIXTURES / f"{name}.html").read_bytes(), json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


def test_enough_pages_and_layouts():
    assert len(PAGES) >= 10
    layouts = {name.rsplit("_", 1)[0] for name in PAGES}
    assert {"html5_article", "divsoup", "legacy_table", "wordpress", "jsonld"} <= layouts


@pytest.mark.parametrize("name", PAGES)
def test_page(name):
    raw, expected = load(name)
    result = extract_article(raw, expected.get("page_url", PAGE_URL), fetched_at="2025-01-01T00:00:00Z")
    record = result.record
    assert record["title"] == expected["title"]
    assert record["published_at"] == expected["published_at"]
    assert record["body"] == "\n\n".join(expected["body"])
    for key in ("author", "source", "summary", "url"):
        if key in expected:
            assert record[key] == expected[key], key
    for fragment in expected.get("not_in_body", []):
        assert fragment not in record["body"], fragment
    assert result.problems == []
    if "encoding" in expected:
        assert result.encoding == expected["encoding"]
    for key in ("title", "summary", "body"):
        assert unicodedata.is_normalized("NFC", record[key])
        assert "\u00a0" not in record[key]


def test_record_has_every_key_and_defaults():
    raw, _ = load("html5_article_2")
    result = extract_article(raw, PAGE_URL, fetched_at="2025-01-01T00:00:00Z")
    assert list(result.record) == list(RECORD_DEFAULTS)
    assert result.record["site"] == "generic" and result.record["province"] is None
    assert result.record["url"] == PAGE_URL
    assert result.extraction_version == EXTRACTION_VERSION
    assert set(result.field_sources.values()) == {"generic"}
    assert len(result.record["content_hash"]) == 64


def test_fetched_at_defaults_to_utc_now():
    raw, _ = load("html5_article_2")
    fetched = extract_article(raw, PAGE_URL).record["fetched_at"]
    assert fetched.endswith("Z") and fetched[:2] == "20" and "T" in fetched


def test_foreign_canonical_is_ignored():
    html = ('<html><head><link rel="canonical" href="https://other.example.com/x.html"></head>'
            '<body><h1>Tiêu đề</h1><p>12:18 28/09/2021</p><article><p>' + "Nội dung bài viết. " * 20 +
            "</p></article></body></html>")
    assert extract_article(html, PAGE_URL).record["url"] == PAGE_URL


def test_empty_page_reports_problems():
    result = extract_article("<html><body><p>Tin khác</p></body></html>".encode(), PAGE_URL)
    assert {"no title", "no body", "no date"} <= set(result.problems)


def test_generic_returns_only_found_fields():
    record, sources = extract_generic("<html><head><title>Chỉ có tiêu đề</title></head><body></body></html>", PAGE_URL)
    assert record == {"title": "Chỉ có tiêu đề"}
    assert sources == {"title": "generic"}


def test_json_ld_metadata_fields():
    raw, expected = load("jsonld_1")
    record = extract_article(raw, expected["page_url"]).record
    assert record["tags"] == ["Tổng LĐLĐVN", "Nghị quyết 02", "phát triển đoàn viên"]
    assert record["category"] == "Công đoàn"
    assert record["updated_at"] == "2021-08-09T16:10:00+07:00"
    assert record["images"] == [{"url": "https://laodong.vn/images/ctr-hanh-dong.jpg", "caption": ""}]


def test_open_graph_tags_and_utc_conversion():
    raw, expected = load("wordpress_1")
    record = extract_article(raw, expected["page_url"]).record
    assert record["tags"] == ["cán bộ công đoàn", "CĐCS"]
    assert record["updated_at"] == "2024-03-16T09:00:00+07:00"


def test_sidebar_date_before_title_is_not_taken():
    # html5_article_2 has a sidebar with dated news before the article in document order.
    raw, expected = load("html5_article_2")
    assert extract_article(raw, PAGE_URL).record["published_at"] == expected["published_at"]
