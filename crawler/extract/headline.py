"""Choose the article's headline among the page's metadata and headings.

Sources, in the order of :data:`TITLE_SOURCES`: the JSON-LD headline, the Open Graph /
Twitter / Dublin Core title, the page's ``<h1>`` (and ``[itemprop=headline]``), then the
``<title>``. Every candidate is entity-decoded until it no longer changes
(:func:`decode_entities`: tuoitre.vn ships ``Chi&amp;#7871;n`` in JSON-LD, others
``Ch&#237;nh s&#225;ch``), normalised, and rejected when it is only the site's name.

The site's name is known from ``og:site_name`` and friends (:data:`SITE_NAME_META`), the
JSON-LD publisher, or the part of the ``<title>`` beside the headline. A heading is the
site's name, not the headline, when its text is one of those names, when it is the
``<title>``'s suffix part, or when it sits in the page's logo/brand/header region
(:func:`is_site_heading`) — DNN portals print the portal's name as the ``<h1>`` of every
page. A page extractor sees one page, so "the same ``<h1>`` on every page of the site"
is recognised only through these signs. Site-name parts are stripped from ``<title>``
and meta titles ("… - Tuổi Trẻ Online", "Báo Lao Động | …", "Portal > Tin tức > …").
"""

from __future__ import annotations

import html
import re

from parsel import Selector

from . import blocks, rules
from archive.text import normalize_text

# Separators between a headline and a site/section name in <title> and og:title.
TITLE_SEPARATORS = [" | ", " - ", " – ", " — ", " :: ", " » ", " > ", " · ", " || "]
# <meta> keys naming the site.
SITE_NAME_META = ["og:site_name", "application-name", "apple-mobile-web-app-title", "al:ios:app_name",
                  "twitter:site"]
# A <title> part that names a site when nothing else says so: (pattern on the whole part,
# whether what follows the pattern's match must be capitalised words only).
SITE_NAME_PATTERNS = [
    (re.compile(r"^(?:báo|tạp chí|cổng thông tin|trang thông tin|trang tin|đài|truyền hình)\b.{0,60}$", re.I), False),
    (re.compile(r"^.{0,60}(?:online|\.vn|\.com|\.net|\.org|điện tử|news|tv)$", re.I), False),
    # "Liên đoàn Lao động tỉnh Bà Rịa - Vũng Tàu": the label then a capitalised place name
    # only ("Liên đoàn Lao động tỉnh trao quà" is a headline).
    (re.compile(r"^(?:liên đoàn lao động|công đoàn|lđlđ|cđ)(?:\s+(?:tỉnh|thành phố|tp\.?|quận|huyện|thị xã|ngành))?",
                re.I), True),
]
# The rest of a title must keep at least this many characters for a part to be stripped.
MIN_HEADLINE_CHARS = 10
# class/id words (with "-" and "_" removed) of a logo / brand region: a heading inside is the site's name.
LOGO_WORDS = ("logo", "brand", "branding", "sitename", "sitetitle", "siteheader", "masthead", "headerpane",
              "banner", "tenweb", "tentrang")
# class/id tokens of a page header; a heading inside one that is outside <article>/<main> and
# not marked as an article header is the site's name.
PAGE_HEADER_TOKENS = frozenset({"header", "top", "topbar", "head"})
ARTICLE_HEADER_TOKENS = frozenset({"entry", "post", "article", "news", "detail", "story", "content", "title",
                                   "chitiet", "tintuc", "baiviet", "single", "page"})
