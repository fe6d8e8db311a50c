"""Titles and summaries of generic extraction (issue 17, items 3 and 5), on inline pages.

Titles: entities decoded repeatedly in every source; a heading that is the site's name
(og:site_name, the <title>'s site part, the logo/header region, a link to the home page)
is not the headline; site names stripped from <title> / og:title. Summaries: the in-page
lead, else a description that does not repeat the body; never cut mid-word.
"""

import json

import pytest

from crawler.extract import extract_article
from crawler.extract.generic import extract_generic
from crawler.extract.headline import decode_entities, split_title
from crawler.extract.summary import cut_to_whole_words, repeats_page, words

URL = "https://congdoan.example.vn/tin-tuc/bai-viet-1.html"
HEADLINE = "Công đoàn tỉnh tổ chức hội nghị tổng kết công tác năm 2020"
P1 = ("Sáng ngày 3/11, Công đoàn tỉnh đã tổ chức hội nghị tổng kết công tác công đoàn năm 2020 và triển khai "
      "nhiệm vụ năm 2021 với sự tham dự của đông đảo đại biểu đến từ các cấp công đoàn cơ sở trên địa bàn tỉnh.")
P2 = ("Phát biểu tại hội nghị, đồng chí Chủ tịch Liên đoàn Lao động tỉnh ghi nhận những kết quả đạt được trong "
      "năm qua, đặc biệt trong công tác chăm lo đời sống cho đoàn viên, người lao động.")
P3 = "Năm 2021, công đoàn tỉnh đặt mục tiêu phát triển thêm 5.000 đoàn viên mới tại các doanh nghiệp."
BODY = f"<p>{P1}</p><p>{P2}</p><p>{P3}</p>"


def page(head: str = "", body: str = "") -> str:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


def generic(html: str) -> dict:
    return extract_generic(html, URL)[0]


def ld(**fields) -> str:
    return ('<script type="application/ld+json">'
            + json.dumps({"@type": "NewsArticle", **fields}, ensure_ascii=False) + "</script>")


# --- entities -------------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("Ch&#237;nh s&#225;ch ti&#7873;n l&#432;&#417;ng", "Chính sách tiền lương"),
    ("Chi&amp;#7871;n d&amp;#7883;ch", "Chiến dịch"),            # tuoitre.vn: double-escaped
    ("Chi&amp;amp;#7871;n", "Chiến"),                             # triple
    ("AT&amp;T &amp; c&ocirc;ng &#x111;o&#xE0;n", "AT&T & công đoàn"),
    ("Không có thực thể", "Không có thực thể"),
    ("Lương &lt; 5 triệu", "Lương < 5 triệu"),
])
def test_decode_entities(raw, expected):
    assert decode_entities(raw) == expected


def test_json_ld_headline_entities_decoded():
    html = page(ld(headline="Ch&#237;nh s&#225;ch ti&#7873;n l&#432;&#417;ng m&#7899;i",
                   description="Chi&amp;#7871;n d&amp;#7883;ch tuy&#234;n truy&#7873;n"), BODY)
    out = generic(html)
    assert out["title"] == "Chính sách tiền lương mới"
    assert out["summary"] == "Chiến dịch tuyên truyền"


def test_json_ld_double_escaped_headline_tuoitre():
    html = page(ld(headline="Chi&amp;#7871;n s&amp;#297; c&amp;#244;ng &amp;#273;o&amp;#224;n"), BODY)
    assert generic(html)["title"] == "Chiến sĩ công đoàn"


def test_og_title_double_escaped_in_attribute():
    html = page('<meta property="og:title" content="Chi&amp;#7871;n d&amp;#7883;ch m&amp;#249;a h&amp;#232; xanh">',
                BODY)
    assert generic(html)["title"] == "Chiến dịch mùa hè xanh"


def test_title_tag_entities_and_suffix():
    html = page("<title>Chi&amp;#7871;n d&#7883;ch m&#249;a h&#232; xanh - Tuổi Trẻ Online</title>",
                "<div class='x'><span>Chiến dịch mùa hè xanh</span></div>" + BODY)
    assert generic(html)["title"] == "Chiến dịch mùa hè xanh"


# --- site-name headings ---------------------------------------------------------------

PORTAL = "Liên đoàn Lao động tỉnh Quảng Trị"


