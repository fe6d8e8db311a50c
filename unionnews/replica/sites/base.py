"""What every replica site shares: URL building, routing results, body layout and rendering.

A site module subclasses :class:`SiteModule`, sets its data (domain, page size, CSS class
names, robots rules) and implements ``article_path``/``listing_path``/``resolve``. The
expected records in ``truth.py`` call the same methods, so pages and expectations cannot
drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from jinja2 import Environment

from ..content import Article, Category, Image, SiteContent

# Marks the end of the 3rd body paragraph; the server cuts "truncated" pages here and
# strips the mark from every other page.
CUT_MARK = "<!--replica:cut-->"
CUT_AFTER_PARAGRAPHS = 3


@dataclass
class Page:
    status: int
    text: str
    content_type: str = "text/html"
    article: Article | None = None  # set on article pages so the server can apply defects


@dataclass
class Block:
    """One piece of an article body in page order: a paragraph, an image, the cut mark,
    or an inline related-news box."""
    kind: str  # "p" | "img" | "cut" | "related"
    text: str = ""
    url: str = ""
    caption: str = ""
    alt: str = ""
    items: list = field(default_factory=list)


def image_slots(n_paragraphs: int, n_images: int) -> list[int]:
    """Index of the paragraph each image follows: the 1st after paragraph 1, the 2nd after
    paragraph 3, … (clamped to the last paragraph)."""
    last = max(n_paragraphs - 1, 0)
    return [min(2 * j, last) for j in range(n_images)]


def cut_index(n_paragraphs: int) -> int:
    """Index of the paragraph a truncated page ends with."""
    return max(min(CUT_AFTER_PARAGRAPHS, n_paragraphs) - 1, 0)


class SiteModule:
    slug = ""
    name = ""
    province = ""
    domain = ""
    aliases: tuple[str, ...] = ()
    page_size = 5
    article_url_pattern = ""  # regex over real article URLs (for registry entries and tests)
    feeds: tuple[str, ...] = ()  # site-relative feed paths
    shows_time = True        # the article page shows the time of day, not only the date
    shows_updated = False    # the page exposes updated_at (meta / JSON-LD)
    shows_tags = False
    shows_author = True
    # Fields rendered after the body: a page cut after body paragraph 3 loses them.
    after_body = frozenset({"author", "source", "tags"})
    inline_related = False   # a related-news box sits inside the body after paragraph 1
    robots_disallow: tuple[str, ...] = ()
    classes: dict[str, str] = {}
    redesign_classes: dict[str, str] = {}
    source_prefix = "Nguồn: "
    sitemap_path = ""

    def __init__(self, content: SiteContent, env: Environment):
        self.content = content
        self.env = env

    # ---- URLs -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"https://{self.domain}"

    def article_path(self, article: Article) -> str:
        raise NotImplementedError

    def listing_path(self, category: Category, page: int = 1) -> str:
        raise NotImplementedError

    def image_src(self, article: Article, image: Image) -> str:
        """The image's src as written in the page (absolute or root-relative)."""
        raise NotImplementedError

    def article_url(self, article: Article) -> str:
        return self.base_url + self.article_path(article)

    def listing_url(self, category: Category, page: int = 1) -> str:
        return self.base_url + self.listing_path(category, page)

    def image_url(self, article: Article, image: Image) -> str:
        return urljoin(self.base_url + "/", self.image_src(article, image))

    def resolve(self, path: str, query: dict[str, str]) -> tuple | None:
        """Map a request to ("article", Article) / ("listing", Category, page) / ("home",)
        / (other site-specific kind, …), or None for 404."""
        raise NotImplementedError

    # ---- what pages show ---------------------------------------------------------------
    def date_text(self, moment: datetime) -> str:
        raise NotImplementedError

    def source_line(self, article: Article) -> str | None:
        if not article.source:
            return None
        if article.source.startswith(("Nguồn", "Theo")):
            return article.source
        return self.source_prefix + article.source

    def category_of(self, article: Article) -> Category:
        return self.content.category(article.category_id)

    def pages_in(self, category: Category, step: int) -> int:
        count = len(self.content.online(step, category.id))
        return max(1, -(-count // self.page_size))

    def body_blocks(self, article: Article) -> list[Block]:
        slots = image_slots(len(article.body), len(article.images))
        cut = cut_index(len(article.body))
        blocks: list[Block] = []
        for i, paragraph in enumerate(article.body):
            blocks.append(Block("p", text=paragraph))
            if i == cut:
                blocks.append(Block("cut"))
            if i == 0 and self.inline_related:
                blocks.append(Block("related", items=self._related(article)))
            for image, slot in zip(article.images, slots):
                if slot == i:
                    blocks.append(Block("img", url=self.image_src(article, image),
                                        caption=image.caption, alt=self.image_alt(article, image)))
        return blocks

    def image_alt(self, article: Article, image: Image) -> str:
        return article.title

    # ---- page parts --------------------------------------------------------------------
    def teaser(self, article: Article) -> dict:
        image = article.images[0] if article.images else None
        return {"url": self.article_url(article), "path": self.article_path(article),
                "title": article.title, "summary": article.summary,
                "date": self.date_text(article.published_at), "published_at": article.published_at,
                "image": self.image_src(article, image) if image else None, "id": article.id}

    def others(self, article: Article | None, step: int, limit: int = 5, offset: int = 0) -> list[dict]:
        """Other articles of the site (sidebar / "Tin khác" boxes): they carry their own
        dates, which is exactly what makes them traps for date extraction."""
        items = [a for a in self.content.online(step) if article is None or a.id != article.id]
        return [self.teaser(a) for a in items[offset:offset + limit]]

    def _related(self, article: Article) -> list[dict]:
        same = [a for a in self.content.articles if a.category_id == article.category_id
                and a.id != article.id and a.publish_step == 0]
        return [self.teaser(a) for a in same[:3]]

    def render(self, template: str, **context) -> str:
        context.setdefault("charset", "utf-8")
        return self.env.get_template(f"{self.slug}/{template}").render(site=self, **context)

    # ---- request handling --------------------------------------------------------------
    def handle(self, path: str, query: dict[str, str], *, step: int, redesign: bool = False,
               charset_for=None) -> Page:
        """Answer one request. ``charset_for(article)`` tells which charset an article page
        declares (the server decides encodings)."""
        if path == "/robots.txt":
            return Page(200, self.robots_txt(), "text/plain")
        route = self.resolve(path, query)
        if route is None:
            return self.not_found(step)
        kind = route[0]
        if kind == "home":
            return Page(200, self.render("home.html", step=step, categories=self.content.categories,
                                         latest=self.others(None, step, limit=8)))
        if kind == "listing":
            category, page = route[1], route[2]
            if page < 1 or page > self.pages_in(category, step):
                return self.not_found(step)
            return Page(200, self.render_listing(category, page, step))
        if kind == "article":
            article = route[1]
            if article is None or not article.online(step) or article.defect == "404":
                return self.not_found(step)
            charset = charset_for(article) if charset_for else "utf-8"
            return Page(200, self.render_article(article, step, redesign, charset), article=article)
        return self.handle_extra(route, step)

    def handle_extra(self, route: tuple, step: int) -> Page:
        return self.not_found(step)

    def render_listing(self, category: Category, page: int, step: int) -> str:
        items = self.content.online(step, category.id)
        start = (page - 1) * self.page_size
        pages = self.pages_in(category, step)
        return self.render(
            "listing.html", step=step, category=category, page=page, pages=pages,
            items=[self.teaser(a) for a in items[start:start + self.page_size]],
            page_urls={n: self.listing_path(category, n) for n in range(1, pages + 1)},
            categories=self.content.categories, latest=self.others(None, step, limit=5))

    def render_article(self, article: Article, step: int, redesign: bool, charset: str) -> str:
        classes = dict(self.classes)
        if redesign:
            classes.update(self.redesign_classes)
        return self.render(
            "article.html", step=step, a=article, c=classes, redesign=redesign, charset=charset,
            url=self.article_url(article), category=self.category_of(article),
            date=self.date_text(article.published_at), blocks=self.body_blocks(article),
            source=self.source_line(article), categories=self.content.categories,
            others=self.others(article, step, limit=5), latest=self.others(article, step, limit=5, offset=5),
            views=self.view_count(article))

    def view_count(self, article: Article) -> int:
        # Stable per article so re-crawls see the same page apart from real changes.
        return 100 + sum(ord(ch) for ch in article.slug) * 7 % 4000

    def not_found(self, step: int) -> Page:
        return Page(404, self.render("404.html", step=step, categories=self.content.categories))

    def robots_txt(self) -> str:
        lines = ["User-agent: *"] + [f"Disallow: {p}" for p in self.robots_disallow] + ["Allow: /"]
        if self.sitemap_path:
            lines += ["", f"Sitemap: {self.base_url}{self.sitemap_path}"]
        return "\n".join(lines) + "\n"