# Heading elements tried, in order (first that is not the site's name wins).
HEADING_SELECTORS = ["article h1", "main h1", "[itemprop=headline]", "h1.title", "h1"]
# Those that put a heading inside the article's scope: its text beats a differing og:title.
ARTICLE_HEADING_SELECTORS = ("article h1", "main h1", "[itemprop=headline]")
# A logo/header box holds at most this much; a bigger element is a page wrapper.
MAX_HEADER_PARAGRAPHS, MAX_HEADER_CHARS = 3, 2500
# Wrappers of the article: a heading inside one is never the site's name.
ARTICLE_WRAPPER_TOKENS = frozenset({"article", "entry", "post", "hentry"})
# href of a link to the site's home page.
HOME_HREF_RE = re.compile(r"^(?:https?://[^/]+)?/?(?:index\.\w+|default\.aspx|trang-chu(?:\.html?)?)?$", re.I)
# How many times entities are decoded at most (double-escaped ``&amp;#7871;`` needs two).
MAX_DECODE_ROUNDS = 4
# class/id words of a region listing sections (menus, breadcrumbs): a ``<title>`` part the
# page shows only there, or only as link text, is a section name, not the headline.
SECTION_REGION_WORDS = ("menu", "breadcrumb", "navbar", "navigation", "sitemap")
# Headline candidates near the top of the body container (:func:`body_headline`), for
# layouts whose ``<h1>`` is the portal's name and whose ``<title>`` names a section
# (DNN's ``span#dnn_ctr600_ViewTinTuc_lblTitle``): class/id words that mark a headline
# holder, and words that mark a box title instead.
HEADLINE_WORDS = ("title", "tieude", "headline", "tenbai", "tentin")
NOT_HEADLINE_WORDS = ("subtitle", "moduletitle", "boxtitle", "blocktitle", "widgettitle", "sitetitle",
                      "cattitle", "categorytitle", "sectiontitle", "othernews", "tinkhac", "hotnews")
# A candidate ends at most this many characters of text before the container's first
# paragraph, holds this many characters, and is looked for this many levels above it.
HEADLINE_MAX_GAP, HEADLINE_CHARS, HEADLINE_LEVELS = 600, (10, 250), 4
# Inline elements that make a whole short line a visual headline (bold, large font).
# Class words of elements shown to screen readers only (Liferay's ``hide-accessible``,
# Bootstrap's ``sr-only``, WordPress's ``screen-reader-text``): such a heading names the page's
# section for accessibility, it is not the article's headline.
HIDDEN_CLASS_WORDS = frozenset({"hide-accessible", "sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text",
                                "element-invisible", "hidden", "d-none", "invisible"})
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
BOLD_TAGS = ("b", "strong")
HEADING_TAGS = ("h1", "h2", "h3", "h4")
FONT_SIZE_RE = re.compile(r"font-size\s*:\s*(\d+(?:\.\d+)?)\s*(px|pt|em|rem)", re.I)
LARGE_FONT = {"px": 16, "pt": 12, "em": 1.2, "rem": 1.2}


def decode_entities(text: str | None) -> str:
    """HTML entities decoded until the text no longer changes, then normalised."""
    text = text or ""
    for _ in range(MAX_DECODE_ROUNDS):
        if "&" not in text:
            break
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return normalize_text(text)


def _key(text: str | None) -> str:
    return normalize_text(text).casefold()


def site_names(sel: Selector, extra=()) -> set[str]:
    """Case-folded names the page gives its site (meta tags, JSON-LD publisher …)."""
    names = set()
    for key in SITE_NAME_META:
        for value in sel.xpath(f"//meta[@property='{key}' or @name='{key}']/@content").getall():
            value = decode_entities(value).lstrip("@")
            if value:
                names.add(value.casefold())
    names |= {_key(decode_entities(n)) for n in extra if n}
    names.discard("")
    return names


def looks_like_site_name(part: str, names: set[str]) -> bool:
    part = normalize_text(part)
    if _key(part) in names:
        return True
    for pattern, capitalised_rest in SITE_NAME_PATTERNS:
        if m := pattern.match(part):
            if not capitalised_rest:
                return True
            rest = part[m.end():].split()
            if rest and all(w in ("-", "–") or w[0].isupper() for w in rest):
                return True
    return False


