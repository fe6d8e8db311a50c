"""Locate the article's heading and its header date on a page of unknown layout.

Sidebars, tickers and related-news lists carry other articles' titles and dates, and
the first date on a page is often one of theirs. So the date is looked for next to
the article's own heading (:func:`title_element`), outside sidebars, links, comments and
the site's header bar, in tiers: a machine-readable ``<time datetime>`` or a line that is
only a date ("Cập nhật: 20/05/2022, 14:05") after the title, then such a line just
before it, then a machine-readable date anywhere in the article's own element (an entry
footer's ``<time>``, Blogger's ``abbr.published``), then any date in short text after or
before it ("Thời gian: từ ngày 20/4/2014" is body text, not the header date, and only wins
when nothing else is there). No date beats another article's date.
"""

from __future__ import annotations

from parsel import Selector

from . import blocks, rules
from .dates import parse_vn_datetime
from .headline import decode_entities
from archive.text import normalize_text

TITLE_SELECTORS = ["article h1", "main h1", "[itemprop=headline]", "h1.title", "h1"]
MIN_TITLE_CHARS, MAX_TITLE_CHARS = 15, 250
# A heading whose text starts the title (or the reverse) is the title's element when the
# shorter is at least this share of the longer.
MIN_PREFIX_SHARE = 0.6
# How many text nodes after / before the title a header date may be looked for, and
# how long such a node may be.
DATE_SCAN_AFTER, DATE_SCAN_BEFORE, DATE_NODE_MAX_CHARS = 40, 6, 120
# A date split over spans ("15:15" "|" "11/10/2020") is read with up to this many nodes.
DATE_JOIN_NODES = 4
# A date's nearest block of these tags is checked for being another article's teaser
# (a link of at least MIN_TEASER_LINK_WORDS words in at most MAX_TEASER_CHARS of text).
TEASER_ITEM_TAGS = frozenset({"li", "tr", "td", "dd", "dt", "p", "div", "section", "article", "table", "ul", "ol"})
MIN_TEASER_LINK_WORDS, MAX_TEASER_CHARS = 5, 300
# Attributes of date elements holding the exact value, in order (Blogger's
# ``<abbr class="published" title="2024-03-12T08:14:00Z">``).
DATE_ATTRIBUTES = ["datetime", "content", "title"]
# Date elements whose attribute is read (not ones marked as the update time).
DATE_ELEMENT_XPATH = ("self::time or @itemprop='datePublished' or "
                      "(self::abbr and contains(concat(' ', normalize-space(@class), ' '), ' published '))")
UPDATED_TOKENS = frozenset({"updated", "modified", "capnhat"})
# ... unless also marked as the publication date: WordPress themes print the post's date
# as ``<time class="entry-date published updated">`` or ``entry-date updated``.
PUBLISHED_TOKENS = frozenset({"published", "entrydate", "publish", "pubdate", "created", "postdate"})
# Info lines under a headline (post-info, entry-meta ...): the article's own, even when a
# class also says "list" (Elementor's ``elementor-icon-list-items elementor-post-info``).
ARTICLE_META_TOKENS = frozenset({"postinfo", "postmeta", "entrymeta", "articleinfo", "entryinfo", "iteminfo",
                                 "newsinfo", "articlemeta", "postdetails"})
# How many levels above a date an info line's element may be.
META_LINE_DEPTH = 5
# The site's header bar: its date is today's, never the article's (DNN's dnnCURRENTDATE,
# a theme's top-bar date). Tokens of such regions, and substrings of their class/id.
SITE_HEADER_TOKENS = frozenset({"topbar", "topmenu", "headertop", "topheader", "siteheader", "headerbar",
                                "masthead", "headertopmenu"})
SITE_DATE_MARKERS = ("currentdate", "curdate", "today", "homnay")
# Elements holding one whole article (the title's nearest such ancestor is its scope):
# a machine-readable date anywhere in it, outside comments and side boxes, is the article's.
ARTICLE_SCOPE_XPATH = ("self::article or contains(@itemtype, 'Article') or contains(@itemtype, 'BlogPosting') "
                       "or contains(concat(' ', normalize-space(@class), ' '), ' hentry ') "
                       "or contains(concat(' ', normalize-space(@class), ' '), ' item-page ')")
COMMENT_TOKENS = frozenset({"comment", "comments", "commentlist", "binhluan", "ykien", "reply", "respond"})
# (side of the title, only whole date lines) in the order they are tried.
DATE_TIERS = [("after", True), ("before", True), ("after", False), ("before", False)]


def is_sidebar(el, *, links: bool = True, title_el=None) -> bool:
    """Inside a sidebar/list region (or, with `links`, inside a link). With `title_el`, a
    region that holds the title is the article's column, whatever its class
    (VnExpress's main column is ``div.sidebar-1``)."""
    holders = set(title_el.iterancestors()) if title_el is not None else set()
    chain = [el, *el.iterancestors()]
    # Class words below (and on) an article info line are its items' ("…-list-item").
    meta_at = max((i for i, node in enumerate(chain[:META_LINE_DEPTH])
                   if blocks.class_tokens(node) & ARTICLE_META_TOKENS), default=-1)
    for i, node in enumerate(chain):
        if node in holders:
            continue
        if node.tag in rules.SIDEBAR_TAGS or (links and node.tag == "a") \
                or i > meta_at and blocks.class_tokens(node) & rules.SIDEBAR_TOKENS:
            return True
    return False