def dnn_page(*, title: str, h1: str = f"<h1>{PORTAL}</h1>", head_extra: str = "", header_cls="dnn_HeaderPane") -> str:
    return page(
        f"<title>{title}</title>{head_extra}",
        f"<form id='Form'><div id='{header_cls}'>{h1}<ul class='dnnmenu'><li><a href='/'>Trang chủ</a></li>"
        f"<li><a href='/tin'>Tin tức</a></li></ul></div>"
        f"<table><tr><td id='dnn_LeftPane'><b>Tin đã đăng</b><br>"
        f"<a href='/a1'>Hội nghị ban chấp hành lần thứ 5 khóa XI</a> (24/01/2021)<br>"
        f"<a href='/a2'>Trao quà Tết cho công nhân lao động khó khăn</a> (20/01/2021)</td>"
        f"<td id='dnn_ContentPane'><span id='dnn_ctr456_lblTitle' class='NewsTitle'>{HEADLINE}</span><br>"
        f"<span id='dnn_ctr456_lblDate' class='NewsDate'>Cập nhật ngày: 03/11/2020 6:01:53 CH</span>"
        f"<div id='dnn_ctr456_lblContent'>{BODY}</div></td></tr></table></form>")


def test_dnn_portal_h1_in_header_pane_is_not_the_headline():
    out = generic(dnn_page(title=HEADLINE))
    assert out["title"] == HEADLINE
    assert out["published_at"] == "2020-11-03T18:01:53+07:00"


def test_dnn_portal_h1_equal_to_og_site_name():
    # No header/logo marker: the og:site_name alone says the <h1> is the portal's name.
    out = generic(dnn_page(title=HEADLINE, header_cls="top_wrap_x1",
                           head_extra=f'<meta property="og:site_name" content="{PORTAL}">'))
    assert out["title"] == HEADLINE


def test_dnn_portal_h1_equal_to_title_suffix():
    out = generic(dnn_page(title=f"{HEADLINE} - {PORTAL}", header_cls="x1"))
    assert out["title"] == HEADLINE
    assert out["published_at"] == "2020-11-03T18:01:53+07:00"


def test_dnn_breadcrumb_title():
    out = generic(dnn_page(title=f"{PORTAL} > Tin tức > {HEADLINE}", header_cls="x1"))
    assert out["title"] == HEADLINE


@pytest.mark.parametrize("h1", [
    f"<div class='logo'><h1>{PORTAL}</h1></div>",
    f"<h1 class='site-title'><a href='/' rel='home'>{PORTAL}</a></h1>",
    f"<h1><a href='https://congdoan.example.vn/'>{PORTAL}</a></h1>",
    f"<header><h1>{PORTAL}</h1><nav><a href='/'>Trang chủ</a></nav></header>",
    f"<div id='banner'><h1><img src='logo.png' alt=''>{PORTAL}</h1></div>",
])
def test_site_heading_variants(h1):
    out = generic(dnn_page(title=HEADLINE, h1=h1, header_cls="x1"))
    assert out["title"] == HEADLINE


def test_og_title_that_is_the_site_name_is_skipped():
    html = page(f'<meta property="og:title" content="{PORTAL}"><meta property="og:site_name" content="{PORTAL}">'
                f"<title>{PORTAL}</title>", f"<div class='content'><h1>{HEADLINE}</h1>{BODY}</div>")
    assert generic(html)["title"] == HEADLINE


def test_page_of_only_site_names_has_no_title_rather_than_the_portal():
    html = page(f'<meta property="og:site_name" content="{PORTAL}"><title>{PORTAL}</title>',
                f"<div class='logo'><h1>{PORTAL}</h1></div>{BODY}")
    assert generic(html).get("title") != PORTAL


# The real headline must survive, whatever wraps it.
@pytest.mark.parametrize("body", [
    f"<article><header class='entry-header'><h1 class='entry-title'>{HEADLINE}</h1></header>{BODY}</article>",
    f"<div id='top'><div class='main-content'><h1>{HEADLINE}</h1>{BODY}</div></div>",
    f"<header id='masthead'><p class='site-title'><a href='/'>{PORTAL}</a></p></header><h1>{HEADLINE}</h1>{BODY}",
    f"<div class='header'><a href='/'><img src='logo.png'></a></div><div class='detail'><h1>{HEADLINE}</h1>{BODY}</div>",
    f"<div class='news-header'><h1><a href='/tin-tuc/bai-viet-1.html'>{HEADLINE}</a></h1></div>{BODY}",
    # a plain page header holding the headline the <title> names
    f"<header><h1>{HEADLINE}</h1><time datetime='2020-11-03T18:01'>03/11/2020</time></header>{BODY}",
    f"<div id='head'><h1>{HEADLINE}</h1></div>{BODY}",
    f"<div class='page-header'><h1>{HEADLINE}</h1></div>{BODY}",
])
def test_real_headline_kept(body):
    html = page(f"<title>{HEADLINE} | {PORTAL}</title>", body)
    assert generic(html)["title"] == HEADLINE


