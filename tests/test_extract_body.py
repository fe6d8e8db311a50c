"""The article body of pages of unknown layout (crawler/extract/body.py): the container
chosen by score, pruning that never removes the article, page-builder layouts, and the
check against trafilatura with the method recorded in ``field_sources["body"]``.

Each page reproduces one failure seen on real pages (issue 17)."""

import json
from pathlib import Path

import pytest

from crawler.extract import body as body_module
from crawler.extract import extract_article
from crawler.extract.body import choose
from crawler.extract.blocks import class_tokens
from archive.registry import builtin_sites
from lxml import etree

PAGE_URL = "https://congdoan.example.vn/tin-tuc/bai-viet-1.html"
SITE_FIXTURES = Path(__file__).parent / "fixtures" / "sites"
TITLE = "Chủ tịch Tổng Liên đoàn phát biểu tại Đại hội Công đoàn Việt Nam lần thứ XIII"
WORDS = ("công nhân", "đoàn viên", "người lao động", "tổ chức công đoàn", "doanh nghiệp", "thỏa ước",
         "tiền lương", "nhà ở", "an toàn lao động", "phúc lợi", "đối thoại", "việc làm")


def sentence(i: int, length: int = 3) -> str:
    """A distinct Vietnamese paragraph number `i` (no two alike)."""
    words = [WORDS[(i + k) % len(WORDS)] for k in range(length)]
    return (f"Đoạn {i}: trong nhiệm kỳ tới, các cấp công đoàn tiếp tục chăm lo cho {', '.join(words)} "
            f"và thực hiện nhiệm vụ thứ {i} mà Đại hội đã đề ra cho toàn hệ thống.")


def paragraphs(n: int, start: int = 1) -> list[str]:
    return [sentence(i) for i in range(start, start + n)]


