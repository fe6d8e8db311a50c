"""Ordered data for the Vietnamese-aware cleanup used by site and generic extraction.

Nothing here executes: these are the lists the extractors walk, so adding a new
boilerplate phrase or container class is a one-line change. Text patterns are
matched against one normalised paragraph (case-insensitive, whole line unless noted).
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# Block-level elements: each one starts and ends a paragraph.
BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "section", "article",
    "header", "main", "pre", "center", "address", "hr", "caption",
    # trafilatura's XML output, read with the same walker
    "doc", "head", "item", "list", "quote", "row", "cell",
})

# Line breaks: HTML <br> and trafilatura's <lb/>; two in a row split a paragraph.
BREAK_TAGS = frozenset({"br", "lb"})

# Removed with their content before paragraphs are built: never article text.
REMOVE_TAGS = [
    "script", "style", "noscript", "template", "form", "iframe", "button", "input", "select",
    "textarea", "svg", "canvas", "video", "audio", "object", "embed", "nav", "aside", "footer",
    "figure", "figcaption", "map", "dialog",
]

# class/id tokens (split on space, "_" and "-") marking boxes inside an article
# container that are not article text: inline related news, sharing, captions, tags.
NOISE_TOKENS = frozenset({
    "related", "relate", "relates", "lienquan", "tinlienquan", "tinkhac", "othernews", "share",
    "sharing", "social", "socials", "comment", "comments", "binhluan", "caption", "captions",
    "banner", "advert", "advertisement", "ads", "quangcao", "print", "tags", "tag", "keyword",
    "keywords", "tukhoa", "rating", "toolbar", "breadcrumb", "breadcrumbs", "widget", "sidebar",
    "sapo", "author", "tacgia", "byline", "source", "nguon", "datetime", "date", "time", "meta",
    "title", "viewcount", "view", "counter", "bottom", "sticky", "popup", "modal", "menu",
    "ad", "signoff", "readnext", "readalso",
    # info lines under a headline (Joomla's dl.article-info: category, date, hits)
    "articleinfo", "postinfo", "entryinfo", "iteminfo", "newsinfo",
})

# Regions of a page that carry other articles' titles and dates (sidebars, lists).
SIDEBAR_TAGS = frozenset({"aside", "nav", "footer"})
SIDEBAR_TOKENS = frozenset({
    "sidebar", "related", "relate", "lienquan", "tinlienquan", "tinkhac", "othernews", "other",
    "latest", "newest", "moinhat", "most", "popular", "xemnhieu", "widget", "footer", "menu",
    "list", "hot", "marquee", "ticker",
})

# An image table / paragraph is a caption holder when its text is at most this long.
MAX_CAPTION_CHARS = 300
# A short block set wholly in these tags right after an image-only block is its caption
# ("<p><img></p><p><em>Quang cảnh hội nghị.</em></p>").
CAPTION_STYLE_TAGS = ("em", "i")

# Link lists inside an article (inline "Tin liên quan" boxes, embedded latest-posts
# blocks): a block with at least MIN_LIST_LINKS links whose link text is at least
# MIN_LINK_DENSITY of its text. A cut heading just before such a list goes with it.
LINK_LIST_TAGS = frozenset({"ul", "ol", "dl", "div", "table", "section", "p", "center"})
MIN_LIST_LINKS = 2
MIN_LINK_DENSITY = 0.5
# A short block that is (nearly) all link text is an inline related link ("Lire aussi :
# <a>…</a>", "<p><a>Our Standards: …</a></p>"), whatever its wording.
LINK_PARAGRAPH_SHARE = 0.8
MAX_LINK_PARAGRAPH_CHARS = 250

# Headings after which the rest of a body is other news: the body is cut there.
CUT_AT_PATTERNS = [
    re.compile(r"^(?:tin|bài|bài viết|các tin|các bài)\s+(?:liên quan|khác|cùng chuyên mục|cùng chủ đề|đã đưa)\s*:?$", _I),
    re.compile(r"^(?:có thể bạn quan tâm|bạn có thể quan tâm|xem thêm|nên xem|đọc thêm|đọc nhiều)\s*:?$", _I),
    re.compile(r"^(?:tin tức mới nhất|tin mới nhất|tin mới đăng|tin mới|tin nổi bật|tin xem nhiều|tin đọc nhiều)\s*:?$", _I),
    re.compile(r"^(?:từ khóa|từ khoá|tags?)\s*:.*$", _I),
    re.compile(r"^(?:thư viện ảnh|thư viện video|liên kết website|phiên bản di động)$", _I),
]

# A short paragraph starting with one of these is a related-news box flattened into
# one line ("Các tin khác Hội nghị … (20/09/2015)"): the body is cut there too.
CUT_AT_PREFIX_PATTERNS = [
    re.compile(r"^(?:các tin khác|tin khác|tin liên quan|bài viết liên quan|tin cùng chuyên mục|"
               r"tin tức mới nhất|tin mới đăng|tin mới nhất|có thể bạn quan tâm)\b", _I),
]
MAX_CUT_PREFIX_CHARS = 400

# Lines dropped wherever they sit: counters, sharing/comment/print widgets, navigation.
BOILERPLATE_PATTERNS = [
    re.compile(r"^(?:số lần đọc|số lượt xem|lượt xem|lượt đọc|lượt truy cập|đã xem)\s*:?\s*[\d.,\s]*$", _I),
    re.compile(r"^(?:chia sẻ(?: bài viết)?|share|bình luận|ý kiến bạn đọc|ý kiến|gửi ý kiến|gửi bình luận|in bài|in bài viết|"
               r"bản in|gửi bài|gửi email|lưu bài|lưu tin|phản hồi|về đầu trang|quay lại|trở về|"
               r"xem với cỡ chữ|cỡ chữ)\b[\s:()\d]*(?:(?:facebook|zalo|twitter|email|print|in|a+(?!a))[\s,|]*)*$", _I),
    re.compile(r"^(?:xem thêm|đọc thêm|>>)\s*:?\s*.{0,150}$", _I),
    # Inline related links in other languages: "Lire aussi : …", "Lesen Sie auch: …"
    re.compile(r"^(?:(?:à\s+)?lire aussi|lesen sie auch|mehr zum thema|lea también|leggi anche)\b.{0,150}$", _I),
    re.compile(r"^(?:voir aussi|read more|see also|related|read next|auch interessant|leer más|ver también)"
               r"\s*(?::|»|›|>|$).{0,150}$", _I),
    # Ad slot labels
    re.compile(r"^(?:publicité|anzeige|werbung|advertisement|advertising|sponsored|publicidad|pubblicità|quảng cáo)$", _I),
    # Wire sign-offs: "Reporting by …; Editing by …", "Our Standards: The … Trust Principles."
    re.compile(r"^\(?(?i:(?:additional\s+)?(?:reporting|writing|editing|compiled|research)\s+by)\s+[A-Z].{0,200}$"),
    re.compile(r"^our standards\s*:.{0,80}$", _I),
    re.compile(r"^(?:bản quyền|copyright|©).{0,200}$", _I),
    re.compile(r"^(?:facebook|zalo|twitter|email|tweet|like|print)(?:[\s,|]+(?:facebook|zalo|twitter|email|tweet|like|print))*$", _I),
    # Tool bars: "In bài | Gửi email | Về đầu trang", "[Trở về] [Đầu trang] [In trang]"
    # (separators only after each item: one class on both sides made every gap splittable)
    re.compile(r"^[\s|\[\]/·•-]*(?:(?:in bài(?: viết)?|in trang|bản in|gửi email|gửi bài|gửi cho bạn bè|"
               r"về đầu trang|đầu trang|trở về|quay lại|lưu bài|chia sẻ(?: bài viết)?|bình luận)[\s|\[\]/·•-]*){2,}$", _I),
]

# Photo captions / credits: "Ảnh: DT", "... chủ trì hội nghị. Ảnh: DT", "(Ảnh minh họa)".
CAPTION_PATTERNS = [
    re.compile(r"^\(?\s*(?:ảnh|nguồn ảnh|ảnh minh họa|ảnh minh hoạ|ảnh tư liệu)\s*(?::.{0,60})?\)?\.?$", _I),
    re.compile(r"^.{0,300}[.\s(]\s*(?:ảnh|nguồn ảnh)\s*:\s*[^.:;]{1,40}\)?\.?$", _I),
    re.compile(r"^.{0,300}\(\s*(?:ảnh|nguồn)\s*:[^)]{1,60}\)$", _I),
]

# Attribution lines moved to `source` (only in the last paragraphs of a body).
SOURCE_PATTERNS = [
    re.compile(r"^nguồn\s*:\s*\S.{0,100}$", _I),
    # "Theo D.T - Baonghean.vn", "Theo kiengiang.gov.vn |", "Theo TTXVN" — short and not
    # a sentence ("Theo đó, ..." ends with punctuation and is long).
    re.compile(r"^theo\s+(?!đó\b|như\b|ông\b|bà\b)[^,;:!?]{1,80}?(?:\.vn|\.com|\.net|\.org|[|)]|[A-ZĐ]{2,})\s*\|?$"),
    re.compile(r"^\(?theo\s+(?!đó\b)[^,;:!?]{1,60}\)?$", _I),
    # Agency credits in other languages: "mit Material von dpa", "(avec AFP)", "Source: Reuters"
    re.compile(r"^\(?(?:mit material (?:von|der|des)|mit agenturmaterial|avec\s+(?:l')?(?:afp|ap|reuters)|"
               r"with\s+(?:agencies|afp|reuters|ap)|source\s*:)\s*[^.!?]{0,80}\)?$", _I),
]

# A trailing author line: optional role prefix, then one to six capitalised words.
AUTHOR_PREFIX_RE = re.compile(r"^(?:bài và ảnh|bài, ảnh|bài/ảnh|bài|tin, ảnh|tin và ảnh|tin|tác giả|nhóm pv|pv)\s*:\s*", _I)
# A parenthesis holds an affiliation ("(TTXVN)"), never figures ("Đảo Siargao (thứ 5 với 95,19 điểm)").
AUTHOR_LINE_RE = re.compile(r"^(?:[A-ZÀ-ỸĐ][\w.'’-]*|[A-ZÀ-ỸĐ]\.)(?:\s+(?:[A-ZÀ-ỸĐ][\w.'’-]*|\([^)\d]{1,30}\))){0,5}$")
MAX_AUTHOR_CHARS = 60
MAX_AUTHOR_WORDS = 6
# ALL-CAPS trailing lines up to this many words are bylines ("HOÀNG ANH"), longer ones headings.
MAX_CAPS_AUTHOR_WORDS = 4

# Label prefixes stripped from a selected author / source / tag text.
AUTHOR_LABEL_RE = re.compile(r"^(?:tác giả|bài và ảnh|bài, ảnh|bài|tin, ảnh|tin|by)\s*:\s*", _I)
TAGS_LABEL_RE = re.compile(r"^(?:từ khóa|từ khoá|tags?)\s*:\s*", _I)

# Whole-page pruning before the content fallback: only tokens that never name the
# page wrapper (no "left", "content", "main" ...).
PAGE_NOISE_TOKENS = frozenset({
    "related", "relate", "lienquan", "tinlienquan", "tinkhac", "othernews", "share", "social",
    "comment", "comments", "binhluan", "caption", "sidebar", "widget", "breadcrumb", "breadcrumbs",
    "tags", "banner", "advert", "advertisement", "ads", "quangcao", "menu", "navbar", "footer",
})

# A short paragraph that is only a date/time line ("12:18 28/09/2021", "Thứ hai, 28/9/2021",
# "Cập nhật ngày: 03/11/2020 6:01:53 CH", "Ngày đăng: 09.12.2023 - 8 giờ 30 sáng",
# "Ngày đăng: Chủ nhật, 01 Tháng 11 2020 06:58", "January 15, 2024 2:22 PM GMT"): only the
# words of DATE_LINE_WORDS, digits and date punctuation. Each word must be a whole run of
# letters and the other items are single characters that never start a word, so there is
# one way to read a line and matching is linear (no nested quantifier over overlapping
# classes: the old "(?:word[\s:,]*|[\d:/ ]+)+" took seconds on a 57-character line).
DATE_LINE_WORDS = (
    "thứ hai ba tư năm sáu bảy chủ nhật cập ngày đăng xuất bản thời gian tháng lúc vào gmt utc giờ phút "
    "sáng trưa chiều tối đêm khuya sa ch am pm a.m p.m posted published updated modified on at "
    "giêng một bốn tám chín mười chạp "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec st nd rd th of "
    "monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun "
    "publié le à mis jour janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "veröffentlicht aktualisiert am um uhr januar februar märz juni juli oktober dezember"
).split()
DATE_LINE_RE = re.compile(
    r"^(?:(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(set(DATE_LINE_WORDS), key=len, reverse=True))
    + r")(?!\w)|[\d:/.,|\-–+()\[\]\s·•]|(?<=\d)h)*$", _I)

# Page-builder class prefixes (longest first): such a class names a layout box, and only
# what follows the prefix says what the box is ("elementor-widget-text-editor" is text,
# "elementor-widget-post-comments" comments). LAYOUT_WORDS are dropped from what follows.
LAYOUT_CLASS_PREFIXES = ("elementor-widget-", "elementor-element-", "elementor-", "e-con-", "vc_", "wpb_",
                         "wp-block-", "et_pb_", "fl-", "fusion-", "kc-", "so-panel", "siteorigin-")
LAYOUT_WORDS = frozenset({"widget", "widgets", "element", "container", "wrap", "wrapper", "column", "col",
                          "row", "section", "inner", "default", "size", "top", "bottom"})

# Markers of a body-container candidate (or a wrapper of it that is not a wrapper of the
# headline) that is other text than the article: comments, related news, teasers, side
# boxes. A marked candidate's score is multiplied by body.SCORE["marker"].
BODY_PENALTY_TOKENS = frozenset({
    "comment", "comments", "commentlist", "binhluan", "ykien", "related", "relate", "relates",
    "relatedposts", "lienquan", "tinlienquan", "tinkhac", "baikhac", "othernews", "teaser", "teasers",
    "sidebar", "widget", "footer", "popular", "xemnhieu", "docnhieu", "mostviewed", "latest", "moinhat",
    "advert", "advertisement", "ads", "quangcao", "banner", "menu", "navbar", "breadcrumb",
})