def test_site_h1_first_then_article_h1():
    html = page(f"<title>{HEADLINE}</title>",
                f"<div class='logo'><h1>{PORTAL}</h1></div><div class='detail'><h1>{HEADLINE}</h1>{BODY}</div>")
    assert generic(html)["title"] == HEADLINE


# --- site-name suffixes ---------------------------------------------------------------

@pytest.mark.parametrize("title,expected", [
    (f"{HEADLINE} - Tuổi Trẻ Online", HEADLINE),
    (f"{HEADLINE} | Báo Lao Động", HEADLINE),
    (f"Báo Lao Động | {HEADLINE}", HEADLINE),
    (f"{HEADLINE} - laodong.vn", HEADLINE),
    (f"{HEADLINE} – Cổng thông tin điện tử tỉnh Quảng Trị", HEADLINE),
    (f"{HEADLINE} - Liên đoàn Lao động tỉnh Bà Rịa - Vũng Tàu", HEADLINE),
    # a dash inside the headline is not a site separator
    ("Bà Rịa - Vũng Tàu: công nhân nhận quà Tết sớm", "Bà Rịa - Vũng Tàu: công nhân nhận quà Tết sớm"),
    ("Hà Tĩnh - Liên đoàn Lao động tỉnh trao quà Tết", "Hà Tĩnh - Liên đoàn Lao động tỉnh trao quà Tết"),
])
def test_split_title(title, expected):
    assert split_title(title, set()) == expected


def test_split_title_with_known_site_name():
    assert split_title(f"{HEADLINE} :: CĐ Cao su", {"cđ cao su"}) == HEADLINE
    assert split_title(f"CĐ Cao su » {HEADLINE}", {"cđ cao su"}) == HEADLINE


def test_title_suffix_stripped_using_the_heading_shown():
    html = page(f"<title>{HEADLINE} - CĐCS Ninh Thuận</title>", f"<div class='x'><b>{HEADLINE}</b></div>{BODY}")
    assert generic(html)["title"] == HEADLINE


# --- summaries ------------------------------------------------------------------------

def desc(text: str) -> str:
    return f'<meta name="description" content="{text}"><meta property="og:description" content="{text}">'


def test_meta_description_equal_to_first_paragraph_is_not_a_summary():
    record = extract_article(page(desc(P1), f"<article><h1>{HEADLINE}</h1>{BODY}</article>"), URL).record
    assert record["summary"] == ""
    assert record["body"].startswith(P1)


@pytest.mark.parametrize("cut", [
    P1[:160] + "...",                      # cut mid-word with an ellipsis
    P1[:160] + "…",
    P1[:157],                               # cut with no mark
    P1[:100].rsplit(" ", 1)[0],             # the start of the first paragraph
    (P1 + " " + P2)[:240] + "…",            # running into the second paragraph
    P1.upper(),                             # case and punctuation ignored
])
def test_meta_description_truncating_the_body_is_not_a_summary(cut):
    record = extract_article(page(desc(cut), f"<article><h1>{HEADLINE}</h1>{BODY}</article>"), URL).record
    assert record["summary"] == ""
    assert record["body"].startswith(P1)


def test_meta_description_that_is_a_real_summary_is_kept():
    text = "Hội nghị đánh giá một năm chăm lo cho đoàn viên và đặt mục tiêu cho năm 2021."
    out = generic(page(desc(text), f"<article><h1>{HEADLINE}</h1>{BODY}</article>"))
    assert out["summary"] == text


def test_in_page_lead_beats_meta_description():
    lead = "Công đoàn tỉnh vừa tổng kết một năm nhiều khó khăn vì dịch bệnh."
    out = generic(page(desc(P1[:150] + "..."),
                       f"<article><h1>{HEADLINE}</h1><h2 class='sapo'>{lead}</h2>{BODY}</article>"))
    assert out["summary"] == lead


@pytest.mark.parametrize("cls", ["article__sapo", "detail-summary", "chapeau", "news_lead"])
def test_in_page_lead_by_class_word(cls):
    lead = "Công đoàn tỉnh vừa tổng kết một năm nhiều khó khăn vì dịch bệnh."
    out = generic(page(desc(P1), f"<div class='detail'><h1>{HEADLINE}</h1><div class='{cls}'>{lead}</div>{BODY}</div>"))
    assert out["summary"] == lead


