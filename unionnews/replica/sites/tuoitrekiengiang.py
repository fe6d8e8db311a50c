"""tuoitrekiengiang.vn (Tỉnh đoàn Kiên Giang): a small PHP CMS that republishes Báo Kiên Giang.

URLs: listing ``/list.php?cat={categoryId}`` and ``…&page=P``; article ``/news.php?id={id}``.
Article pages show the date only ("Ngày đăng: 18.04.2014"), so expected records carry a
date-only ``published_at``.
"""
from __future__ import annotations

from datetime import datetime

from ..content import Article, Category, Image
from .base import SiteModule


class TuoiTreKienGiang(SiteModule):
    slug = "tuoitrekiengiang"
    name = "Tỉnh đoàn Kiên Giang"
    province = "Kiên Giang"
    domain = "tuoitrekiengiang.vn"
    page_size = 3
    article_url_pattern = r"^https://tuoitrekiengiang\.vn/news\.php\?id=\d+$"
    shows_time = False
    robots_disallow = ("/admin/", "/search.php", "/login.php")
    classes = {"title": "title_news", "date": "date_news", "summary": "sapo_news", "body": "content_news"}
    redesign_classes = {"title": "tieude", "date": "ngaydang", "summary": "tomtat", "body": "noidung"}

    def article_path(self, article: Article) -> str:
        return f"/news.php?id={article.id}"

    def listing_path(self, category: Category, page: int = 1) -> str:
        return f"/list.php?cat={category.id}" + (f"&page={page}" if page > 1 else "")

    def image_src(self, article: Article, image: Image) -> str:
        return f"/uploads/news/{image.file}"

    def date_text(self, moment: datetime) -> str:
        return f"{moment:%d.%m.%Y}"

    def resolve(self, path: str, query: dict[str, str]) -> tuple | None:
        if path in ("/", "/index.php"):
            return ("home",)
        if path == "/news.php":
            return ("article", self.content.article(query.get("id", "")))
        if path == "/list.php":
            category = self.content.category(query.get("cat", ""))
            page = query.get("page", "1")
            if category:
                return ("listing", category, int(page) if page.isdigit() else 0)
        return None
