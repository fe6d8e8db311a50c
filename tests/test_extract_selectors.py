"""extract_with_site on a MasterCMS-like page with the selector table of ARCHITECTURE.md,
and the site-first / generic-fallback merge of extract_article."""

from pathlib import Path
from types import SimpleNamespace

from crawler.extract import extract_article
from crawler.extract.selectors import extract_with_site

PAGE = (Path(__file__).parent / "fixtures" / "generic" / "mastercms_site.html").read_text("utf-8")
URL = "https://laodongthudo.vn/tung-buoc-xay-dung-cong-doan-co-so-vung-manh-109876.html"
ARTICLE = {
    "title": "h1.detail-title",
    "summary": "p.detail-sapo",
    "published_at": "span.datetime",
    "body": "div#__MB_MASTERCMS_EL_3",
    "body_remove": ["table.related", "p.author"],
    "author": "div#__MB_MASTERCMS_EL_3 p[style*=right] strong::text",
    "source": "",
    "tags": "div.tags a::text",
    "category": "ul.breadcrumb li:last-child a::text",
    "images": "table.MASTERCMS_TPL_TABLE img",
    "image_caption": "td.caption::text",
    "canonical": "input[name=__printURL]::attr(value)",
}
BODY = ("Chủ tịch Liên đoàn Lao động huyện Phúc Thọ Nguyễn Thị Lan Anh cho biết, hiện Liên đoàn Lao động "
        "huyện đang quản lý 156 Công đoàn cơ sở với tổng số 5.135 đoàn viên.\n\n"
        "Liên đoàn Lao động huyện cũng chỉ đạo các Công đoàn cơ sở ngay từ đầu nhiệm kỳ xây dựng quy chế "
        "hoạt động.\n\n"
        "Trong 5 năm qua, Liên đoàn Lao động huyện đã tổ chức tập huấn 12 lớp, cho 2.400 lượt đồng chí.")


def site(**overrides):
    return SimpleNamespace(slug="laodongthudo", province="Hà Nội", domain="laodongthudo.vn",
                           article={**ARTICLE, **overrides})


def test_extract_with_site_fields():
    record, sources = extract_with_site(PAGE, URL, site())
    assert record["title"] == "Từng bước xây dựng Công đoàn cơ sở vững mạnh"  # NBSP folded
    assert record["summary"].startswith("Trong những năm qua, Liên đoàn Lao động huyện Phúc Thọ")
    assert record["published_at"] == "2020-10-11T15:15:00+07:00"  # not the sidebar's 24/04/2025
    assert record["author"] == "Mai Quý"
    assert record["tags"] == ["Công đoàn cơ sở", "Phúc Thọ"]
    assert record["category"] == "Công đoàn"
    assert record["url"] == URL
    assert record["images"] == [{
        "url": "https://laodongthudo.vn/stores/news_dataimages/2020/102020/11/15/tap-huan.jpg",
        "caption": "Liên đoàn Lao động huyện Phúc Thọ tổ chức tập huấn phần mềm đổi thẻ đoàn viên công đoàn",
    }]
    assert record["body"] == BODY
    assert "source" not in record
    assert set(sources.values()) == {"site"}


def test_body_without_author_removal_keeps_no_related_box():
    record, _ = extract_with_site(PAGE, URL, site(author=""))
    assert "Lan tỏa những tấm gương" not in record["body"]  # table.related removed
    assert "day manh trien khai" not in record["body"]  # image alt never becomes text


def test_missing_selector_matches_nothing():
    record, _ = extract_with_site(PAGE, URL, site(title="h1.does-not-exist", body="div.nope"))
    assert "title" not in record and "body" not in record


def test_extract_article_site_first_generic_fallback():
    result = extract_article(PAGE.encode("utf-8"), URL, site=site(title="", summary="div.nope"),
                             fetched_at="2025-01-01T00:00:00Z")
    record = result.record
    assert record["site"] == "laodongthudo" and record["province"] == "Hà Nội"
    assert record["title"] == "Từng bước xây dựng Công đoàn cơ sở vững mạnh"
    assert result.field_sources["title"] == "generic"
    assert result.field_sources["summary"] == "generic"
    assert result.field_sources["body"] == "site"
    assert record["body"] == BODY
    assert record["author"] == "Mai Quý"
    assert result.problems == []
