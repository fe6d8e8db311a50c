"""Reading listing pages and feeds: the one reader the spider and ``unionnews sites check`` share.

A listing page gives article links and the next page's URL. :func:`read_listing` applies the
site's registry entry (``[listing]``: ``article_links`` selector, default every
``a::attr(href)``; ``article_url_pattern`` through :meth:`archive.registry.Site.is_article_url`;
``next_page`` selector): each link is joined to the page URL, canonicalised
(:func:`canonical_url`: no session ids, tracking parameters or fragment), filtered and
de-duplicated in page order. :func:`feed_links` does the same for RSS/Atom items.

The spider hands in its Scrapy response (its selector is used as is); the check hands in the
body it fetched, decoded here as a Scrapy ``TextResponse`` decodes it (:func:`decode_page`), so
both see the same text, links and next page. No Scrapy in this module: parsel, w3lib, stdlib.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from parsel import Selector
from w3lib.encoding import html_to_unicode, resolve_encoding

from archive.registry import Site

SESSION_PARAMS = frozenset({"phpsessid", "jsessionid", "sessionid", "session_id", "cfid", "cftoken"})
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
                             "_ga", "_gl", "zarsrc", "gidzl"})  # zarsrc/gidzl: Zalo shares, common in Vietnam
TRACKING_PREFIXES = ("utm_", "aspsessionid")
PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid)=[^/?#]*", re.I)
DEFAULT_ARTICLE_LINKS = "a::attr(href)"
FEED_LINKS = "//item/link/text() | //entry/link/@href"


# ---- URLs ----------------------------------------------------------------------------
def _noise(name: str) -> bool:
    name = unquote(name).lower()
    return name in SESSION_PARAMS or name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, keep_fragment: bool = False) -> str:
    """``url`` without session ids (``;jsessionid=``, ``PHPSESSID=``…), tracking parameters
    (``utm_*``, ``fbclid``…) and, unless ``keep_fragment``, the fragment.

    The remaining parameters keep the site's order and encoding, so the stored URL is the
    real one; Scrapy's request fingerprint already sorts them for duplicate detection.
    Works on relative URLs too (for links inside pages).
    """
    parts = urlsplit(url)
    path = PATH_SESSION.sub("", parts.path)
    query = "&".join(piece for piece in parts.query.split("&") if piece and not _noise(piece.split("=", 1)[0]))
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, query, parts.fragment if keep_fragment else ""))


# ---- pages ---------------------------------------------------------------------------
@dataclass
class Listing:
    """What one listing page (or feed) offers: article links in page order, the next page,
    and how many of the links read were cleaned (a session id, tracking parameter or
    upper-case host removed; a bare fragment does not count)."""

    links: list[str] = field(default_factory=list)
    next_url: str | None = None
    cleaned: int = 0


def _auto_detect(body: bytes) -> str | None:
    # scrapy.http.TextResponse._auto_detect_fun: ascii, utf-8, then charset_normalizer
    for encoding in ("ascii", "utf-8"):
        try:
            body.decode(encoding)
        except UnicodeError:
            continue
        return resolve_encoding(encoding)
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - installed with Scrapy
        return None
    match = from_bytes(body).best()
    return resolve_encoding(match.encoding) if match else None


def decode_page(body: bytes, content_type: str | None = None) -> str:
    """The page's text as a Scrapy ``TextResponse`` decodes it: BOM, the ``Content-Type``
    charset, the page's own ``<meta charset>``, else detection (ascii, utf-8, …)."""
    return html_to_unicode(content_type or "", body, default_encoding="ascii", auto_detect_fun=_auto_detect)[1]


def _selector(page, content_type: str | None, kind: str) -> Selector:
    """A parsel selector for a Scrapy response, a selector, a decoded page or its bytes."""
    if isinstance(page, Selector):
        return page
    if hasattr(page, "selector"):  # a Scrapy TextResponse
        return page.selector
    if isinstance(page, bytes):
        page = decode_page(page, content_type)
    return Selector(text=page, type=kind)


def _clean(page_url: str, href: str) -> tuple[str, bool]:
    joined = urljoin(page_url, href.strip())
    clean = canonical_url(joined)
    return clean, clean != joined.split("#")[0]


def _article_links(site: Site, hrefs: list[str], page_url: str) -> Listing:
    listing, seen = Listing(), set()
    for href in hrefs:
        url, cleaned = _clean(page_url, href)
        listing.cleaned += cleaned
        if url not in seen and site.is_article_url(url):
            seen.add(url)
            listing.links.append(url)
    return listing


def read_listing(site: Site, page, url: str, content_type: str | None = None) -> Listing:
    """Article links and the next page of one listing page of ``site``.

    ``page``: a Scrapy response, a parsel ``Selector``, the page's text, or its bytes (decoded
    with ``content_type`` as Scrapy would); ``url``: the page's (real) URL, which relative links
    are joined to.
    """
    selector = _selector(page, content_type, "html")
    listing = _article_links(site, selector.css(site.listing.get("article_links") or DEFAULT_ARTICLE_LINKS).getall(),
                             url)
    next_selector = site.listing.get("next_page")
    next_href = selector.css(next_selector).get() if next_selector else None
    if next_href:
        listing.next_url, cleaned = _clean(url, next_href)
        listing.cleaned += cleaned
    return listing


def feed_links(site: Site, page, url: str, content_type: str | None = None) -> Listing:
    """Article links of an RSS/Atom feed (``<item><link>``, ``<entry><link href>``), as
    :func:`read_listing` treats a listing's links; a feed has no next page."""
    selector = _selector(page, content_type, "xml")
    selector.remove_namespaces()
    return _article_links(site, selector.xpath(FEED_LINKS).getall(), url)