def test_lead_in_sidebar_is_not_the_summary():
    html = page("", f"<div class='detail'><h1>{HEADLINE}</h1>{BODY}</div>"
                    "<div class='sidebar'><p class='sapo'>Tóm tắt của một bài khác trong hộp bên cạnh trang.</p></div>")
    assert not generic(html).get("summary")


def test_truncated_summary_cut_at_a_whole_word():
    text = "Hội nghị đánh giá một năm chăm lo cho đoàn viên và đặt mục tiêu cho năm 20..."
    out = generic(page(desc(text), f"<article><h1>{HEADLINE}</h1>{BODY}</article>"))
    assert out["summary"] == "Hội nghị đánh giá một năm chăm lo cho đoàn viên và đặt mục tiêu cho năm…"


def test_untruncated_source_beats_a_truncated_one():
    whole = "Hội nghị đánh giá một năm chăm lo cho đoàn viên."
    html = page(ld(headline=HEADLINE, description="Hội nghị đánh giá một năm chăm lo cho đo…") + desc(whole),
                f"<article><h1>{HEADLINE}</h1>{BODY}</article>")
    assert generic(html)["summary"] == whole


@pytest.mark.parametrize("text,expected", [
    ("Một hai ba bố…", "Một hai ba…"),
    ("Một hai ba bốn....", "Một hai ba…"),
    ("Một hai, ba bốn.…", "Một hai, ba bốn.…"),
    ("Một hai, ba…", "Một hai…"),
    ("Một…", ""),
])
def test_cut_to_whole_words(text, expected):
    assert cut_to_whole_words(text) == expected


def test_repeats_page_starts_at_a_word():
    page_text = words("Hội nghị tổng kết công đoàn")
    assert repeats_page("tổng kết công đo…", page_text)
    assert not repeats_page("ổng kết", page_text)
    assert not repeats_page("Tổng kết năm", page_text)


@pytest.mark.parametrize("lead_html", [
    "<p class='description'>{t}</p>",          # VnExpress
    "<h2>{t}</h2>",
    "<div id='abstract_x'><strong>{t}</strong></div>",
])
def test_description_shown_as_a_lead_element_is_the_summary(lead_html):
    text = "Hà Nội - Hơn 2.000 công nhân khu công nghiệp Thăng Long nhận hỗ trợ tiền thuê nhà trong ba tháng."
    html = page(desc(text), f"<div class='col'><h1>{HEADLINE}</h1>{lead_html.format(t=text)}"
                            f"<article class='fck_detail'>{BODY}</article></div>")
    assert generic(html)["summary"] == text


# --- headline near the body when <h1> and <title> fail (issue 17, DNN) ---------------------

def _webforms_page(title_html: str, doc_title: str = "Cổng TTĐT Công đoàn ngành Y tế :: Hoạt động") -> str:
    """A WebForms-style portal: everything inside <form>, portal name as the <h1> in a top
    cell, a <title> naming the section, the headline in a title-marked element above the body."""
    menu = "".join(f"<li><a href='/tabid/{i}'>{name}</a></li>" for i, name in
                   enumerate(["Trang chủ", "Giới thiệu", "Hoạt động", "Văn bản", "Liên hệ"]))
    return page(f"<title>{doc_title}</title>", f"""
      <form id="aspnetForm" method="post" action="/Default.aspx">
        <div id="top"><div class="logo-area"><h1>CÔNG ĐOÀN NGÀNH Y TẾ</h1></div></div>
        <div class="MainMenu"><ul>{menu}</ul></div>
        <div id="dnn_ContentPane"><div class="ModuleContent">
          {title_html}
          <div class="NewsDate">Ngày 12/03/2021</div>
          <div class="NewsBody">{BODY}</div>
        </div></div>
        <div class="copyright">Bản quyền thuộc Công đoàn ngành Y tế</div>
      </form>""")


@pytest.mark.parametrize("title_html", [
    f'<h2 id="dnn_ctr812_NewsView_lblTitle" class="Head">{HEADLINE}</h2>',
    f'<div class="tieude_tin">{HEADLINE}</div>',
    f'<p><span style="font-size: 18px"><b>{HEADLINE}</b></span></p>',
    f'<h3>{HEADLINE}</h3>',
])
def test_headline_above_the_body_when_h1_is_the_portal_and_title_a_section(title_html):
    out = generic(_webforms_page(title_html))
    assert out["title"] == HEADLINE
    assert out["body"].split("\n\n") == [P1, P2, P3]  # portal name, menu, date, footer left out


