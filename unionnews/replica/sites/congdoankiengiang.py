"""congdoankiengiang.org.vn (LĐLĐ tỉnh Kiên Giang): a provincial government-portal look.

URLs: listing ``/trang/TinTuc/{categoryId}`` and ``…?page=N``; article
``/trang/TinTuc/{categoryId}/{articleId}/{slug}.html``. Dates "(HH:MM | DD/MM/YYYY)" on
listings, article pages and the "Tin mới" sidebar (which comes before the article).
"""
from __future__ import annotations

import re
from datetime import datetime

from ..content import Article, Category, Image
from .base import SiteModule

ARTICLE_PATH = re.compile(r"^/trang/TinTuc/(?P<cat>\d+)/(?P<id>\d+)/(?P<slug>[^/]+)\.html$", re.I)
LISTING_PATH = re.compile(r"^/trang/TinTuc/(?P<cat>\d+)/?$", re.I)


class CongDoanKienGiang(SiteModule):
    slug = "congdoankiengiang"
    name = "Liên đoàn Lao động tỉnh Kiên Giang"
    province = "Kiên Giang"
    domain = "congdoankiengiang.org.vn"
    page_size = 3
    article_url_pattern = r"^https://congdoankiengiang\.org\.vn/trang/TinTuc/\d+/\d+/[^/?#]+\.html$"
    robots_disallow = ("/admin/", "/trang/TimKiem", "/Login.aspx")
    classes = {"title": "title-detail", "date": "date-detail", "summary": "summary-detail",
               "body": "content-detail", "author": "author-detail", "source": "source-detail"}
    redesign_classes = {"title": "tieude-chitiet", "date": "ngay-dang", "summary": "tomtat",
                        "body": "noidung-chitiet"}

    def article_path(self, article: Article) -> str:
        return f"/trang/TinTuc/{article.category_id}/{article.id}/{article.slug}.html"

    def listing_path(self, category: Category, page: int = 1) -> str:
        return f"/trang/TinTuc/{category.id}" + (f"?page={page}" if page > 1 else "")

    def image_src(self, article: Article, image: Image) -> str:
        return f"/Uploads/TinTuc/{article.published_at:%Y/%m}/{image.file}"

    def date_text(self, moment: datetime) -> str:
        return f"({moment:%H:%M} | {moment:%d/%m/%Y})"

    def resolve(self, path: str, query: dict[str, str]) -> tuple | None:
        if path in ("/", "/trang/TrangChu", "/Default.aspx"):
            return ("home",)
        match = ARTICLE_PATH.match(path)
        if match:
            article = self.content.article(match["id"])
            ok = article and article.slug == match["slug"] and article.category_id == match["cat"]
            return ("article", article if ok else None)
        match = LISTING_PATH.match(path)
        if match and self.content.category(match["cat"]):
            page = query.get("page", "1")
            return ("listing", self.content.category(match["cat"]), int(page) if page.isdigit() else 0)
        return None
