"""Generic article extraction for unknown layouts and for fields site rules miss.

Evidence in order: JSON-LD (NewsArticle/Article), Open Graph and other ``<meta>``
tags; the body from :mod:`crawler.extract.body` (the best-scoring content container,
checked against trafilatura) and the Vietnamese cleanup rules of
:mod:`crawler.extract.rules`. The date is taken from structured data, else from the
page next to the title (:mod:`crawler.extract.locate`), never from a sidebar or a
related-news list.
"""

from __future__ import annotations

import json
from urllib.parse import urljoin

from parsel import Selector

from . import blocks, rules
from .body import best_container, extract_body, page_stats
from .dates import parse_vn_datetime
from .headline import body_headline, choose_title, decode_entities, doc_title_fallback, site_names
from .summary import choose_summary
from .locate import header_date, is_sidebar, title_before_date, title_element
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
            publisher = node.get("publisher")
            found = {
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
                "site_name": publisher.get("name") if isinstance(publisher, dict) else None,
            }
            # Entities decoded (repeatedly) in every field but the body, whose line breaks matter.
            return {k: v if k == "body" else _decoded(v) for k, v in found.items()}
    return {}


def _decoded(value):
    if isinstance(value, str):
        return decode_entities(value)
    if isinstance(value, list):
        return [decode_entities(v) for v in value if isinstance(v, str)]
    return value


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
    return {k: _decoded(v) for k, v in found.items()}


def _first_text(sel: Selector, selectors: list[str], *, outside_sidebar: bool = True) -> str | None:
    for css in selectors:
        for m in sel.css(css):
            if outside_sidebar and is_sidebar(m.root.getparent() if m.root.getparent() is not None else m.root):
                continue
            if text := blocks.element_text(m.root):
                return text
    return None


def extract_generic(html: str, url: str, *, check_body: bool = True) -> tuple[dict, dict]:
    """Extract a partial article record from any page; return ``(record, field_sources)``.

    ``field_sources["body"]`` says how the body was found: ``generic:container``,
    ``generic:trafilatura`` or ``generic:json-ld`` (:mod:`crawler.extract.body`); without
    `check_body` (the site's selectors gave the body) trafilatura is not run."""
    sel = Selector(text=html)
    ld, meta = _json_ld(sel), _meta(sel)
    out: dict = {}

    def put(field, value):
        if isinstance(value, str):
            value = normalize_text(value)
        if value and field not in out:
            out[field] = value

    # Title: metadata / heading / <title> that is not the site's name (crawler.extract.headline).
    put("title", choose_title(sel, ld, meta))
    stats = None
    if "title" not in out:
        # No headline in metadata or headings: the title-like line just above the body.
        stats = page_stats(sel.root)
        container, _ = best_container(sel.root, *stats, None)
        if found := body_headline(sel.root, site_names(sel, [ld.get("site_name")]), *stats, container):
            put("title", found[1])
    put("title", title_before_date(sel.root))
    put("title", doc_title_fallback(sel, ld))
    title = out.get("title")

    for field in ("published_at", "updated_at"):
        for raw in (ld.get(field), meta.get(field)):
            if raw and (found := parse_vn_datetime(raw)):
                put(field, found)
    if "published_at" not in out:
        put("published_at", header_date(title_element(sel.root, title) if title else None))

    # Summary: the in-page lead, else a description that does not repeat the body (.summary).
    put("summary", choose_summary(sel, title, lead=_first_text(sel, SUMMARY_SELECTORS),
                                  jsonld=ld.get("summary"), meta=meta.get("summary")))

    # Body: the best-scoring container, checked against trafilatura (crawler.extract.body).
    body = extract_body(sel.root, html, url, title_element(sel.root, title) if title else None,
                        drop_texts=(title, out.get("summary")), ld_body=ld.get("body"), check=check_body,
                        stats=stats)
    body_author, body_source = body.author, body.source
    if body.paragraphs:
        out["body"] = "\n\n".join(body.paragraphs)

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
    sources = {field: "generic" for field in out}
    if "body" in out:
        sources["body"] = f"generic:{body.method}"
    return out, sources
