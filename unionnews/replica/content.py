"""Load the replica's article content (``content/<slug>.json``) into plain objects.

The JSON files are the single source for both the served pages and the expected crawl
results (``truth.py``), so everything derived from them goes through this module.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

DEFAULT_CONTENT_DIR = Path(__file__).parent / "content"

# Every page shows local Vietnamese time.
VIETNAM_TZ = timezone(timedelta(hours=7))

SLUGS = ("congdoankiengiang", "tuoitrekiengiang", "congdoanquangninh", "laodongthudo", "congdoannghean")

DEFECTS = (None, "404", "500-once", "truncated", "cp1258", "nfd")


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    path: str  # slashes stripped: "cong-doan", "tin-tuc/cong-doan"


@dataclass(frozen=True)
class Image:
    file: str
    caption: str


@dataclass
class Article:
    id: str
    slug: str
    category_id: str
    title: str
    summary: str
    published_at: datetime  # timezone-aware (+07:00)
    updated_at: datetime | None
    author: str | None
    source: str | None
    tags: list[str]
    images: list[Image]
    body: list[str]
    defect: str | None
    republished_of: str | None
    publish_step: int

    def online(self, step: int) -> bool:
        return self.publish_step <= step


@dataclass
class SiteContent:
    site: str
    categories: list[Category]
    articles: list[Article] = field(default_factory=list)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == str(category_id)), None)

    def article(self, article_id: str) -> Article | None:
        return next((a for a in self.articles if a.id == str(article_id)), None)

    def online(self, step: int, category_id: str | None = None) -> list[Article]:
        """Articles published at ``step``, newest first: a later publish step always sorts
        above older items, the way fresh news lands on top of a real listing."""
        items = [a for a in self.articles if a.online(step)
                 and (category_id is None or a.category_id == str(category_id))]
        return sorted(items, key=lambda a: (a.publish_step, a.published_at, _id_key(a.id)), reverse=True)


def _id_key(article_id: str) -> tuple[int, str]:
    return (int(article_id), "") if article_id.isdigit() else (0, article_id)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without offset: {value!r}")
    return parsed.astimezone(VIETNAM_TZ)


def _opt(value) -> str | None:
    return value if value not in (None, "") else None


def parse_site(data: dict) -> SiteContent:
    """Turn one decoded content file into a :class:`SiteContent`, validating as it goes."""
    categories = [Category(str(c["id"]), c["name"], str(c.get("path") or c["id"]).strip("/"))
                  for c in data["categories"]]
    site = SiteContent(site=data["site"], categories=categories)
    for raw in data["articles"]:
        defect = raw.get("defect")
        if defect not in DEFECTS:
            raise ValueError(f"{data['site']}: unknown defect {defect!r}")
        article = Article(
            id=str(raw["id"]), slug=raw["slug"], category_id=str(raw["category_id"]),
            title=raw["title"], summary=raw.get("summary") or "",
            published_at=_parse_time(raw["published_at"]),
            updated_at=_parse_time(raw.get("updated_at")),
            author=_opt(raw.get("author")), source=_opt(raw.get("source")),
            tags=list(raw.get("tags") or []),
            images=[Image(i["file"], i.get("caption") or "") for i in raw.get("images") or []],
            body=[p for p in raw["body"] if p and p.strip()],
            defect=defect, republished_of=_opt(raw.get("republished_of")),
            publish_step=int(raw.get("publish_step") or 0),
        )
        if site.category(article.category_id) is None:
            raise ValueError(f"{data['site']}: article {article.id} has unknown category {article.category_id}")
        site.articles.append(article)
    return site


def load_site(slug: str, content_dir: str | Path | None = None) -> SiteContent | None:
    """The content of one site, or None when its file does not exist (yet)."""
    path = Path(content_dir or DEFAULT_CONTENT_DIR) / f"{slug}.json"
    if not path.is_file():
        return None
    return parse_site(json.loads(path.read_text(encoding="utf-8")))


def load_all(content_dir: str | Path | None = None) -> dict[str, SiteContent]:
    """Every site whose content file exists, keyed by slug, in the order of :data:`SLUGS`."""
    loaded = {slug: load_site(slug, content_dir) for slug in SLUGS}
    return {slug: site for slug, site in loaded.items() if site is not None}