def in_comments(el, title_el) -> bool:
    """Inside a reader comment (or the comment list) that does not hold the title."""
    holders = set(title_el.iterancestors()) if title_el is not None else set()
    return any(node not in holders and blocks.class_tokens(node) & COMMENT_TOKENS
               for node in [el, *el.iterancestors()])


def in_site_header(el, title_el) -> bool:
    """Inside the site's header bar (or its "today" date), not the article's header: a
    ``<header>`` outside any ``<article>``/``<main>``, or a region marked as a top bar or
    the current date, that does not hold the title."""
    holders = set(title_el.iterancestors()) if title_el is not None else set()
    for node in [el, *el.iterancestors()]:
        if node in holders:
            continue
        if node.tag == "header" and not any(a.tag in ("article", "main") for a in node.iterancestors()):
            return True
        if blocks.class_tokens(node) & SITE_HEADER_TOKENS:
            return True
        raw = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
        if any(marker in raw for marker in SITE_DATE_MARKERS):
            return True
    return False


def _shown_text(el) -> str:
    text = blocks.element_text(el)
    return decode_entities(text) if "&" in text else text


def _same_heading(text: str, title: str) -> bool:
    """`text` shows `title`, or one extends the other by a little (a kicker, a suffix);
    a short site or section name that merely starts the title ("Công đoàn") does not."""
    if not text:
        return False
    if "&" in text:
        text = decode_entities(text)
    if text == title:
        return True
    shorter, longer = sorted((text, title), key=len)
    return longer.startswith(shorter) and len(shorter) >= MIN_PREFIX_SHARE * len(longer)


def in_teaser(el, title_el) -> bool:
    """Inside another article's teaser: the nearest block around `el` (not holding the
    title) is a link list, or a short item with a headline-sized link ("<li><a>Hội nghị
    ban chấp hành lần thứ 5</a> (24/01/2021)</li>", a legacy "Tin mới" box)."""
    for node in [el, *el.iterancestors()]:
        if node.tag in ("body", "html") or node is title_el or title_el in node.iterdescendants():
            return False
        if blocks.class_tokens(node) & ARTICLE_META_TOKENS:
            return False  # the article's info line: its date and author links are not a list
        if node.tag not in TEASER_ITEM_TAGS:
            continue
        if blocks.is_link_list(node):
            return True
        text = blocks.element_text(node)
        if len(text) <= MAX_TEASER_CHARS and any(
                len(blocks.element_text(a).split()) >= MIN_TEASER_LINK_WORDS for a in node.iter("a")):
            return True
        return False
    return False


def title_element(root, title: str):
    """The element showing the article's title, or None (never in <head>)."""
    for css in TITLE_SELECTORS:
        for el in Selector(root=root).css(css):
            if _same_heading(blocks.element_text(el.root), title):
                return el.root
    body = next(root.iter("body"), root)
    for el in body.iter():
        if isinstance(el.tag, str) and el.tag not in ("title", "meta", "script", "style") \
                and _shown_text(el) == title:
            candidate = el
            while len(candidate) == 1 and _shown_text(candidate[0]) == title:
                candidate = candidate[0]
            return candidate
    return None


def _machine_date(parent) -> str | None:
    """The exact value of a ``<time datetime>`` / ``itemprop=datePublished`` element."""
    for el in [parent, *parent.iterancestors()][:2]:
        if el.xpath(DATE_ELEMENT_XPATH) and not _marked_updated(el):
            for attr in DATE_ATTRIBUTES:
                if found := parse_vn_datetime(el.get(attr)):
                    return found
    return None


def _date_element(parent):
    """The date element (DATE_ELEMENT_XPATH) a text node's parent is or is just inside, or None."""
    for el in [parent, *parent.iterancestors()][:2]:
        if el.xpath(DATE_ELEMENT_XPATH):
            return el
    return None


def _marked_updated(el) -> bool:
    tokens = blocks.class_tokens(el)
    return el.get("itemprop") == "dateModified" or bool(tokens & UPDATED_TOKENS and not tokens & PUBLISHED_TOKENS)


def article_scope(title_el):
    """The title's nearest ancestor holding one whole article (ARTICLE_SCOPE_XPATH), or None."""
    for node in title_el.iterancestors():
        if node.tag in ("body", "html"):
            return None
        if node.xpath(ARTICLE_SCOPE_XPATH):
            return node
    return None


