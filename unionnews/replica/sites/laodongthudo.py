"""laodongthudo.vn (Báo Lao động Thủ đô, LĐLĐ Hà Nội): MasterCMS markup as SITES.md records it.

URLs: listing ``/{category}`` and ``/{category}/pN``; article ``/{slug}-{id}.html``;
print view ``/apicenter@/print_article&i={id}`` (same article, bare markup).
"""
from __future__ import annotations

import json
import re
from datetime import datetime

from ..content import Article, Category, Image
from ..textforms import unaccent
from .base import Page, SiteModule

ARTICLE_PATH = re.compile(r"^/(?P<slug>[a-z0-9-]+)-(?P<id>\d+)\.html$")
LISTING_PATH = re.compile(r"^/(?P<path>[a-z0-9-]+(?:/[a-z0-9-]+)*?)(?:/p(?P<page>\d+))?/?$")
PRINT_ID = re.compile(r"&i=(\d+)")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


class LaoDongThuDo(SiteModule):
    slug = "laodongthudo"
    name = "Báo Lao động Thủ đô"
    province = "Hà Nội"
    domain = "laodongthudo.vn"
    page_size = 3
    article_url_pattern = r"^https://laodongthudo\.vn/[a-z0-9-]+-\d+\.html$"
    shows_updated = True     # JSON-LD dateModified
    shows_tags = True
    inline_related = True
    robots_disallow = ("/apicenter@/", "/search/", "/tim-kiem/")
    # tags also sit in <meta name="news_keywords"> in the head, so a cut page keeps them
    after_body = frozenset({"author", "source"})
    sitemap_path = "/sitemap.xml"
    classes = {
        "title": "detail-title", "sapo": "detail-sapo", "datetime": "datetime",
        "time": "format_time", "date": "format_date",
        "content": "article-content __MASTERCMS_CONTENT __MB_CONTENT_FOR_PRINTER",
        "body_id": "__MB_MASTERCMS_EL_3", "body": "__MB_MASTERCMS_EL item-content",
    }
    # The 2024-style template: every hook the site rules rely on is renamed.
    redesign_classes = {
        "title": "article__title", "sapo": "article__sapo", "datetime": "article__meta",
        "time": "meta-time", "date": "meta-date", "content": "article__content",
        "body_id": "article-main-body", "body": "article__body rte",
    }

    def article_path(self, article: Article) -> str:
        return f"/{article.slug}-{article.id}.html"

    def listing_path(self, category: Category, page: int = 1) -> str:
        return f"/{category.path}" if page == 1 else f"/{category.path}/p{page}"

    def image_src(self, article: Article, image: Image) -> str:
        t = article.published_at
        return f"{self.base_url}/stores/news_dataimages/{t:%Y}/{t:%m%Y}/{t:%d}/{t:%H}/{image.file}"

    def image_alt(self, article: Article, image: Image) -> str:
        return unaccent(article.title).lower()

    def date_text(self, moment: datetime) -> str:
        return f"{moment:%H:%M} | {moment:%d/%m/%Y}"

    def resolve(self, path: str, query: dict[str, str]) -> tuple | None:
        if path in ("", "/"):
            return ("home",)
        if path.startswith("/apicenter@/print_article"):
            # The id rides in the path itself: "/apicenter@/print_article&i=23038".
            match = PRINT_ID.search(path)
            return ("print", self.content.article(match[1]) if match else None)
        match = ARTICLE_PATH.match(path)
        if match:
            article = self.content.article(match["id"])
            return ("article", article if article and article.slug == match["slug"] else None)
        match = LISTING_PATH.match(path)
        if match:
            category = next((c for c in self.content.categories if c.path == match["path"]), None)
            if category:
                return ("listing", category, int(match["page"] or 1))
        return None

    def handle_extra(self, route: tuple, step: int):
        article = route[1]
        if route[0] == "print" and article and article.online(step) and article.defect != "404":
            return Page(200, self.render("print.html", a=article, blocks=self.body_blocks(article),
                                         date=self.date_text(article.published_at), url=self.article_url(article)))
        return self.not_found(step)

    def render(self, template: str, **context) -> str:
        context.setdefault("today", self._today(context.get("step", 0)))
        article = context.get("a")
        if article is not None and template == "article.html":
            context["jsonld"] = self.json_ld(article)
        return super().render(template, **context)

    def _today(self, step: int) -> str:
        # The header shows "today"; on the replica that is the newest article's day, a
        # date that is never the article's own (a trap for first-date-on-page extractors).
        latest = self.content.online(step)
        moment = latest[0].published_at if latest else datetime(2021, 1, 1)
        return f"{WEEKDAYS[moment.weekday()]}, {moment:%d/%m/%Y}"

    def json_ld(self, article: Article) -> str:
        data = {
            "@context": "https://schema.org", "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": self.article_url(article)},
            "headline": article.title, "description": article.summary,
            "image": [self.image_url(article, i) for i in article.images],
            "datePublished": article.published_at.replace(second=0, microsecond=0).isoformat(),
            "publisher": {"@type": "Organization", "name": self.name,
                          "logo": {"@type": "ImageObject", "url": f"{self.base_url}/images/logo.png"}},
        }
        if article.updated_at:
            data["dateModified"] = article.updated_at.replace(second=0, microsecond=0).isoformat()
        # "</" inside a script block would end it early.
        return json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")
