"""Generic article extraction for unknown layouts and for fields site rules miss.

Evidence in order: JSON-LD (NewsArticle/Article), Open Graph and other ``<meta>``
tags, well-known article containers, then a content-extraction fallback (trafilatura,
behind :func:`_content_fallback` alone) and the Vietnamese cleanup rules of
:mod:`crawler.extract.rules`. The date is taken from structured data, else from the
page next to the title (:mod:`crawler.extract.locate`), never from a sidebar or a
related-news list.
"""

from __future__ import annotations

import json
import re
from copy import deepcopy
from urllib.parse import urljoin

from parsel import Selector

from . import blocks, rules
from .dates import parse_vn_datetime
from .locate import (TITLE_SELECTORS, header_date, is_sidebar, strip_site_suffix, title_before_date,
                     title_element)
from archive.text import normalize_text

ARTICLE_TYPES = {"NewsArticle", "Article", "BlogPosting", "ReportageNews", "AnalysisNewsArticle",
                 "OpinionNewsArticle", "LiveBlogPosting", "Report", "ScholarlyArticle"}

# <meta> names/properties per field, most specific first.
META_FIELDS = {
    "title": ["og:title", "twitter:title", "dc.title"],
    "summary": ["og:description", "twitter:description", "description", "dc.description"],
    "published_at": ["article:published_time", "og:article:published_time", "datepublished", "pubdate",
                     "publishdate", "dc.date.issued", "dc.date", "date", "article:published"],
    "updated_at": ["article:modified_time", "og:updated_time", "datemodified", "lastmod", "dc.date.modified"],
    "author": ["author", "article:author", "dc.creator", "twitter:creator"],
    "category": ["article:section", "og:article:section"],
    "image": ["og:image", "twitter:image"],
    "url": ["og:url"],
}
# Plain <meta name="keywords"> is left out: CMSs fill it with site-wide SEO words on pages
# that have no tags (MasterCMS does), which would invent tags.
META_LIST_FIELDS = {"tags": ["article:tag", "og:article:tag", "news_keywords"]}

# In-page elements, first match wins.
SUMMARY_SELECTORS = ["[itemprop=description]", ".sapo", ".detail-sapo", ".lead", ".summary",
                     "p.abs", ".chapeau", ".excerpt", ".entry-summary"]
AUTHOR_SELECTORS = ["[itemprop=author] [itemprop=name]", "[itemprop=author]", "[rel=author]",
                    ".author-name", ".author", ".tacgia", ".byline"]
SOURCE_SELECTORS = [".source", ".nguon", ".news-source"]
TAG_SELECTORS = [".tags a", ".keywords a", ".tag a", "[rel=tag]", ".tukhoa a"]
CATEGORY_SELECTORS = [".breadcrumb li:last-child a", ".breadcrumb a:last-child", ".cat-links a"]
# Known article-body containers (WordPress, MasterCMS and friends); the biggest match wins.
BODY_CONTAINERS = ["[itemprop=articleBody]", "div.entry-content", "div.post-content", "div.td-post-content",
                   "div.article-content", "div.detail-content", "div.content-detail", "div.news-content",
                   "div.article-body", "div.noidung", "div.chitiet", "div#content-detail", "article"]
MIN_CONTAINER_CHARS = 200
MIN_SCOPE_CHARS = 300


def _content_fallback(html: str, url: str) -> list[str]:
    """Paragraphs of the main content found by trafilatura (the one replaceable seam)."""
    import trafilatura  # imported lazily: heavy, and only this path needs it

    xml = trafilatura.extract(html, url=url, output_format="xml", include_comments=False,
                              include_tables=True, include_images=False, include_links=False,
                              favor_recall=True, deduplicate=False)
    if not xml:
        return []
    return blocks.tree_paragraphs(Selector(text=xml, type="xml").root)


