"""congdoannghean.vn (Công đoàn Nghệ An): "Trang thông tin điện tử" portal.

URLs: listing ``/{category}`` and ``/{category}?page=N``; article
``/{category}/{slug}-{id}.html``. Date "HH:MM DD/MM/YYYY" under the title; after the body
the source line ("Theo D.T - Baonghean.vn"), "Từ khóa:", then "TIN TỨC MỚI NHẤT" with
other articles' dates.
"""
from __future__ import annotations

import re
from datetime import datetime

from ..content import Article, Category, Image
from .base import SiteModule

ARTICLE_PATH = re.compile(r"^/(?P<cat>.+)/(?P<slug>[a-z0-9-]+)-(?P<id>\d+)\.html$")


class CongDoanNgheAn(SiteModule):
    slug = "congdoannghean"
    name = "Công đoàn Nghệ An"
    province = "Nghệ An"
    domain = "congdoannghean.vn"
    page_size = 3
    article_url_pattern = r"^https://congdoannghean\.vn/[a-z0-9/-]+/[a-z0-9-]+-\d+\.html$"
    shows_tags = True
    robots_disallow = ("/admin/", "/tim-kiem", "/Account/")
    classes = {"title": "title-detail", "date": "time-detail", "summary": "sapo-detail",
               "body": "content-detail", "author": "author-detail", "source": "source-detail",
               "tags": "tags-detail"}
    redesign_classes = {"title": "post-name", "date": "post-created", "summary": "post-desc",
                        "body": "post-fulltext"}

    def article_path(self, article: Article) -> str:
        return f"/{self.category_of(article).path}/{article.slug}-{article.id}.html"

    def listing_path(self, category: Category, page: int = 1) -> str:
        return f"/{category.path}" + (f"?page={page}" if page > 1 else "")

    def image_src(self, article: Article, image: Image) -> str:
        return f"/upload/images/{article.published_at:%Y/%m}/{image.file}"

    def date_text(self, moment: datetime) -> str:
        return f"{moment:%H:%M %d/%m/%Y}"

    def resolve(self, path: str, query: dict[str, str]) -> tuple | None:
        if path in ("", "/", "/trang-chu"):
            return ("home",)
        match = ARTICLE_PATH.match(path)
        if match:
            article = self.content.article(match["id"])
            ok = article and article.slug == match["slug"] and self.category_of(article).path == match["cat"]
            return ("article", article if ok else None)
        category = next((c for c in self.content.categories if c.path == path.strip("/")), None)
        if category:
            page = query.get("page", "1")
            return ("listing", category, int(page) if page.isdigit() else 0)
        return None