def test_a_title_part_shown_only_in_the_menu_is_a_section_name():
    from parsel import Selector
    from crawler.extract.headline import is_section_name
    html = _webforms_page(f'<h2 class="Head">{HEADLINE}</h2>')
    root = Selector(text=html).root
    assert is_section_name(root, "Hoạt động")
    assert not is_section_name(root, HEADLINE)
    assert not is_section_name(root, "Không có trên trang")


def test_the_section_title_is_not_taken_when_no_headline_is_found():
    html = _webforms_page("")
    assert generic(html).get("title") != "Hoạt động"


def test_a_box_title_above_the_body_is_not_the_headline():
    html = _webforms_page(f'<div class="module-title">Tin mới cập nhật hôm nay</div><h2>{HEADLINE}</h2>')
    assert generic(html)["title"] == HEADLINE


# --- og:title against the visible headline ------------------------------------------

def test_visible_article_h1_beats_a_differing_social_og_title():
    html = page('<meta property="og:title" content="Hội nghị tổng kết">'
                f"<title>{HEADLINE} | Báo Công Đoàn</title>",
                f"<main><article><h1>{HEADLINE}</h1>{BODY}</article></main>")
    assert generic(html)["title"] == HEADLINE


def test_og_title_kept_when_the_h1_is_outside_the_article_or_ambiguous():
    og = "Công đoàn tỉnh tổng kết công tác năm 2020 và triển khai nhiệm vụ mới"
    # an h1 outside article scope (a page banner) does not override og:title
    html = page(f'<meta property="og:title" content="{og}">',
                f"<div class='banner-top'><h1>Chuyên mục thời sự nổi bật</h1></div><div>{BODY}</div>")
    assert generic(html)["title"] == og
    # two different article h1 (a listing of teasers): og:title stays
    html = page(f'<meta property="og:title" content="{og}">',
                f"<article><h1>Bài thứ nhất về công đoàn</h1>{BODY}</article>"
                f"<article><h1>Bài thứ hai về người lao động</h1><p>{P3}</p></article>")
    assert generic(html)["title"] == og


@pytest.mark.parametrize("og", ["Cổng thông tin điện tử tỉnh Quảng Ngãi", "Trang thông tin Công đoàn Viên chức"])
def test_site_like_og_title_is_not_the_headline_when_title_says_otherwise(og):
    html = page(f'<meta property="og:title" content="{og}"><title>{HEADLINE}</title>',
                f"<div class='news-detail'><div class='tit'>{HEADLINE}</div>{BODY}</div>")
    assert generic(html)["title"] == HEADLINE


def test_og_title_starting_like_a_site_name_is_kept_when_the_title_agrees():
    headline = "Báo cáo kết quả thực hiện Nghị quyết Đại hội Công đoàn tỉnh năm 2020"
    html = page(f'<meta property="og:title" content="{headline}"><title>{headline} - Công đoàn tỉnh</title>',
                f"<div>{BODY}</div>")
    assert generic(html)["title"] == headline


def test_a_title_shown_as_the_headline_link_is_not_a_section_name():
    # Joomla 3: <h2><a href="self">Headline</a></h2>, no <h1>, no og:title
    html = page(f"<title>{HEADLINE}</title>",
                f"<div class='menu'><a href='/'>Trang chủ</a></div><div class='item-page'>"
                f"<h2><a href='/tin-tuc/1-bai'>{HEADLINE}</a></h2>{BODY}</div>")
    assert generic(html)["title"] == HEADLINE


PARAGRAPHS = "".join(f"<p>Đoạn {n}: công đoàn cơ sở tổ chức hội nghị người lao động, bàn về tiền lương, "
                     f"thưởng Tết và điều kiện làm việc của công nhân trong khu công nghiệp.</p>" for n in range(6))


@pytest.mark.parametrize("hidden", ['class="sr-only"', 'class="screen-reader-text"', 'style="display: none"',
                                    "hidden"])
def test_a_heading_shown_to_screen_readers_only_is_not_the_headline(hidden):
    """Portals print the section's name as a visually hidden <h1> (and in the <title>); the
    article's headline is a smaller heading above the body, and the logo heading is the site."""
    html = page(head="<title>Thời sự | Cổng thông tin Công đoàn Ngành Giao thông</title>",
                body=f"""<header><div class="brand"><h1><a href="/">Cổng thông tin Công đoàn Ngành Giao thông</a></h1></div></header>
                <h1 {hidden}>Thời sự</h1>
                <div class="portlet-content"><h2 class="asset-title">Công nhân cầu đường nhận quà Tết sớm</h2>
                <div class="asset-body">{PARAGRAPHS}</div></div>""")
    assert generic(html)["title"] == "Công nhân cầu đường nhận quà Tết sớm"