def scope_machine_date(title_el) -> str | None:
    """A machine-readable date (``<time datetime>``, ``itemprop=datePublished``,
    ``abbr.published``) anywhere in the title's article scope, outside comments, nested
    articles and side boxes (an entry footer is the article's): the first after the title,
    else the nearest before it."""
    scope = article_scope(title_el)
    if scope is None:
        return None
    after, before = [], []
    title_seen = False
    for el in scope.iter():
        if el is title_el:
            title_seen = True
            continue
        if not isinstance(el.tag, str) or not el.xpath(DATE_ELEMENT_XPATH) or _marked_updated(el):
            continue
        if not _in_scope_box(el, scope, title_el):
            continue
        for attr in DATE_ATTRIBUTES:
            if found := parse_vn_datetime(el.get(attr)):
                (after if title_seen else before).append(found)
                break
    return after[0] if after else before[-1] if before else None


def _in_scope_box(el, scope, title_el) -> bool:
    holders = set(title_el.iterancestors())
    for node in [el, *el.iterancestors()]:
        if node is scope:
            return True
        if node in holders:
            continue
        tokens = blocks.class_tokens(node)
        if node.tag in ("aside", "nav", "article") or tokens & COMMENT_TOKENS \
                or tokens & (rules.SIDEBAR_TOKENS - {"footer"}) and not tokens & ARTICLE_META_TOKENS:
            return False
    return False


def _date_nodes(title_el, side: str) -> list[tuple[str, str | None]]:
    """(text, exact value) of the short text nodes on one side of the title, nearest
    first after it, in page order before it; the scan stops at a cut heading and, before
    the title, at the title's enclosing block."""
    nodes: list[tuple[str, str | None]] = []
    if side == "after":
        for node in title_el.xpath("following::text()"):
            text, parent = normalize_text(node), node.getparent()
            if not text:
                continue
            if blocks.is_cut_heading(text):
                break
            if len(text) <= DATE_NODE_MAX_CHARS and parent is not None:
                exact = _machine_date(parent)
                marked = _date_element(parent)
                if marked is not None and _marked_updated(marked):
                    continue  # the update time, never the publication date
                # a date element's own text counts inside a permalink (WordPress "posted-on")
                if (marked is not None and not is_sidebar(parent, links=False, title_el=title_el)
                        or not is_sidebar(parent, title_el=title_el)) \
                        and not (any(c.isdigit() for c in text) and in_teaser(parent, title_el)) \
                        and not in_site_header(parent, title_el) and not in_comments(parent, title_el):
                    nodes.append((text, exact))
            if len(nodes) >= DATE_SCAN_AFTER:
                break
        return nodes
    scope = title_el.getparent().getparent() if title_el.getparent() is not None else None
    for node in reversed(title_el.xpath("preceding::text()")):
        text, parent = normalize_text(node), node.getparent()
        marked = _date_element(parent) if parent is not None else None
        if not text or parent is None or marked is not None and _marked_updated(marked) \
                or is_sidebar(parent, links=marked is None, title_el=title_el) \
                or any(c.isdigit() for c in text) and in_teaser(parent, title_el) \
                or in_site_header(parent, title_el) or in_comments(parent, title_el):
            continue
        if scope is not None and parent is not scope and not any(a is scope for a in parent.iterancestors()):
            break
        nodes.insert(0, (text, _machine_date(parent)))
        if len(nodes) >= DATE_SCAN_BEFORE:
            break
    return nodes


def _date_in(nodes: list[tuple[str, str | None]], whole_lines: bool) -> str | None:
    for i, (text, exact) in enumerate(nodes):
        if exact:
            return exact
        if not any(c.isdigit() for c in text):
            continue
        day_only = None
        for size in range(1, DATE_JOIN_NODES + 1):
            if day_only and (i + size > len(nodes) or parse_vn_datetime(nodes[i + size - 1][0])):
                break  # only a time of its own may complete a day ("29/04/2021" "12:57 PM")
            joined = " ".join(t for t, _ in nodes[i:i + size])
            if whole_lines and not blocks.is_date_line(joined.strip("()[] ")):
                continue
            if found := parse_vn_datetime(joined):
                if "T" in found:
                    if day_only is None or found.startswith(day_only):
                        return found
                    break
                day_only = day_only or found
        if day_only:
            return day_only
    return None


def header_date(title_el) -> str | None:
    """The article's own date near its title (see the module docstring), or None."""
    if title_el is None:
        return None
    sides = {side: _date_nodes(title_el, side) for side in ("after", "before")}
    machine = scope_machine_date(title_el)
    for side, whole_lines in DATE_TIERS:
        if side == "after" and not whole_lines and machine:
            return machine  # a machine date in the article beats a date in running text
        if found := _date_in(sides[side], whole_lines):
            if machine and "T" not in found and "T" in machine and machine.startswith(found):
                return machine  # the same day, with its time
            return found
    return machine


def title_before_date(root) -> str | None:
    """Legacy pages with no <h1>: the heading is the text line just before the first
    date line that is not a link or in a sidebar."""
    previous = None
    for node in root.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]"):
        text, parent = normalize_text(node), node.getparent()
        if not text or parent is None or is_sidebar(parent):
            continue
        if blocks.is_date_line(text.strip("()[] ")):
            if previous and MIN_TITLE_CHARS <= len(previous) <= MAX_TITLE_CHARS:
                return previous
            previous = None
            continue
        previous = text
    return None
