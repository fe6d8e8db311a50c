"""Tests for crawler.extract.dates: every date format seen on the union sites."""

import pytest

from crawler.extract.dates import parse_vn_datetime

CASES = [
    ("15:51 | 09/08/2021", "2021-08-09T15:51:00+07:00"),
    ("(15:51 | 09/08/2021)", "2021-08-09T15:51:00+07:00"),
    ("12:18 28/09/2021", "2021-09-28T12:18:00+07:00"),
    ("22/09/2022 17:45", "2022-09-22T17:45:00+07:00"),
    ("09/12/2023 - 15:21", "2023-12-09T15:21:00+07:00"),
    ("Thứ bảy 09/12/2023 15:21", "2023-12-09T15:21:00+07:00"),
    ("Thứ hai, 28/9/2021, 12:18 (GMT+7)", "2021-09-28T12:18:00+07:00"),
    ("Thứ hai, 28/9/2021, 12:18 (GMT+9)", "2021-09-28T10:18:00+07:00"),
    ("18.04.2014", "2014-04-18"),
    ("Theo kiengiang.gov.vn | 18.04.2014", "2014-04-18"),
    ("Cập nhật: 10:00 08/11/2020", "2020-11-08T10:00:00+07:00"),
    ("Cập nhật: 08/11/2020", "2020-11-08"),
    ("Cập nhật lúc 03:36 ngày 10/10/2015", "2015-10-10T03:36:00+07:00"),
    ("Ngày 28 tháng 9 năm 2021", "2021-09-28"),
    ("ngày 5 tháng 11 năm 2020 lúc 08:05", "2020-11-05T08:05:00+07:00"),
    ("1-12-2020", "2020-12-01"),
    ("9:30 CH 01/05/2022", "2022-05-01T21:30:00+07:00"),
    ("2021-08-09T15:51:00+07:00", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09T08:51:00Z", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09T10:51:00+02:00", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09T15:51:00.123+0700", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09T15:51:00", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09 15:51", "2021-08-09T15:51:00+07:00"),
    ("2021-08-09", "2021-08-09"),
    ("\u00a012:18\u00a028/09/2021\u00a0", "2021-09-28T12:18:00+07:00"),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_formats(text, expected):
    assert parse_vn_datetime(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("10:00 08/11/2020", "2020-11-08T10:00:00+07:00"),   # not 11 August
    ("03/04/2021", "2021-04-03"),
    ("12/01/2022 09:00", "2022-01-12T09:00:00+07:00"),
])
def test_day_first(text, expected):
    assert parse_vn_datetime(text) == expected


@pytest.mark.parametrize("text", [
    "31/02/2021", "30.02.2020", "00/01/2021", "15/13/2021", "tháng năm", "Tháng Năm rực rỡ",
    "ngày tháng năm", "", None, "Số lần đọc: 1390", "29/02/2021",
])
def test_rejects(text):
    assert parse_vn_datetime(text) is None


def test_impossible_first_date_skipped_for_next_valid():
    assert parse_vn_datetime("31/02/2021 hoặc 01/03/2021") == "2021-03-01"


def test_impossible_time_keeps_valid_date():
    assert parse_vn_datetime("25:00 01/05/2022") == "2022-05-01"


def test_first_date_in_text_wins():
    assert parse_vn_datetime("Đăng 09/08/2021 15:51 - Cập nhật 10/08/2021 08:00") == "2021-08-09T15:51:00+07:00"


def test_other_default_tz():
    assert parse_vn_datetime("2021-08-09T08:51:00Z", default_tz="+00:00") == "2021-08-09T08:51:00+00:00"


def test_leap_day():
    assert parse_vn_datetime("29/02/2024") == "2024-02-29"


# --- issue 17: 12-hour Vietnamese times, labels, and the header date on real layouts ---

@pytest.mark.parametrize("text,expected", [
    ("Cập nhật ngày: 03/11/2020 6:01:53 CH", "2020-11-03T18:01:53+07:00"),
    ("Cập nhật ngày: 03/11/2020 6:01:53 SA", "2020-11-03T06:01:53+07:00"),
    ("03/11/2020 12:05:09 SA", "2020-11-03T00:05:09+07:00"),   # 12:xx SA = 00:xx
    ("03/11/2020 12:05 CH", "2020-11-03T12:05:00+07:00"),      # 12:xx CH = 12:xx
    ("03/11/2020 18:01 CH", "2020-11-03T18:01:00+07:00"),      # 24-hour hour kept
    ("Ngày đăng: 03/11/2020 09:15:30", "2020-11-03T09:15:30+07:00"),
    ("Đăng lúc 8:30 sáng 03/11/2020", "2020-11-03T08:30:00+07:00"),
    ("Đăng lúc: 7:15 tối, 03/11/2020", "2020-11-03T19:15:00+07:00"),
    ("03/11/2020 3:20 chiều", "2020-11-03T15:20:00+07:00"),
    ("03/11/2020 lúc 8 giờ 30 phút tối", "2020-11-03T20:30:00+07:00"),
    ("1:05 trưa 03/11/2020", "2020-11-03T13:05:00+07:00"),
    ("10 giờ 15 đêm 03/11/2020", "2020-11-03T22:15:00+07:00"),
    ("Thứ Ba, 03/11/2020 - 6:01 PM", "2020-11-03T18:01:00+07:00"),
    ("09.12.2023", "2023-12-09"),
    ("Ngày đăng: 09.12.2023", "2023-12-09"),
])
def test_twelve_hour_times_and_labels(text, expected):
    assert parse_vn_datetime(text) == expected


def test_day_part_word_must_be_whole():
    # "sau" (after) is not "sa"; "CHỦ" is not "CH"
    assert parse_vn_datetime("03/11/2020 6:01 sau đó") == "2020-11-03T06:01:00+07:00"


@pytest.mark.parametrize("line", [
    "Cập nhật ngày: 03/11/2020 6:01:53 CH", "Ngày đăng: 09.12.2023 - 8 giờ 30 sáng", "Đăng lúc 7:15 tối, 03/11/2020",
])
def test_labelled_twelve_hour_lines_are_date_lines(line):
    from crawler.extract.blocks import is_date_line
    assert is_date_line(line)


def _vn_cp1258(text: str) -> bytes:
    """windows-1258 bytes as legacy sites write them: base letter + combining tone mark."""
    import unicodedata
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        shape = unicodedata.normalize("NFC", d[0] + "".join(c for c in d[1:] if c not in tones))
        out += (shape + "".join(c for c in d[1:] if c in tones)).encode("cp1258")
    return bytes(out)


HEADLINE = "Công đoàn tỉnh tổ chức hội nghị tổng kết công tác năm 2020"
BODY = ("<p>Sáng ngày 3/11, Công đoàn tỉnh đã tổ chức hội nghị tổng kết công tác công đoàn năm 2020 và triển khai "
        "nhiệm vụ năm 2021 với sự tham dự của đông đảo đại biểu đến từ các cấp công đoàn cơ sở.</p>"
        "<p>Phát biểu tại hội nghị, đồng chí Chủ tịch Liên đoàn Lao động tỉnh ghi nhận những kết quả đạt được "
        "trong năm qua, đặc biệt trong công tác chăm lo đời sống cho đoàn viên, người lao động.</p>")
# A legacy "news list" box with no sidebar class: each date in its own element.
SIDEBAR = ("<b>Tin đã đăng</b><br><a href='/a1'>Hội nghị ban chấp hành lần thứ 5 khóa XI</a> "
           "<span class='date'>(24/01/2021)</span><br><a href='/a2'>Trao quà Tết cho công nhân lao động khó khăn</a> "
           "<span class='date'>(20/01/2021)</span>")


def _date(html, url="https://ldld.example.gov.vn/tin-tuc/ctl/detail/id/123"):
    from crawler.extract import extract_article
    raw = html if isinstance(html, bytes) else html.encode("utf-8")
    return extract_article(raw, url).record["published_at"]


def test_legacy_aspnet_update_line_beats_sidebar_date():
    """The failing case: 'Cập nhật ngày: 03/11/2020 6:01:53 CH' missed, the sidebar's 24/01/2021 taken."""
    html = (f"<html><head><meta charset='utf-8'><title>{HEADLINE}</title></head><body><form id='Form'>"
            "<div id='dnn_HeaderPane'><h1>Liên đoàn Lao động tỉnh ABC</h1></div>"
            f"<table><tr><td id='dnn_LeftPane'>{SIDEBAR}</td><td id='dnn_ContentPane'>"
            f"<span id='dnn_ctr456_lblTitle' class='NewsTitle'>{HEADLINE}</span><br>"
            "<span id='dnn_ctr456_lblDate' class='NewsDate'>Cập nhật ngày: 03/11/2020 6:01:53 CH</span>"
            f"<div id='dnn_ctr456_lblContent'>{BODY}</div></td></tr></table></form></body></html>")
    assert _date(html) == "2020-11-03T18:01:53+07:00"


@pytest.mark.parametrize("date_html,expected", [
    ("<div class='ngay'>Ngày đăng: 03/11/2020 12:15:00 SA</div>", "2020-11-03T00:15:00+07:00"),
    ("<p><i>Đăng lúc 7:15 tối, 03/11/2020</i></p>", "2020-11-03T19:15:00+07:00"),
    ("<td align='right'><font size='1'>(03/11/2020 6:01 CH)</font></td>", "2020-11-03T18:01:00+07:00"),
])
def test_header_date_variants_beside_the_headline(date_html, expected):
    html = (f"<html><head><meta charset='utf-8'><title>{HEADLINE}</title></head><body>"
            f"<table><tr><td class='col-a'>{SIDEBAR}</td><td class='col-b'><table><tr>"
            f"<td><b>{HEADLINE}</b></td></tr><tr>{date_html if date_html.startswith('<td') else '<td>' + date_html + '</td>'}"
            f"</tr><tr><td>{BODY}</td></tr></table></td></tr></table></body></html>")
    assert _date(html) == expected


def test_lone_dotted_date_under_title_windows_1258():
    """A site-name <h1> in the header and a 'Tin mới' box before the article: the dotted
    date under the real title is the article's."""
    html = (f"<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1258'>"
            f"<title>{HEADLINE} - Liên đoàn Lao động tỉnh Tiền Giang</title></head><body>"
            "<div id='header'><h1>Liên đoàn Lao động tỉnh Tiền Giang</h1></div>"
            "<div class='col-left'><div class='box-title'>Tin mới</div>"
            "<div class='item'><a href='/t1.asp'>Hội nghị sơ kết công tác công đoàn 6 tháng</a><br>05.01.2024</div></div>"
            f"<div class='col-right'><div class='tieude'>{HEADLINE}</div><div class='ngay'>09.12.2023</div>"
            f"<div class='noidung'>{BODY}</div></div></body></html>")
    raw = _vn_cp1258(html)
    assert b"\xec" in raw or b"\xf2" in raw  # really combining tone marks
    assert _date(raw) == "2023-12-09"


def test_only_teaser_dates_means_no_date():
    html = (f"<html><head><meta charset='utf-8'><title>{HEADLINE}</title></head><body>"
            f"<div class='detail'><h2>{HEADLINE}</h2>{BODY}</div>"
            "<div class='box'><ul><li><a href='/a1'>Hội nghị ban chấp hành lần thứ 5 khóa XI</a> <em>24/01/2021</em></li>"
            "<li><a href='/a2'>Trao quà Tết cho công nhân lao động khó khăn</a> <em>20/01/2021</em></li></ul></div>"
            "</body></html>")
    assert _date(html) is None


def test_teaser_right_after_title_is_skipped_for_the_real_date():
    html = (f"<html><head><meta charset='utf-8'><title>{HEADLINE}</title></head><body>"
            f"<div class='detail'><h1>{HEADLINE}</h1>"
            "<div class='hot'><a href='/a1'>Hội nghị ban chấp hành lần thứ 5 khóa XI</a> <span>24/01/2021</span></div>"
            f"<div class='time'>Thứ Ba, 03/11/2020 - 6:01 CH</div>{BODY}</div></body></html>")
    assert _date(html) == "2020-11-03T18:01:00+07:00"


def test_date_in_article_meta_with_category_links_is_kept():
    # A meta line with links (category, author) is not a teaser list.
    html = (f"<html><head><meta charset='utf-8'><title>{HEADLINE}</title></head><body>"
            f"<article><h1>{HEADLINE}</h1><ul class='entry-meta'><li>03/11/2020 18:01</li>"
            "<li><a href='/c/tin-tuc'>Tin tức</a></li><li><a href='/author/a'>Phòng Tuyên giáo</a></li></ul>"
            f"{BODY}</article></body></html>")
    assert _date(html) == "2020-11-03T18:01:00+07:00"


def test_sidebar_class_on_the_column_holding_the_title_is_not_a_sidebar():
    # VnExpress: the article column is div.sidebar-1, the date line comes before the <h1>.
    html = (f"<html><head><meta charset='utf-8'><title>{HEADLINE} - VnExpress</title></head><body>"
            "<section class='page-detail'><div class='sidebar-1'><div class='header-content'>"
            "<span class='date'>Thứ ba, 3/11/2020, 18:01 (GMT+7)</span></div>"
            f"<h1 class='title-detail'>{HEADLINE}</h1><article class='fck_detail'>{BODY}</article></div>"
            "<div class='sidebar-2'><ul><li><a href='/a1'>Hội nghị ban chấp hành lần thứ 5 khóa XI</a>"
            "<span>24/01/2021</span></li></ul></div></section></body></html>")
    assert _date(html) == "2020-11-03T18:01:00+07:00"


# --- issue 17 item 4: month words, times beside weekdays, machine dates in the article ---

@pytest.mark.parametrize("text,expected", [
    ("Thứ sáu, 30 Tháng Tư, 2021", "2021-04-30"),
    ("Thứ ba, 4 tháng 5 năm 2021", "2021-05-04"),
    ("Đăng ngày 15 tháng Mười Hai, 2019 lúc 7:40 tối", "2019-12-15T19:40:00+07:00"),
    ("3 Tháng Mười Một, 2020", "2020-11-03"),
    ("3 Tháng Mười, 2020", "2020-10-03"),
    ("Tháng Giêng 6, 2022", "2022-01-06"),
    ("Ngày đăng: Thứ hai, 02 Tháng 3 2020 14:05", "2020-03-02T14:05:00+07:00"),
    ("Wednesday 7 February 2024 09:15", "2024-02-07T09:15:00+07:00"),
    ("Feb. 7, 2024 at 9:15 a.m. UTC", "2024-02-07T16:15:00+07:00"),
    ("March 3rd, 2023 11:00 PM GMT", "2023-03-04T06:00:00+07:00"),
    ("Publié le 7 février 2024 à 09h15", "2024-02-07T09:15:00+07:00"),
    ("07. Februar 2024, 09:15 Uhr", "2024-02-07T09:15:00+07:00"),
    ("09:15 Thứ tư, 07/02/2024", "2024-02-07T09:15:00+07:00"),
    ("21:40 - Chủ nhật, 7/2/2021", "2021-02-07T21:40:00+07:00"),
])
def test_month_words_and_time_around_weekday(text, expected):
    assert parse_vn_datetime(text) == expected


@pytest.mark.parametrize("text", [
    "tháng 10 2020", "Tháng Tư", "May 2024", "Tháng Mười Một rực rỡ", "12:57 PM", "31 Tháng Hai, 2021",
    "ngày 30 tháng năm",
])
def test_month_words_need_day_and_year(text):
    assert parse_vn_datetime(text) is None


@pytest.mark.parametrize("line", [
    "Ngày đăng: Thứ hai, 02 Tháng 3 2020 14:05", "Thứ ba, 4 tháng 5 năm 2021", "Feb. 7, 2024 at 9:15 a.m. UTC",
    "09:15 Thứ tư, 07/02/2024",
])
def test_word_month_lines_are_date_lines(line):
    from crawler.extract.blocks import is_date_line
    assert is_date_line(line)


ADVERSARIAL = [
    "1 " * 1000, "ngày " * 400, "1" * 2000, "thứ hai 1 " * 200, "Ngày đăng: Chủ nhật, " + "01 Tháng 11 " * 150,
    ": 1/" * 500, "12:30 " * 330, "1 tháng " * 250, "January 1, " * 180, "1.2." * 500, "chia sẻ " + "a" * 2000,
    "in bài | " * 220,
]


@pytest.mark.parametrize("line", ADVERSARIAL)
def test_date_regexes_are_linear(line):
    """Complexity, not speed: 4x the text may not take much more than 4x the time, and
    every adversarial line (ending in a character that makes matching fail) stays far
    under a second even at 8 kB."""
    import time
    from crawler.extract import rules

    def cost(text):
        start = time.perf_counter()
        rules.DATE_LINE_RE.match(text)
        parse_vn_datetime(text)
        for pattern in (*rules.BOILERPLATE_PATTERNS, *rules.CAPTION_PATTERNS, *rules.SOURCE_PATTERNS,
                        *rules.CUT_AT_PATTERNS, *rules.CUT_AT_PREFIX_PATTERNS):
            pattern.search(text)
        return time.perf_counter() - start

    small, large = line[:2000] + "x!", (line * 4)[:8000] + "x!"
    cost(small)
    t_small, t_large = min(cost(small) for _ in range(3)), min(cost(large) for _ in range(3))
    assert t_large < 0.5
    assert t_large < 16 * t_small + 0.05


def test_joomla_line_is_fast_and_dated():
    import time
    from crawler.extract.blocks import is_date_line
    line = "Ngày đăng: Chủ nhật, 01 Tháng 11 2020 06:58 Lượt xem: 211"
    start = time.perf_counter()
    is_date_line(line)
    assert time.perf_counter() - start < 0.1
    assert parse_vn_datetime(line) == "2020-11-01T06:58:00+07:00"


def _page(inner, head=""):
    return (f"<html><head><meta charset='utf-8'><title>{HEADLINE}</title>{head}</head><body>{inner}</body></html>")


def test_word_month_date_in_joomla_style_info_list():
    html = _page("<div class='content'><h2 class='contentheading'>" + HEADLINE + "</h2>"
                 "<div class='article-tools'><span class='createdate'>Thứ hai, 02 Tháng 3 2020 14:05</span>"
                 "<span class='hits'>Số lần đọc: 98</span></div>" + BODY + "</div>" + SIDEBAR)
    assert _date(html) == "2020-03-02T14:05:00+07:00"


def test_date_and_time_in_sibling_meta_items():
    html = _page(f"<div class='single'><h1>{HEADLINE}</h1><div class='post-meta'><span class='meta-date'>"
                 "<i class='icon'></i>07/02/2024</span><span class='sep'>·</span><span class='meta-time'>9:15 SA</span>"
                 f"<span class='meta-author'><a href='/u/1'>Ban biên tập</a></span></div>{BODY}</div>")
    assert _date(html) == "2024-02-07T09:15:00+07:00"


def test_day_only_text_takes_the_time_of_its_machine_value():
    html = _page(f"<article><h1>{HEADLINE}</h1><p class='meta'><time datetime='2024-02-07T21:03:00+07:00'>"
                 f"07/02/2024</time></p>{BODY}</article>")
    assert _date(html) == "2024-02-07T21:03:00+07:00"


def test_time_before_weekday_and_date():
    html = _page(f"<div class='journal-content-article'><h3 class='headline'>{HEADLINE}</h3>"
                 f"<span class='date'>21:40 - Chủ nhật, 7/2/2021</span>{BODY}</div>")
    assert _date(html) == "2021-02-07T21:40:00+07:00"


def test_abbr_published_title_in_post_footer():
    html = _page(f"<div class='blog-posts'><div class='post hentry'><h3 class='post-title'>{HEADLINE}</h3>"
                 f"<div class='post-body'>{BODY}</div><div class='post-footer'>lúc <a href='/p' rel='bookmark'>"
                 "<abbr class='published' title='2024-02-07T02:15:00Z'>09:15</abbr></a></div></div></div>")
    assert _date(html) == "2024-02-07T09:15:00+07:00"


def test_machine_date_in_entry_footer_not_in_comments():
    html = _page(f"<div id='main'><article class='post'><h1 class='entry-title'>{HEADLINE}</h1>"
                 f"<div class='entry-content'>{BODY}</div><footer class='entry-footer'>Đăng ngày "
                 "<a href='/p' rel='bookmark'><time datetime='2024-02-07T09:15:00+07:00'>07/02</time></a></footer>"
                 "<section class='comments-area'><article class='comment'><time datetime='2024-02-09T10:00:00+07:00'>"
                 "09/02/2024</time></article></section></article></div>")
    assert _date(html) == "2024-02-07T09:15:00+07:00"


def test_only_comment_machine_dates_means_no_date():
    html = _page(f"<article class='post'><h1>{HEADLINE}</h1>{BODY}<ol class='commentlist'><li>"
                 "<time datetime='2024-02-09T10:00:00+07:00'>09/02/2024</time></li></ol></article>")
    assert _date(html) is None


def test_site_header_today_date_is_never_the_article_date():
    html = _page("<div id='top'><div class='top-bar'><span class='ngay-hien-tai' id='lblToday'>Thứ tư, 07/02/2024</span>"
                 "</div></div><table><tr><td class='main'><div class='tieude'>" + HEADLINE + "</div>"
                 f"<div class='noidung'>{BODY}</div></td></tr></table>")
    assert _date(html) is None


def test_site_header_date_before_title_skipped_for_the_update_line():
    html = _page("<header class='site'><div class='date-time'>07/02/2024 10:00</div></header>"
                 f"<div class='detail'><span class='tieude'>{HEADLINE}</span>"
                 f"<span class='ngaycapnhat'>Cập nhật ngày: 03/11/2020 6:01:53 CH</span>{BODY}</div>")
    assert _date(html) == "2020-11-03T18:01:53+07:00"


def test_english_month_first_dateline():
    html = _page(f"<main><h1>{HEADLINE}</h1><div class='byline'>By <a href='/a'>Jo Bloggs</a>"
                 f"<span class='dateline'>February 7, 2024 9:15 AM GMT</span></div>{BODY}</main>")
    assert _date(html) == "2024-02-07T16:15:00+07:00"
