"""Generic extraction on hand-made pages of five layouts (tests/fixtures/generic/).

Each ``<name>.html`` has a ``<name>.json`` with the expected title, published_at and
body (list of paragraphs), optional author/source/summary/url, and ``forbidden``:
sidebar / related-news / caption strings that must not leak into the body.
"""

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from archive.record import RECORD_KEYS
from crawler.extract import EXTRACTION_VERSION, extract_article
from crawler.extract.dates import parse_vn_datetime
from crawler.extract.encoding import decode_html
from crawler.extract.generic import extract_generic

FIXTURES = Path(__file__).parent / "fixtures" / "generic"
PAGES = sorted(p.stem for p in FIXTURES.glob("*.json") if (FIXTURES / f"{p.stem}.html").exists())
PAGE_URL = "https://congdoan.example.vn/tin-tuc/bai-viet-1.html"


def load(name):
    return (FIXTURES / f"{name}.html").read_bytes(), json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


# Every date format of the union sites, as it must appear on some fixture page.
DATE_FORMATS = {
    "HH:MM | DD/MM/YYYY": r"\d{2}:\d{2} \| \d{2}/\d{2}/\d{4}",
    "HH:MM DD/MM/YYYY": r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}",
    "DD/MM/YYYY HH:MM": r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}",
    "Thứ hai, 28/9/2021, 12:18 (GMT+7)": r"Thứ \w+, \d{1,2}/\d{1,2}/\d{4}, \d{2}:\d{2} \(GMT\+7\)",
    "Thứ bảy 09/12/2023 15:21": r"Thứ \w+ \d{2}/\d{2}/\d{4} \d{2}:\d{2}",
    "Cập nhật: …": r"Cập nhật: \d",
    "Cập nhật lúc 03:36 ngày 10/10/2015": r"Cập nhật lúc \d{2}:\d{2} ngày \d{2}/\d{2}/\d{4}",
    "DD.MM.YYYY": r"\d{2}\.\d{2}\.\d{4}",
    "Ngày 28 tháng 9 năm 2021": r"Ngày \d{1,2} tháng \d{1,2} năm \d{4}",
    "ISO in meta": r"<meta [^>]*content=\"\d{4}-\d{2}-\d{2}T",
    "ISO in <time datetime>": r"<time [^>]*datetime=\"\d{4}-\d{2}-\d{2}T",
}


def page_texts():
    return {name: decode_html((FIXTURES / f"{name}.html").read_bytes()) for name in PAGES}


def test_enough_pages_and_layouts():
    assert len(PAGES) >= 16
    layouts = Counter(name.rsplit("_", 1)[0] for name in PAGES)
    assert {"html5_article", "divsoup", "legacy_table", "wordpress", "jsonld"} <= set(layouts)
    assert min(layouts.values()) >= 3


@pytest.mark.parametrize("label", list(DATE_FORMATS))
def test_every_date_format_is_on_some_page(label):
    assert any(re.search(DATE_FORMATS[label], text) for text, _ in page_texts().values()), label


def test_windows_1258_and_nfd_pages_are_covered():
    raws = {name: (FIXTURES / f"{name}.html").read_bytes() for name in PAGES}
    assert any(codec == "cp1258" for _, codec in page_texts().values())
    nfd = [n for n, raw in raws.items() if not unicodedata.is_normalized("NFC", raw.decode("utf-8", "replace"))]
    assert len(nfd) >= 1


@pytest.mark.parametrize("name", PAGES)
def test_every_page_lists_sidebar_titles_and_has_other_dates(name):
    # The forbidden strings are really on the page, and the page shows dates other
    # than the article's own (sidebars, related lists), which must not be taken.
    raw, expected = load(name)
    text = unicodedata.normalize("NFC", decode_html(raw)[0]).replace("&nbsp;", " ")
    assert len(expected["forbidden"]) >= 3
    for fragment in expected["forbidden"]:
        assert fragment.lower() in text.lower(), fragment
    own = expected["published_at"][:10]
    dates = {parse_vn_datetime(m) for m in re.findall(r"\d{1,2}[/.]\d{1,2}[/.]\d{4}", text)}
    assert {d for d in dates if d and d[:10] != own}, "no other dated item on the page"


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
    for fragment in expected.get("forbidden", []):
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
    assert list(result.record) == list(RECORD_KEYS)
    assert result.record["site"] == "generic" and result.record["province"] is None
    assert result.record["url"] == PAGE_URL
    assert result.extraction_version == EXTRACTION_VERSION
    assert {origin.split(":")[0] for origin in result.field_sources.values()} == {"generic"}
    assert result.field_sources["body"] == "generic:container"
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