def _walk_json(node):
    if isinstance(node, list):
        for item in node:
            yield from _walk_json(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in node:
                yield from _walk_json(node[key])


def _names(value) -> list[str]:
    """Flatten a JSON-LD person/keyword/section value to strings (organisations skipped)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    if isinstance(value, dict) and value.get("@type") != "Organization":
        return _names(value.get("name") or "")
    return []


def _json_ld(sel: Selector) -> dict:
    for raw in sel.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(raw.strip().rstrip(";"), strict=False)
        except ValueError:
            continue
        for node in _walk_json(data):
            types = node.get("@type")
            types = set(types) if isinstance(types, list) else {types}
            if not types & ARTICLE_TYPES:
                continue
            keywords = node.get("keywords") or []
            if isinstance(keywords, str):
                keywords = keywords.split(",")
            image = node.get("image")
            image = (image[0] if isinstance(image, list) and image else image)
            image = image.get("url") if isinstance(image, dict) else image
            entity = node.get("mainEntityOfPage")
            return {
                "title": node.get("headline") or node.get("name"),
                "summary": node.get("description"),
                "published_at": node.get("datePublished"),
                "updated_at": node.get("dateModified"),
                "author": ", ".join(_names(node.get("author"))),
                "tags": _names(keywords),
                "category": ", ".join(_names(node.get("articleSection"))),
                "image": image if isinstance(image, str) else None,
                "url": entity.get("@id") if isinstance(entity, dict) else (entity or node.get("url")),
                "body": node.get("articleBody"),
            }
    return {}


def _meta(sel: Selector) -> dict:
    found: dict = {}
    metas: dict[str, list[str]] = {}
    for m in sel.xpath("//meta"):
        key = (m.attrib.get("property") or m.attrib.get("name") or m.attrib.get("itemprop") or "").lower()
        value = m.attrib.get("content")
        if key and value:
            metas.setdefault(key, []).append(value)
    for field, keys in META_FIELDS.items():
        for key in keys:
            if metas.get(key) and normalize_text(metas[key][0]):
                found[field] = metas[key][0]
                break
    for field, keys in META_LIST_FIELDS.items():
        for key in keys:
            if metas.get(key):
                found[field] = [t for v in metas[key] for t in v.split(",")]
                break
    if href := sel.css('link[rel="canonical"]::attr(href)').get():
        found["url"] = href
    return found


def _first_text(sel: Selector, selectors: list[str], *, outside_sidebar: bool = True) -> str | None:
    for css in selectors:
        for m in sel.css(css):
            if outside_sidebar and is_sidebar(m.root.getparent() if m.root.getparent() is not None else m.root):
                continue
            if text := blocks.element_text(m.root):
                return text
    return None


def _body_container(sel: Selector):
    best, best_len = None, 0
    for css in BODY_CONTAINERS:
        for m in sel.css(css):
            size = len(blocks.element_text(m.root))
            if size > best_len:
                best, best_len = m.root, size
        if best is not None and best_len >= MIN_CONTAINER_CHARS:
            return best
    return None


def _article_scope(title_el):
    """The title's nearest ancestor holding a real amount of text: on table and div
    layouts this is the article's cell/column, without the neighbouring sidebars."""
    needed = len(blocks.element_text(title_el)) + MIN_SCOPE_CHARS
    for ancestor in title_el.iterancestors():
        if ancestor.tag in ("body", "html"):
            return None
        if len(blocks.element_text(ancestor)) >= needed:
            return ancestor
    return None


def _pruned_page(root, title: str | None) -> str:
    """The page without chrome, serialised for the content fallback: only the title's
    article scope when one is found, and never what precedes the title (menus, left
    sidebars): an article's text does not come before its own title."""
    from lxml import etree

    page = deepcopy(root)
    title_el = title_element(page, title) if title else None
    scope = _article_scope(title_el) if title_el is not None else None
    doomed = [el for tag in rules.REMOVE_TAGS for el in page.iter(tag)]
    for el in page.iter():
        if not isinstance(el.tag, str):
            continue
        if blocks.class_tokens(el) & rules.PAGE_NOISE_TOKENS or blocks.is_caption(el):
            doomed.append(el)
        elif el is not scope and blocks.is_link_list(el):
            doomed.extend(blocks.link_list_with_heading(el))
    if title_el is not None:
        doomed += [el for el in title_el.xpath("preceding::*")
                   if not any(a.tag == "head" for a in el.iterancestors())]
        doomed.append(title_el)
    for el in doomed:
        if el.getparent() is not None and el is not scope:
            blocks._drop(el)
    if scope is not None:
        return "<html><body>" + etree.tostring(scope, encoding="unicode", method="html") + "</body></html>"
    return etree.tostring(page, encoding="unicode", method="html")


def _body_paragraphs(sel: Selector, url: str, title: str | None) -> tuple[list[str], str]:
    container = _body_container(sel)
    if container is not None:
        copy = deepcopy(container)
        for el in list(copy.iter("h1", "header")):
            blocks._drop(el)
        blocks.strip_noise(copy)
        return blocks.tree_paragraphs(copy), "container"
    paragraphs = _content_fallback(_pruned_page(sel.root, title), url)
    if title and title in paragraphs[:3]:
        paragraphs = paragraphs[paragraphs.index(title) + 1:]
    return paragraphs, "fallback"


def extract_generic(html: str, url: str) -> tuple[dict, dict]:
    """Extract a partial article record from any page; return ``(record, field_sources)``."""
    sel = Selector(text=html)
    ld, meta = _json_ld(sel), _meta(sel)
    out: dict = {}

    def put(field, value):
        if isinstance(value, str):
            value = normalize_text(value)
        if value and field not in out:
            out[field] = value

    page_titles = [blocks.element_text(m.root) for m in sel.css("h1")]
    put("title", ld.get("title"))
    if meta.get("title"):
        put("title", strip_site_suffix(normalize_text(meta["title"]), page_titles))
    put("title", _first_text(sel, TITLE_SELECTORS))
    doc_title = normalize_text(sel.css("title::text").get())
    if doc_title:
        # A <title> the page does not show anywhere is usually just the site's name.
        stripped = strip_site_suffix(doc_title, page_titles, sel.root)
        if stripped != doc_title or sel.xpath("//body//*[normalize-space(.)=$t]", t=doc_title):
            put("title", stripped)
    put("title", title_before_date(sel.root))
    put("title", doc_title)
    title = out.get("title")

    for field in ("published_at", "updated_at"):
        for raw in (ld.get(field), meta.get(field)):
            if raw and (found := parse_vn_datetime(raw)):
                put(field, found)
    if "published_at" not in out:
        put("published_at", header_date(title_element(sel.root, title) if title else None))

    put("summary", ld.get("summary"))
    put("summary", _first_text(sel, SUMMARY_SELECTORS))
    if meta.get("summary") and normalize_text(meta["summary"]) != title:
        put("summary", meta["summary"])

    paragraphs, _ = _body_paragraphs(sel, url, title)
    ld_body = normalize_text(ld.get("body") or "")
    if ld_body and len(" ".join(paragraphs)) < len(ld_body) / 2:
        paragraphs = [normalize_text(p) for p in re.split(r"\n+", ld.get("body"))]
    paragraphs, body_author, body_source = blocks.clean_paragraphs(
        [p for p in paragraphs if p], drop_texts=(title, out.get("summary")))
    if paragraphs:
        out["body"] = "\n\n".join(paragraphs)

    put("author", ld.get("author"))
    if meta.get("author") and not meta["author"].startswith("http"):
        put("author", meta["author"])
    put("author", _first_text(sel, AUTHOR_SELECTORS))
    put("author", body_author)
    if "author" in out:
        out["author"] = normalize_text(rules.AUTHOR_LABEL_RE.sub("", out["author"]))
    put("source", _first_text(sel, SOURCE_SELECTORS))
    put("source", body_source)

    tags = ld.get("tags") or [blocks.element_text(m.root) for m in sel.css(", ".join(TAG_SELECTORS))] \
        or meta.get("tags") or []
    cleaned_tags = []
    for tag in tags:
        tag = normalize_text(rules.TAGS_LABEL_RE.sub("", tag)).strip(" ,;")
        if tag and tag not in cleaned_tags:
            cleaned_tags.append(tag)
    put("tags", cleaned_tags)
    put("category", ld.get("category"))
    put("category", meta.get("category"))
    put("category", _first_text(sel, CATEGORY_SELECTORS, outside_sidebar=False))

    image = ld.get("image") or meta.get("image")
    if image:
        put("images", [{"url": urljoin(url, image.strip()), "caption": ""}])
    canonical = ld.get("url") or meta.get("url")
    if isinstance(canonical, str) and canonical.strip():
        put("url", urljoin(url, canonical.strip()))
    return out, {field: "generic" for field in out}