def split_title(title: str, names: set[str], shown=None) -> str:
    """The headline part of a composite title ("Tiêu đề - Báo X" → "Tiêu đề").

    A prefix/suffix (possibly several separator-joined parts) is dropped when it is a
    known or site-looking name. Otherwise, when `shown` (text → bool: the page shows
    this text as an element's whole text) accepts the part before a separator, that part
    is kept ("Tiêu đề - Site"); failing that, the part after one, if it is the longer
    ("Site | Tiêu đề").
    """
    title = normalize_text(title)
    for _ in range(3):  # "Site > Tin tức > Tiêu đề": peel one name at a time
        stripped = _strip_names(title, names)
        if stripped == title:
            break
        title = stripped
    if shown is None or shown(title):
        return title
    for keep_head in (True, False):
        for sep in TITLE_SEPARATORS:
            parts = title.split(sep)
            for k in range(len(parts) - 1, 0, -1):
                head, tail = sep.join(parts[:-k]), sep.join(parts[-k:])
                if keep_head and len(head) >= MIN_HEADLINE_CHARS and shown(head):
                    return head
                if not keep_head and len(tail) > len(head) and shown(tail):
                    return tail
    return title


def _strip_names(title: str, names: set[str]) -> str:
    for sep in TITLE_SEPARATORS:
        parts = title.split(sep)
        for k in range(len(parts) - 1, 0, -1):  # longest site part first
            suffix, head = sep.join(parts[-k:]), sep.join(parts[:-k])
            if len(head) >= MIN_HEADLINE_CHARS and looks_like_site_name(suffix, names):
                return head
            prefix, rest = sep.join(parts[:k]), sep.join(parts[k:])
            if len(rest) >= MIN_HEADLINE_CHARS and looks_like_site_name(prefix, names):
                return rest
    return title


def _title_site_names(doc_title: str, names: set[str], heading_keys: set[str], shown) -> set[str]:
    """Parts of the <title> that name the site: those :func:`_strip_names` removes, or a
    last part that is also a page heading while the rest of the title is shown on the
    page ("Tiêu đề - Portal" with ``<h1>Portal</h1>``: the usual suffix order)."""
    headline = split_title(doc_title, names)
    found = set()
    if headline != doc_title and doc_title.find(headline) >= 0:
        rest = doc_title.replace(headline, "\x00", 1)
        found |= {_key(p) for p in _SEPARATORS_RE.split(rest) if _key(p) and "\x00" not in p}
    for sep in TITLE_SEPARATORS:
        parts = doc_title.split(sep)
        for k in range(1, len(parts)):
            head, tail = sep.join(parts[:-k]), sep.join(parts[-k:])
            if _key(tail) in heading_keys and len(head) >= MIN_HEADLINE_CHARS and shown(head):
                found.add(_key(tail))
    return found


_SEPARATORS_RE = re.compile("|".join(re.escape(s) for s in TITLE_SEPARATORS))