def html_p(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def extract(html: str, **kwargs):
    return extract_article(html.encode(), PAGE_URL, fetched_at="2025-01-01T00:00:00Z", **kwargs)


def body_of(html: str) -> list[str]:
    return extract(html).record["body"].split("\n\n")


TEASER = ("Sáng 2/9, hàng nghìn đoàn viên công đoàn tại các khu công nghiệp đã tham gia chương trình "
          "Tết Sum vầy, nhận quà và giao lưu văn nghệ cùng lãnh đạo Liên đoàn Lao động thành phố; "
          "ban tổ chức cho biết năm nay có thêm 500 suất quà dành cho công nhân có hoàn cảnh khó khăn.")


@pytest.mark.parametrize("wrapper", ["article-related", "news-box"])
def test_a_related_teaser_with_a_body_class_loses_to_the_real_article(wrapper):
    """dantri: a 276-character teaser in div.article-content beat the <article> holding
    a 34-paragraph speech (the first matching selector won)."""
    assert 250 <= len(TEASER) <= 300
    speech = paragraphs(34)
    html = (f"<html><head><title>{TITLE}</title></head><body><main class='body-container'>"
            f"<article class='singular-container'><h1 class='title-page detail'>{TITLE}</h1>"
            "<div class='author-wrap'><time datetime='2023-12-02T08:00:00+07:00'>02/12/2023 08:00</time></div>"
            f"<div class='singular-content'>{html_p(speech)}</div></article>"
            f"<div class='{wrapper}'><article class='article-item'><div class='article-thumb'><a href='/x'>"
            "<img src='/x.jpg'></a></div><div class='article-content'><h3 class='article-title'>"
            f"<a href='/x'>Tết Sum vầy cho công nhân</a></h3><div class='article-excerpt'>{TEASER}</div></div>"
            "</article></div></main></body></html>")
    got = body_of(html)
    assert got == speech
    assert TEASER not in "\n".join(got)


@pytest.mark.parametrize("comment_class", ["comment-body", ""])
def test_a_reader_comment_in_article_does_not_win_over_the_body_outside_article(comment_class):
    story = paragraphs(6)
    comment = ("Tôi là công nhân ở khu công nghiệp Quang Minh, đọc bài này tôi rất xúc động vì công đoàn đã "
               "quan tâm đến đời sống của anh chị em chúng tôi, mong rằng năm tới sẽ có thêm nhiều chương "
               "trình hỗ trợ nhà ở và học bổng cho con công nhân, nhất là những gia đình ở trọ xa quê. "
               "Xin cảm ơn ban biên tập và các cán bộ công đoàn cơ sở đã luôn đồng hành cùng người lao động.")
    html = (f"<html><body><div id='wrapper'><div class='main-col'>"
            f"<div class='crumbs'><a href='/'>Trang chủ</a> » <a href='/tin'>Tin tức</a></div>"
            f"<h1 class='post-title'>{TITLE}</h1><div class='post-meta'>12/03/2024 09:15</div>"
            f"<div class='post-text'>{html_p(story)}</div>"
            "<h3>Ý kiến bạn đọc</h3><ol class='list'><li>"
            f"<article class='{comment_class}'><div class='who'>Nguyễn Văn Nam</div><p>{comment}</p></article>"
            "</li></ol></div></div></body></html>")
    got = body_of(html)
    assert got == story
    assert "Quang Minh" not in "\n".join(got)


def test_layout_class_words_on_body_and_the_headline_wrapper_are_not_boilerplate():
    """div.l-sidebar-fixed held the whole article, <body class="… menu-open">: pruning
    deleted the article with them."""
    story = paragraphs(5)
    html = (f"<html><body class='single menu-open'><div class='l-sidebar-fixed'>"
            f"<div class='l-main'><h1>{TITLE}</h1><div class='time'>10:20 05/06/2024</div>"
            f"<div class='detail__body'>{html_p(story)}</div></div>"
            "<div class='l-sidebar'><div class='box-hot'><a href='/a'>Tin một rất đáng đọc hôm nay</a>"
            "<a href='/b'>Tin hai cũng rất đáng đọc hôm nay</a></div></div>"
            "</div></body></html>")
    assert body_of(html) == story


def test_a_noise_word_on_a_wrapper_of_most_of_the_text_does_not_prune_it():
    story = paragraphs(5)
    html = (f"<html><body><h1>{TITLE}</h1><div class='entry-content'>"
            f"<div class='content-share-wrap'>{html_p(story)}</div>"
            "<div class='share-bar'><a href='#'>Facebook</a> <a href='#'>Zalo</a></div></div></body></html>")
    assert body_of(html) == story


ELEMENTOR = """<html><head><title>{title} – LĐLĐ tỉnh Quảng Ninh</title></head>
<body class="post-template-default single single-post elementor-default elementor-template-full-width elementor-kit-6">
<div data-elementor-type="header" class="elementor elementor-12 elementor-location-header">
 <div class="elementor-element elementor-widget elementor-widget-nav-menu"><div class="elementor-widget-container">
  <nav><ul class="elementor-nav-menu"><li><a href="/">Trang chủ</a></li><li><a href="/tin">Tin tức</a></li></ul></nav>
 </div></div>
</div>
<div data-elementor-type="single-post" class="elementor elementor-120 elementor-location-single post-5124 post type-post">
 <section class="elementor-section elementor-top-section elementor-element elementor-element-3a1 elementor-section-boxed">
  <div class="elementor-container elementor-column-gap-default">
   <div class="elementor-column elementor-col-66 elementor-top-column elementor-element elementor-element-7b2">
    <div class="elementor-widget-wrap elementor-element-populated">
     <div class="elementor-element elementor-widget elementor-widget-theme-post-title elementor-page-title elementor-widget-heading">
      <div class="elementor-widget-container"><h1 class="elementor-heading-title elementor-size-default">{title}</h1></div></div>
     <div class="elementor-element elementor-widget elementor-widget-post-info"><div class="elementor-widget-container">
      <ul class="elementor-inline-items elementor-icon-list-items elementor-post-info">
       <li><span class="elementor-post-info__item elementor-post-info__item--type-date">12/03/2024</span></li></ul></div></div>
     <div class="elementor-element elementor-widget elementor-widget-theme-post-content" data-widget_type="theme-post-content.default">
      <div class="elementor-widget-container">{body}</div></div>
     <div class="elementor-element elementor-widget elementor-widget-post-comments"><div class="elementor-widget-container">
      <div id="comments"><p>Bạn đọc Trần Văn Hùng: chương trình rất ý nghĩa với công nhân ở xa quê như chúng tôi.</p></div></div></div>
    </div>
   </div>
   <div class="elementor-column elementor-col-33 elementor-top-column elementor-element elementor-element-9c4">
    <div class="elementor-widget-wrap elementor-element-populated">
     <div class="elementor-element elementor-widget elementor-widget-sidebar"><div class="elementor-widget-container">
      <h5>Tin mới</h5><ul><li><a href="/1">Trao 200 suất quà cho công nhân vùng than dịp Tết</a></li>
      <li><a href="/2">Hội nghị Ban Chấp hành Liên đoàn Lao động tỉnh lần thứ 12</a></li></ul></div></div>
    </div>
   </div>
  </div>
 </section>
</div>
</body></html>"""


def test_an_elementor_article_is_not_empty():
    """Every elementor-widget* element was removed before trafilatura saw the page."""
    story = paragraphs(6)
    result = extract(ELEMENTOR.format(title=TITLE, body=html_p(story)))
    assert result.record["body"].split("\n\n") == story
    assert result.field_sources["body"] == "generic:container"


def test_wpbakery_and_gutenberg_wrappers_are_layout():
    story = paragraphs(4)
    more = paragraphs(3, start=10)
    html = (f"<html><body><div class='vc_row wpb_row vc_row-fluid'><div class='wpb_column vc_column_container vc_col-sm-8'>"
            f"<div class='vc_column-inner'><div class='wpb_wrapper'><h1>{TITLE}</h1>"
            f"<div class='wpb_text_column wpb_content_element'><div class='wpb_wrapper'>{html_p(story)}</div></div>"
            f"<div class='wp-block-group'><div class='wp-block-group__inner-container'>{html_p(more)}</div></div>"
            "</div></div></div><div class='wpb_column vc_column_container vc_col-sm-4'><div class='wpb_wrapper'>"
            "<ul class='wp-block-latest-posts__list wp-block-latest-posts'><li><a href='/1'>Bài mới một về công đoàn</a></li>"
            "<li><a href='/2'>Bài mới hai về công đoàn cơ sở</a></li></ul></div></div></div></body></html>")
    assert body_of(html) == story + more


def test_page_builder_classes_only_name_their_widget():
    def tokens(cls):
        return class_tokens(etree.fromstring(f'<div class="{cls}"/>'))
    assert not tokens("elementor-widget elementor-widget-text-editor") & {"widget"}
    assert {"comments", "postcomments"} <= tokens("elementor-widget-post-comments")
    assert "sidebar" in tokens("elementor-widget-sidebar")
    assert "tinlienquan" in tokens("box-tin-lien-quan") and "binhluan" in tokens("binh-luan")


@pytest.mark.parametrize("html_path", sorted((SITE_FIXTURES / "congdoanquangninh").glob("*.html")),
                         ids=lambda p: p.stem)
def test_the_quang_ninh_elementor_site_read_without_its_selectors(html_path):
    expected = json.loads(html_path.with_suffix(".json").read_text("utf-8"))
    result = extract_article(html_path.read_bytes(), expected["url"], http_charset=expected.get("_http_charset"))
    assert result.record["body"] == expected["body"]
    assert result.field_sources["body"].startswith("generic:")


# -- the trafilatura check -------------------------------------------------------------------

def test_choose_rule():
    article = paragraphs(10)
    assert choose([], article) == "trafilatura"
    assert choose(article, []) == "container"
    assert choose(article[:8], article) == "container"            # ours is the cleaner subset
    assert choose(article, article + paragraphs(3, start=40)) == "container"
    assert choose(article[:2], article) == "trafilatura"           # ours is a fragment
    other = [f"Giá vàng hôm nay {i} tăng mạnh theo thị trường thế giới, nhà đầu tư chốt lời." for i in range(4)]
    assert choose(other, article) == "trafilatura"                 # different text, not much shorter
    assert choose(article, other[:1]) == "container"               # different text, theirs a fraction


@pytest.fixture
def trafilatura_calls(monkeypatch):
    calls = []

    def fake(html, url):
        calls.append(url)
        return fake.result

    fake.result = []
    monkeypatch.setattr(body_module, "trafilatura_paragraphs", fake)
    return calls, fake


def test_a_confident_container_does_not_run_trafilatura(trafilatura_calls):
    calls, _ = trafilatura_calls
    story = paragraphs(8)
    result = extract(f"<html><body><h1>{TITLE}</h1><div class='noidung'>{html_p(story)}</div></body></html>")
    assert result.record["body"].split("\n\n") == story and not calls
    assert result.field_sources["body"] == "generic:container"


def test_trafilatura_wins_when_ours_is_a_fragment_of_what_it_found(trafilatura_calls):
    calls, fake = trafilatura_calls
    article = paragraphs(12)
    fake.result = article
    # Ours finds only the lead (the rest is in a layout we cannot score: short spans).
    html = (f"<html><body><h1>{TITLE}</h1><div class='lead-box'><p>{article[0]}</p></div>"
            + "".join(f"<span>{t[:25]}</span><br>" for t in article[1:]) + "</body></html>")
    result = extract(html)
    assert calls and result.field_sources["body"] == "generic:trafilatura"
    # (the lead became the summary, and the body does not repeat it)
    assert result.record["body"].split("\n\n") == [p for p in article if p != result.record["summary"]]


def test_no_trafilatura_when_the_site_gave_the_body(trafilatura_calls):
    calls, _ = trafilatura_calls
    site = builtin_sites()["congdoanquangninh"]
    html_path = sorted((SITE_FIXTURES / "congdoanquangninh").glob("*.html"))[0]
    expected = json.loads(html_path.with_suffix(".json").read_text("utf-8"))
    result = extract_article(html_path.read_bytes(), expected["url"], site=site,
                             http_charset=expected.get("_http_charset"))
    assert result.field_sources["body"] == "site" and not calls


def test_json_ld_article_body_is_recorded_as_such():
    text = "\n".join(paragraphs(5))
    html = ("<html><head><script type='application/ld+json'>"
            + json.dumps({"@type": "NewsArticle", "headline": TITLE, "articleBody": text}, ensure_ascii=False)
            + f"</script></head><body><div id='app'><h1>{TITLE}</h1></div></body></html>")
    result = extract(html)
    assert result.field_sources["body"] == "generic:json-ld"
    assert result.record["body"].split("\n\n") == paragraphs(5)


# --- related links, sign-offs, metadata lines inside the body (issue 17) ----------------

def _article(inner: str) -> str:
    return (f"<html><head><title>{TITLE}</title></head><body><div class='wrap'><article>"
            f"<h1>{TITLE}</h1><div class='story'>{inner}</div></article>"
            "<div class='side'><ul><li><a href='/x'>Tin khác một</a></li><li><a href='/y'>Tin khác hai</a></li></ul></div>"
            "</div></body></html>")


@pytest.mark.parametrize("related", [
    "<div class='inline-box'><span>Lesen Sie auch</span> <a href='/a'>Gewerkschaft fordert mehr Lohn für Pflegekräfte</a></div>",
    "<p><strong>Đọc thêm:</strong> <a href='/b'>Công đoàn tỉnh trao 500 suất quà Tết cho công nhân khó khăn</a></p>",
    "<p><a href='/c'>Hàng nghìn công nhân được hỗ trợ tiền thuê nhà trong đợt dịch vừa qua</a></p>",
    "<aside-like class='x'><p>Read more: <a href='/d'>Union ballot opens at nine hospital trusts</a></p></aside-like>",
])
def test_an_inline_related_link_paragraph_is_not_body(related):
    texts = paragraphs(6)
    got = body_of(_article(html_p(texts[:3]) + related + html_p(texts[3:])))
    assert got == texts


def test_a_paragraph_with_some_links_stays():
    texts = paragraphs(4)
    linked = ("Theo <a href='/luat'>Bộ luật Lao động 2019</a>, người sử dụng lao động phải đối thoại định kỳ "
              "với tập thể người lao động ít nhất một lần mỗi năm tại nơi làm việc.")
    got = body_of(_article(html_p(texts[:2]) + f"<p>{linked}</p>" + html_p(texts[2:])))
    assert "Bộ luật Lao động 2019" in " ".join(got) and len(got) == 5


@pytest.mark.parametrize("tail", [
    "<p class='credit'>Reporting by Tom Hale and Ana Ruiz; Editing by Mark Potter</p>",
    "<p>Additional reporting by Li Wei in Beijing</p>",
    "<p><em>mit Material von AFP und dpa</em></p>",
    "<p>(avec AFP)</p>",
    "<div class='trust'><a href='/trust'>Our Standards: The Trust Principles.</a></div>",
])
def test_wire_sign_offs_and_agency_credits_leave_the_body(tail):
    texts = paragraphs(5)
    assert body_of(_article(html_p(texts) + tail)) == texts


@pytest.mark.parametrize("label", ["Publicité", "Anzeige", "Advertisement", "Quảng cáo"])
def test_ad_slot_labels_leave_the_body(label):
    texts = paragraphs(5)
    assert body_of(_article(html_p(texts[:2]) + f"<div class='slot'><span>{label}</span></div>"
                            + html_p(texts[2:]))) == texts


def test_a_short_last_paragraph_with_figures_in_brackets_is_not_a_byline():
    texts = paragraphs(4) + ["Đảo Phú Quốc (thứ 2 với 96,5 điểm)"]
    assert body_of(_article(html_p(texts))) == texts


def test_byline_block_named_in_data_attributes_and_time_lines_leave_the_body():
    texts = paragraphs(5)
    inner = ("<div data-component='byline-block'><div>By Jane Roe</div><div>Labour correspondent</div></div>"
             "<div class='meta-x'><time datetime='2024-05-02'>2 May 2024</time></div>" + html_p(texts))
    assert body_of(_article(inner)) == texts


def test_article_info_lines_under_the_headline_leave_the_body():
    texts = paragraphs(5)
    html = (f"<html><head><title>{TITLE}</title></head><body><div class='item-page'><h2>{TITLE}</h2>"
            "<dl class='article-info'><dt>Chi tiết</dt><dd>Danh mục: <a href='/c'>Tin tức</a></dd>"
            "<dd>Đăng lúc 8 giờ sáng</dd></dl>" + html_p(texts) + "</div></body></html>")
    assert body_of(html) == texts


def test_a_page_wrapping_form_is_walked_but_a_comment_form_is_not():
    texts = paragraphs(6)
    html = (f"<html><head><title>{TITLE}</title></head><body><form id='Form' method='post'>"
            f"<div class='content'><h2 class='title'>{TITLE}</h2>{html_p(texts)}</div>"
            "<form class='reply'><p>Viết bình luận của bạn tại đây, nội dung sẽ được kiểm duyệt trước khi đăng.</p>"
            "<textarea></textarea></form></form></body></html>")
    result = extract(html)
    assert result.record["body"].split("\n\n") == texts
    assert result.field_sources["body"] == "generic:container"
