"""What a correct crawl of the replica stores: the expected article records.

Everything is derived from the content files and the same site modules that render the
pages (URLs, shown fields, image placement, the truncation point), never hard-coded.
``expected_records`` is what end-to-end tests compare the store against.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from .content import Article, SiteContent, load_all
from .sites import SITE_CLASSES
from .sites.base import CUT_AFTER_PARAGRAPHS, SiteModule, cut_index, image_slots
from .textforms import normalize_text

__all__ = ["SITE_CLASSES", "SITE_INFO", "expected_records", "missing_urls", "site_info", "content_hash"]


def site_modules(content_dir=None) -> dict[str, SiteModule]:
    """slug -> the site module that renders that site (the truth of its URLs and fields)."""
    # Truth never renders, so the site modules need no template environment.
    return {slug: SITE_CLASSES[slug](content, None) for slug, content in load_all(content_dir).items()}


def _static_info(cls: type[SiteModule], content: SiteContent | None) -> dict:
    base = f"https://{cls.domain}"
    listings = []
    if content is not None:
        module = cls(content, None)
        listings = [module.listing_url(c) for c in content.categories]
    return {
        "slug": cls.slug, "name": cls.name, "province": cls.province, "domain": cls.domain,
        "aliases": [f"www.{cls.domain}", *cls.aliases], "home_url": base + "/",
        "start_urls": listings or [base + "/"], "listing_urls": listings,
        "feeds": [base + path for path in cls.feeds], "article_url_pattern": cls.article_url_pattern,
        "page_size": cls.page_size, "shows_time": cls.shows_time,
    }


def site_info(content_dir: str | Path | None = None) -> dict[str, dict]:
    """slug -> name, province, domain, home/start/listing/feed URLs, article URL regex."""
    contents = load_all(content_dir)
    return {slug: _static_info(cls, contents.get(slug)) for slug, cls in SITE_CLASSES.items()}


SITE_INFO: dict[str, dict] = site_info()


def content_hash(title: str, summary: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{summary}\n{body}".encode("utf-8")).hexdigest()


def _iso(moment) -> str:
    return moment.replace(second=0, microsecond=0).isoformat()


def expected_record(module: SiteModule, article: Article) -> dict:
    """The record a correct extractor produces from this article's page."""
    truncated = article.defect == "truncated"
    lost = module.after_body if truncated else frozenset()
    paragraphs = article.body[:CUT_AFTER_PARAGRAPHS] if truncated else article.body
    body = "\n\n".join(p for p in (normalize_text(p) for p in paragraphs) if p)
    cut = cut_index(len(article.body))
    slots = image_slots(len(article.body), len(article.images))
    # On a cut page only the images placed before the cut paragraph's end survive.
    images = [{"url": module.image_url(article, image), "caption": normalize_text(image.caption)}
              for image, slot in zip(article.images, slots) if not truncated or slot < cut]
    title, summary = normalize_text(article.title), normalize_text(article.summary)
    source = module.source_line(article)
    record = {
        "url": module.article_url(article),
        "site": module.slug,
        "province": module.province,
        "title": title,
        "summary": summary,
        "published_at": _iso(article.published_at) if module.shows_time
        else article.published_at.date().isoformat(),
        "updated_at": _iso(article.updated_at) if module.shows_updated and article.updated_at else None,
        "author": normalize_text(article.author) if module.shows_author and article.author
        and "author" not in lost else None,
        "source": normalize_text(source) if source and "source" not in lost else None,
        "tags": [normalize_text(t) for t in article.tags] if module.shows_tags and "tags" not in lost else [],
        "category": normalize_text(module.category_of(article).name),
        "images": images,
        "body": body,
    }
    record["content_hash"] = content_hash(title, summary, body)
    return record


def expected_records(content_dir: str | Path | None = None, step: int = 0) -> dict[str, dict]:
    """url -> expected record for every article online at ``step`` that answers 200
    (possibly after one retry); the "404" ones are in :func:`missing_urls` instead."""
    records = {}
    for module in site_modules(content_dir).values():
        for article in module.content.articles:
            if article.online(step) and article.defect != "404":
                record = expected_record(module, article)
                records[record["url"]] = record
    return records


def missing_urls(content_dir: str | Path | None = None, step: int = 0) -> list[str]:
    """Real URLs that listings link to but that answer 404 (defect "404")."""
    return sorted(module.article_url(a) for module in site_modules(content_dir).values()
                  for a in module.content.articles if a.online(step) and a.defect == "404")