def _class_words(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower().replace("-", "").replace("_", "")


def _is_region(node) -> bool:
    """Small enough to be a header/logo box, not a wrapper around the article."""
    return len(node.xpath(".//p")) <= MAX_HEADER_PARAGRAPHS and \
        len(blocks.element_text(node)) <= MAX_HEADER_CHARS


def site_header_kind(el) -> str | None:
    """"logo" inside the page's logo/brand region or only a link to the home page,
    "header" inside a page header outside the article, else None."""
    chain = [el, *el.iterancestors()]
    if any(a.tag in ("article", "main") or blocks.class_tokens(a) & ARTICLE_WRAPPER_TOKENS
           for a in chain[1:] if a.tag not in ("body", "html")):
        return None
    links = el.xpath(".//a[@href]")
    if len(links) == 1 and blocks.element_text(links[0]) == blocks.element_text(el):
        if links[0].get("rel") == "home" or HOME_HREF_RE.match((links[0].get("href") or "").strip()):
            return "logo"
    kind = None
    for node in chain:
        if node.tag in ("body", "html"):
            break
        if not _is_region(node):
            break
        tokens = blocks.class_tokens(node)
        if any(word in _class_words(node) for word in LOGO_WORDS):
            return "logo"
        if (node.tag == "header" or tokens & PAGE_HEADER_TOKENS) and not tokens & ARTICLE_HEADER_TOKENS:
            kind = "header"
    return kind


def is_site_heading(el, text: str, names: set[str], title_headline: str) -> bool:
    """A heading that shows the site's name rather than the article's headline: a known
    name, in the logo region, or in the page header unless the <title> names it as the
    headline."""
    key = _key(text)
    if key in names:
        return True
    kind = site_header_kind(el)
    return kind == "logo" or kind == "header" and key != _key(title_headline)


def choose_title(sel: Selector, ld: dict, meta: dict) -> str | None:
    """The article's headline (see the module docstring), or None."""
    root = sel.root
    doc_title = decode_entities(sel.css("title::text").get())
    names = site_names(sel, [ld.get("site_name")])
    headings = [(el.root, decode_entities(blocks.element_text(el.root)), css)
                for css in HEADING_SELECTORS for el in sel.css(css) if not is_hidden(el.root)]
    heading_keys = {_key(t) for _, t, _ in headings if t}
    # a heading in the logo region is the site's name, whatever the <title> says of it
    names |= {_key(t) for el, t, _ in headings if t and site_header_kind(el) == "logo"}
    shown_cache: dict[str, bool] = {}

    def shown(text: str) -> bool:
        """The page shows `text` as a heading or as some element's whole text."""
        key = _key(text)
        if key not in shown_cache:
            shown_cache[key] = key in heading_keys or bool(
                root.xpath("//body//*[normalize-space(.)=$t]", t=normalize_text(text)))
        return shown_cache[key]

    if doc_title:
        names |= _title_site_names(doc_title, names, heading_keys, shown)
    title_headline = split_title(doc_title, names, shown) if doc_title else ""

    def not_site(t: str) -> bool:
        """A metadata title that is not the site's name: not a known name, and not
        site-looking ("Cổng thông tin điện tử tỉnh …") while the <title> says otherwise."""
        if not t or _key(t) in names:
            return False
        return not (looks_like_site_name(t, names) and title_headline and _key(title_headline) != _key(t)
                    and not looks_like_site_name(title_headline, names))

    meta_titles = [(source, split_title(decode_entities(t), names, shown))
                   for source, t in (("ld", ld.get("title")), ("meta", meta.get("title"))) if t]
    meta_titles = [(source, t) for source, t in meta_titles if not_site(t)]
    if meta_titles:
        source, found = meta_titles[0]
        if source == "meta" and (h1 := _article_heading(headings, names, title_headline)) and _key(h1) != _key(found):
            return h1  # an editorial og:title ("Gasworks plan approved") beside the visible headline
        return found
    for el, text, _ in headings:
        if text and not is_site_heading(el, text, names, title_headline):
            return text
    if doc_title:
        stripped = split_title(doc_title, names, shown)
        # A <title> the page does not show anywhere is usually just the site's name; one it
        # shows only in its menus or breadcrumb is a section's name.
        if _key(stripped) not in names and (stripped != doc_title or shown(doc_title)) \
                and not is_section_name(root, stripped):
            return stripped
    return None


def _article_heading(headings: list, names: set[str], title_headline: str) -> str | None:
    """The text of the page's one headline inside the article scope (``article h1``,
    ``main h1``, ``[itemprop=headline]``): not the site's name, not a link, at least
    :data:`MIN_HEADLINE_CHARS` and three words; None when there is none or several."""
    found = set()
    for el, text, css in headings:
        if css not in ARTICLE_HEADING_SELECTORS or not text or is_site_heading(el, text, names, title_headline):
            continue
        if len(text) < MIN_HEADLINE_CHARS or len(text.split()) < 3 or any(a.tag == "a" for a in el.iterancestors()):
            continue
        found.add(text)
    return found.pop() if len(found) == 1 else None


def doc_title_fallback(sel: Selector, ld: dict) -> str | None:
    """The whole <title> as a last resort, unless it is only the site's name."""
    doc_title = decode_entities(sel.css("title::text").get())
    if not doc_title or _key(doc_title) in site_names(sel, [ld.get("site_name")]):
        return None
    return doc_title


def _in_section_region(el) -> bool:
    """Inside a <nav> or a menu/breadcrumb region, or a link (inside one or holding only
    one) that is not a heading's (Joomla links the headline ``<h2><a>`` to the article)."""
    links = el.xpath(".//a")
    linked = len(links) == 1 and blocks.element_text(links[0]) == blocks.element_text(el)
    heading = False
    for node in (el, *el.iterancestors()):
        if node.tag in ("body", "html"):
            break
        if node.tag == "nav" or any(w in _class_words(node) for w in SECTION_REGION_WORDS):
            return True
        linked = linked or node.tag == "a"
        heading = heading or node.tag in HEADING_TAGS
    return linked and not heading


def is_hidden(el) -> bool:
    """The element, or one of its ancestors, is not shown on screen."""
    for node in (el, *el.iterancestors()):
        if not isinstance(node.tag, str):
            continue
        if node.get("hidden") is not None or HIDDEN_STYLE_RE.search(node.get("style") or "") \
                or HIDDEN_CLASS_WORDS & set((node.get("class") or "").lower().split()):
            return True
    return False


def is_section_name(root, text: str) -> bool:
    """The page shows `text` (a ``<title>`` part), but only as a link or in a menu or
    breadcrumb: the name of the section ("Tin tức - Sự kiện"), not the article's headline."""
    text = normalize_text(text)
    if not text:
        return False
    shown = root.xpath("//body//*[normalize-space(.)=$t]", t=text)
    return bool(shown) and all(_in_section_region(el) or is_hidden(el) for el in shown)


def _headline_rank(el, text: str) -> int:
    """2: a title-marked holder (class/id), 1: a heading tag or a whole-bold / large-font
    line, 0: not a headline candidate."""
    words = _class_words(el)
    if any(w in words for w in HEADLINE_WORDS) and not any(w in words for w in NOT_HEADLINE_WORDS):
        return 2
    if el.tag in HEADING_TAGS or el.get("itemprop") == "headline":
        return 1
    styled = [el, *el.iterchildren()] if len(el) == 1 else [el]
    for node in styled:
        if node.tag in BOLD_TAGS and blocks.element_text(node) == text:
            return 1
        if m := FONT_SIZE_RE.search(node.get("style") or ""):
            if float(m.group(1)) >= LARGE_FONT[m.group(2).lower()]:
                return 1
    return 0


def body_headline(root, names: set[str], stats: dict, paragraphs: list, container):
    """``(element, text)`` of the best headline candidate just above the start of the body
    `container` (found without a title), or None.

    Candidates end at most :data:`HEADLINE_MAX_GAP` characters before the container's first
    paragraph, inside its ancestors up to :data:`HEADLINE_LEVELS` levels: title-marked
    holders (``span#…lblTitle``, ``.title_news``, ``.tieude``) first, then headings and
    whole-bold or large-font lines, the nearest to the body first. Site names, section
    names, dates, links, boilerplate and boxes marked as other news are never candidates.
    """
    if container is None:
        return None
    first = next((p for p, _ in paragraphs if p is container or any(a is container for a in p.iterancestors())),
                 None)
    if first is None or first not in stats:
        return None
    start = stats[first].start
    top = container
    for _ in range(HEADLINE_LEVELS):
        parent = top.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        top = parent
    best, best_key = None, None
    low, high = HEADLINE_CHARS
    for el in top.iter():
        st = stats.get(el)
        if st is None or not isinstance(el.tag, str) or st.end > start or start - st.end > HEADLINE_MAX_GAP:
            continue
        if not low <= st.text <= high or st.npara > 1 or st.link * 2 > st.text and el.tag not in HEADING_TAGS:
            continue
        text = decode_entities(blocks.element_text(el))
        rank = _headline_rank(el, text) if len(text.split()) >= 2 else 0
        if not rank or _key(text) in names or looks_like_site_name(text, names):
            continue
        if blocks.is_date_line(text) or blocks.is_boilerplate(text) or blocks.is_cut_heading(text):
            continue
        if any(blocks.class_tokens(a) & rules.BODY_PENALTY_TOKENS for a in (el, *el.iterancestors()) if a is not top
               and any(t is top for t in a.iterancestors())) or site_header_kind(el) == "logo":
            continue
        if is_section_name(root, text):
            continue
        key = (rank, st.end)
        if best_key is None or key > best_key:
            best, best_key = (el, text), key
    return best