def page(header: str, body: str) -> str:
    return (f"<html><head><title>x</title></head><body><div class='wrap'><h1>Đại hội Công đoàn cơ sở nhiệm kỳ mới</h1>"
            f"{header}<div class='article-content'>{body}</div></div></body></html>")


PARAGRAPH = "<p>" + "Đại hội đã bầu Ban Chấp hành gồm 7 đồng chí và thông qua nghị quyết nhiệm kỳ. " * 3 + "</p>"


def test_inline_related_list_is_removed_and_the_body_goes_on():
    body = (PARAGRAPH + "<p><b>Tin liên quan:</b></p><ul><li><a href='/a'>Tập huấn cán bộ công đoàn</a> (01/02/2020)</li>"
            "<li><a href='/b'>Hội nghị người lao động</a> (02/02/2020)</li></ul><p>Đại hội bế mạc lúc 17 giờ cùng ngày.</p>")
    record = extract_article(page("<p>10:00 03/02/2020</p>", body), PAGE_URL).record
    assert record["body"].endswith("Đại hội bế mạc lúc 17 giờ cùng ngày.")
    assert "Tin liên quan" not in record["body"] and "Tập huấn" not in record["body"]


def test_a_single_link_in_a_sentence_is_kept():
    body = PARAGRAPH + "<p>Xem toàn văn <a href='/nq'>Nghị quyết</a> tại trang của Tổng Liên đoàn và các văn bản kèm theo.</p>"
    assert "Xem toàn văn Nghị quyết" in extract_article(page("<p>10:00 03/02/2020</p>", body), PAGE_URL).record["body"]


def test_italic_line_after_an_image_is_a_caption_but_not_elsewhere():
    body = (PARAGRAPH + "<p><img src='/a.jpg'></p><p><em>Quang cảnh đại hội.</em></p>"
            "<p><em>Đại hội là dịp nhìn lại một nhiệm kỳ nhiều khó khăn của đoàn viên.</em></p>")
    record = extract_article(page("<p>10:00 03/02/2020</p>", body), PAGE_URL).record
    assert "Quang cảnh đại hội" not in record["body"]
    assert record["body"].endswith("Đại hội là dịp nhìn lại một nhiệm kỳ nhiều khó khăn của đoàn viên.")


def test_date_line_before_the_title_beats_a_date_inside_body_text_after_it():
    html = ("<html><body><div><p>Ngày đăng: 18/04/2014 08:12</p><h1>Đại hội Công đoàn cơ sở nhiệm kỳ mới</h1>"
            "<p>Thời gian: từ ngày 20/4/2014 đến ngày 25/4/2014.</p>" + PARAGRAPH + "</div></body></html>")
    assert extract_article(html, PAGE_URL).record["published_at"] == "2014-04-18T08:12:00+07:00"


def test_time_datetime_inside_a_link_is_read_and_updated_time_skipped():
    header = ("<a href='/2023/06/'><time class='updated' datetime='2023-06-13T08:00:00+07:00'>13/06/2023</time>"
              "<time class='published' datetime='2023-06-12T09:20:00+07:00'>12/06/2023</time></a>")
    assert extract_article(page(header, PARAGRAPH), PAGE_URL).record["published_at"] == "2023-06-12T09:20:00+07:00"


def test_trailing_caps_byline_toolbar_and_parenthesised_source():
    body = PARAGRAPH + "<p>TRẦN VĂN AN</p><p>(Theo Báo Nghệ An)</p><p>In bài | Gửi email | Về đầu trang</p>"
    record = extract_article(page("<p>10:00 03/02/2020</p>", body), PAGE_URL).record
    assert (record["author"], record["source"]) == ("TRẦN VĂN AN", "Theo Báo Nghệ An")
    assert record["body"] == extract_article(page("<p>10:00 03/02/2020</p>", PARAGRAPH), PAGE_URL).record["body"]
