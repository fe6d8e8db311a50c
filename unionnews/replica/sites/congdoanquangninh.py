"""congdoanquangninh.org.vn (LĐLĐ tỉnh Quảng Ninh): WordPress + Elementor + JetEngine.

URLs: listing ``/category/{path}/`` and ``/category/{path}/page/N/``; post
``/{yyyy}/{mm}/{dd}/{slug}/``; ``/feed/`` (RSS 2.0, newest 10 posts online at the current
step); ``/?p={id}`` shortlinks answer the post too. The post shows the date only, but
``time.entry-date[datetime]`` and ``article:published_time`` carry the time.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import format_datetime

from ..content import Article, Category, Image
from .base import Page, SiteModule

POST_PATH = re.compile(r"^/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/(?P<slug>[a-z0-9-]+)/?$")
CATEGORY_PATH = re.compile(r"^/category/(?P<path>.+?)(?:/page/(?P<page>\d+))?/?$")
FEED_SIZE = 10


class CongDoanQuangNinh(SiteModule):
    slug = "congdoanquangninh"
    name = "Liên đoàn Lao động tỉnh Quảng Ninh"
    province = "Quảng Ninh"
    domain = "congdoanquangninh.org.vn"
    page_size = 3
    article_url_pattern = r"^https://congdoanquangninh\.org\.vn/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/$"
    shows_updated = True     # meta article:modified_time
    shows_tags = True
    after_body = frozenset({"source", "tags"})  # the author sits in the post-info bar above
    robots_disallow = ("/wp-admin/", "/?s=", "/search/")
    sitemap_path = "/wp-sitemap.xml"
    feeds = ("/feed/",)
    classes = {"title": "entry-title", "date": "entry-date published", "body": "entry-content",
               "updated": "updated"}
    redesign_classes = {"title": "qn-post-heading", "date": "qn-post-time", "body": "qn-post-text",
                        "updated": "qn-post-modified"}

    def article_path(self, article: Article) -> str:
        return f"/{article.published_at:%Y/%m/%d}/{article.slug}/"

    def listing_path(self, category: Category, page: int = 1) -> str:
        return f"/category/{category.path}/" + (f"page/{page}/" if page > 1 else "")

    def image_src(self, article: Article, image: Image) -> str:
        return f"{self.base_url}/wp-content/uploads/{article.published_at:%Y/%m}/{image.file}"

    def date_text(self, moment: datetime) -> str:
        return f"{moment:%d/%m/%Y}"

    def resolve(self, path: str, query: dict[str, str]) -> tuple | None:
        if path in ("", "/"):
            if query.get("p"):
                return ("article", self.content.article(query["p"]))
            return ("home",)
        if path.rstrip("/") == "/feed":
            return ("feed",)
        if path == self.sitemap_path:
            return ("sitemap",)
        match = POST_PATH.match(path)
        if match:
            article = next((a for a in self.content.articles if a.slug == match["slug"]), None)
            if article and self.article_path(article).strip("/") != path.strip("/"):
                article = None
            return ("article", article)
        match = CATEGORY_PATH.match(path)
        if match:
            category = next((c for c in self.content.categories if c.path == match["path"]), None)
            if category:
                return ("listing", category, int(match["page"] or 1))
        return None

    def handle_extra(self, route: tuple, step: int) -> Page:
        if route[0] == "feed":
            items = self.content.online(step)[:FEED_SIZE]
            return Page(200, self.render("feed.xml", items=items, build=_rfc822(items[0].published_at) if items else ""),
                        "application/rss+xml")
        if route[0] == "sitemap":
            urls = [self.article_url(a) for a in self.content.online(step)]
            urls += [self.listing_url(c) for c in self.content.categories]
            return Page(200, self.render("sitemap.xml", urls=urls), "application/xml")
        return self.not_found(step)

    def render(self, template: str, **context) -> str:
        context.setdefault("rfc822", _rfc822)
        context.setdefault("iso", _iso)
        return super().render(template, **context)


def _iso(moment: datetime) -> str:
    return moment.replace(second=0, microsecond=0).isoformat()


def _rfc822(moment: datetime) -> str:
    # WordPress feeds give pubDate in GMT.
    return format_datetime(moment.replace(second=0, microsecond=0).astimezone(timezone.utc))
