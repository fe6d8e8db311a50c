"""Onboarding a new site: write its registry entry, then check in a minute that it works.

``unionnews sites add`` builds a registry entry (docs/ARCHITECTURE.md, "Site registry entry")
from command-line options, validates it with :func:`archive.registry.site_from_dict` (which
tries every selector with parsel, as the crawler applies it, and compiles the URL pattern) and
writes ``$UNIONNEWS_HOME/sites/<slug>.toml``; an invalid value is one line naming the option
as the user wrote it (``--title: invalid CSS selector 'h3[': …``). ``unionnews sites check`` fetches a few listing
pages and articles of a site (the real one, or the replica web) and reports per field what
was extracted and from where (the site's selector or generic extraction), so an operator
sees which selectors to add, and per configured selector whether it matched on each page
("matched N" / "no match" / "invalid"), with the captions of the images found.

It fetches with ``crawler.fetch.SiteFetcher``, which honours the crawler's settings and their
``UNIONNEWS_<NAME>`` overrides (User-Agent, robots.txt through Protego, timeout, size cap,
retries, redirects, content sanity, the replica's addresses), so a check sees a site as a
crawl would.

The check reads listings with the spider's own reader, ``crawler.listing.read_listing``: the
``article_links`` selector (default: every link), links canonicalised (no session ids,
tracking parameters or fragments), the ``article_url_pattern`` filter, and ``next_page`` for
paging. It fetches only URLs of the site's own domains.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from archive.record import RECORD_KEYS
from archive.registry import (ARTICLE_FIELDS, ARTICLE_SELECTOR_KEYS, SLUG_PATTERN, RegistryError, Site, broken_entries,
                              css_problem, load_registry, selector_entries, site_from_dict)
from archive.errors import UserError

if TYPE_CHECKING:  # the fetcher (crawler.fetch.SiteFetcher) is loaded by `sites check` only
    from crawler.fetch import Fetched

HOSTNAME_PATTERN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Article selector keys that hold a list; repeating `--selector body_remove=...` appends.
LIST_SELECTOR_KEYS = frozenset({"body_remove"})
# The `sites add` option of each listing key (article fields: `--title`, `--published-at`, …).
LISTING_OPTIONS = {"article_links": "--article-links", "next_page": "--next-page",
                   "article_url_pattern": "--article-pattern"}
# Fields reported by `sites check`, in the record's order (url is shown on the article line).
REPORTED_FIELDS = tuple(key for key in RECORD_KEYS if key not in ("url", "site", "province", "fetched_at", "content_hash"))
VALUE_WIDTH = 70
LINE_WIDTH = 120
# (applies to the report, advice) printed after the counts.
HINTS = (
    (lambda report: not report.links,
     "no article links found: check the listing URLs, --article-pattern and --article-links"),
    (lambda report: not report.site.listing.get("article_url_pattern") and not report.site.listing.get("article_links"),
     "every link on the site's domain counts as an article: give --article-pattern"),
    (lambda report: not report.site.listing.get("next_page"),
     "no next-page selector: the crawler reads only the first page of each listing (--next-page)"),
    (lambda report: any(article.record and not article.record.get("published_at") for article in report.articles),
     "articles without a date: add --selector published_at=CSS"),
)


# -- sites add -----------------------------------------------------------------------------------

def field_option(name: str) -> str:
    """The `sites add` option of an article field: ``published_at`` → ``--published-at``."""
    return "--" + name.replace("_", "-")


def parse_selectors(items: tuple[str, ...] | list[str], field_selectors: dict | None = None,
                    origins: dict | None = None) -> dict:
    """``["title=h1.title", "body_remove=div.ads"]`` (``--selector``) plus the per-field options
    (``{"author": "p.author", "body_remove": ("div.ads",)}``) → the ``[article]`` table.

    ``origins``, when given, is filled with the option each value came from, by entry key
    (``article.title`` → ``--title``), so errors name the option the user wrote."""
    article: dict = {}
    origins = {} if origins is None else origins

    def put(name: str, css: str, option: str) -> None:
        if name in LIST_SELECTOR_KEYS:
            values = article.setdefault(name, [])
            origins[f"article.{name}[{len(values)}]"] = option
            values.append(css)
        elif name in article:
            raise UserError(f"{option}: field {name!r} given twice (also {origins[f'article.{name}']})")
        else:
            article[name] = css
            origins[f"article.{name}"] = option

    for name in ARTICLE_FIELDS:
        given = (field_selectors or {}).get(name)
        for css in ([given] if isinstance(given, str) else given or ()):
            put(name, css.strip(), field_option(name))
    for item in items:
        name, separator, css = item.partition("=")
        name, css = name.strip(), css.strip()
        if not separator or not name or not css:
            raise UserError(f"--selector {item!r}: expected FIELD=CSS, e.g. title=h1.detail-title")
        if name not in ARTICLE_SELECTOR_KEYS:
            raise UserError(f"--selector {item!r}: unknown field {name!r}; fields: {', '.join(sorted(ARTICLE_SELECTOR_KEYS))}")
        put(name, css, f"--selector {name}")
    return article


def option_for(key: str, origins: dict | None = None) -> str:
    """The `sites add` option that set entry key ``key`` (``listing.next_page`` → ``--next-page``)."""
    if origins and key in origins:
        return origins[key]
    table, _, name = key.partition("[")[0].partition(".")
    if table == "listing" and name in LISTING_OPTIONS:
        return LISTING_OPTIONS[name]
    return field_option(name) if table == "article" else key


def _hostname(domain: str) -> str:
    """Accepts ``laodongthudo.vn`` or a pasted ``https://laodongthudo.vn/``."""
    host = (urlsplit(domain).hostname if "://" in domain else domain).strip().strip("/").lower()
    if not HOSTNAME_PATTERN.match(host or ""):
        raise UserError(f"--domain {domain!r} is not a host name like laodongthudo.vn")
    return host


def build_entry(*, slug: str, name: str, province: str, domain: str, listing_urls: list[str],
                article_pattern: str | None = None, selectors: dict | None = None, aliases: list[str] = (),
                article_links: str | None = None, next_page: str | None = None, origins: dict | None = None) -> dict:
    """A registry entry as a dict, validated; raises UserError with a clear reason.

    An invalid selector or URL pattern is reported under the option that gave it (``origins``
    from :func:`parse_selectors`, else the field's own option)."""
    if not SLUG_PATTERN.match(slug or ""):
        raise UserError(f"--slug {slug!r}: use 2-40 lowercase letters, digits or _, starting with a letter")
    host = _hostname(domain)
    hosts = [host, *(_hostname(alias) for alias in aliases)]
    if not listing_urls:
        raise UserError("give at least one --listing-url")
    for url in listing_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UserError(f"--listing-url {url!r} is not an http(s) URL")
        if parts.hostname.lower() not in hosts:
            raise UserError(f"--listing-url {url!r} is not on {host}; add --alias {parts.hostname} if it is the same site")
    entry = {"slug": slug, "name": name.strip(), "province": province.strip(), "domain": host,
             "aliases": hosts[1:], "start_urls": list(listing_urls), "feeds": [], "enabled": True}
    listing = {key: value for key, value in (("article_links", article_links), ("next_page", next_page),
                                               ("article_url_pattern", article_pattern)) if value}
    if listing:
        entry["listing"] = listing
    if selectors:
        entry["article"] = selectors
    try:
        site_from_dict(entry)
    except RegistryError as error:
        if error.key:
            raise UserError(f"{option_for(error.key, origins)}: {error.problem}") from None
        raise UserError(f"invalid site entry: {error}") from None
    return entry


def write_site(sites_dir: Path, entry: dict, *, force: bool = False) -> Path:
    """Write ``<sites_dir>/<slug>.toml``; refuses a taken slug or domain unless ``force``."""
    import tomli_w

    from archive.registry import reload_registry

    if not force:
        registry = load_registry(sites_dir)
        if entry["slug"] in broken_entries(sites_dir) and entry["slug"] not in registry:
            error = broken_entries(sites_dir)[entry["slug"]]
            raise UserError(f"site {entry['slug']!r} already exists and cannot be used ({error}); "
                            "use --force to replace it")
        if entry["slug"] in registry:
            where = registry[entry["slug"]].source_path or "the registry"
            raise UserError(f"site {entry['slug']!r} already exists ({where}); use --force to replace it")
        for site in registry.values():
            if set(site.domains) & {entry["domain"], *entry["aliases"]}:
                raise UserError(f"{entry['domain']} is already registered as {site.slug!r}; "
                                "use --force to register it twice")
    sites_dir.mkdir(parents=True, exist_ok=True)
    path = sites_dir / f"{entry['slug']}.toml"
    path.write_bytes(tomli_w.dumps(entry).encode("utf-8"))
    reload_registry()  # the registry is cached per directory
    return path


# -- checking ------------------------------------------------------------------------------------

@dataclass
class SelectorResult:
    """One configured selector on one page: ``matched`` nodes, or ``error`` when it is invalid.
    ``blank``: every string a ``::text``/``::attr()`` selector matched is empty."""

    name: str           # title, body_remove[0], article_links, next_page, …
    css: str
    matched: int = 0
    blank: bool = False
    error: str | None = None

    @property
    def state(self) -> str:
        if self.error:
            return "invalid"
        if not self.matched:
            return "no match"
        return f"matched {self.matched}" + (" (all blank)" if self.blank else "")


def configured_selectors(site: Site, table: str) -> list[tuple[str, str]]:
    """``(name, css)`` of the site's non-empty selectors of ``table`` ("listing" or "article")."""
    entries = selector_entries({"listing": site.listing, "article": site.article})
    return [(key.split(".", 1)[1], css) for key, _, css in entries
            if key.startswith(table + ".") and isinstance(css, str) and css.strip()]


def match_selectors(selectors: list[tuple[str, str]], html: str) -> list[SelectorResult]:
    """Apply each selector to ``html`` with parsel, as the crawler does, and count its matches."""
    from parsel import Selector

    page = Selector(text=html)
    results = []
    for name, css in selectors:
        result = SelectorResult(name, css)
        try:
            matched = page.css(css)
        except Exception:  # noqa: BLE001 - the registry refuses these; report, never crash a check
            result.error = css_problem(css) or "cannot be applied"
        else:
            result.matched = len(matched)
            if matched and "::" in css:
                result.blank = not any(value.strip() for value in matched.getall())
        results.append(result)
    return results


@dataclass
class ListingPage:
    url: str
    status: int | None
    error: str | None
    links: list[str]
    next_url: str | None
    selectors: list[SelectorResult] = field(default_factory=list)


@dataclass
class ArticleCheck:
    url: str
    status: int | None
    error: str | None = None
    record: dict | None = None
    field_sources: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    selectors: list[SelectorResult] = field(default_factory=list)

    @property
    def extracted(self) -> bool:
        return bool(self.record and self.record.get("title") and self.record.get("body"))


@dataclass
class CheckReport:
    site: Site
    listings: list[ListingPage] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    articles: list[ArticleCheck] = field(default_factory=list)

    @property
    def extracted(self) -> int:
        return sum(article.extracted for article in self.articles)

    def missing(self) -> dict[str, int]:
        """Per field, how many fetched articles came out without it."""
        records = [article.record for article in self.articles if article.record]
        return {name: sum(not record.get(name) for record in records) for name in REPORTED_FIELDS}


def check_site(site: Site, fetch: Callable[[str], Fetched], *, pages: int = 2, articles: int = 5) -> CheckReport:
    """Fetch up to ``pages`` listing pages per start URL and the first ``articles`` articles."""
    from crawler.extract import decode_html, extract_article
    from crawler.listing import decode_page, read_listing

    report = CheckReport(site)
    listing_selectors, article_selectors = configured_selectors(site, "listing"), configured_selectors(site, "article")
    for start_url in site.start_urls:
        url, seen = start_url, set()
        while url and url not in seen and len(seen) < pages:
            seen.add(url)
            fetched = fetch(url)
            links, next_url, matches = [], None, []
            if fetched.ok:  # read as the spider reads it, relative to where a redirect led
                text = decode_page(fetched.body, fetched.content_type)
                listing = read_listing(site, text, fetched.url)
                links, next_url = listing.links, listing.next_url
                matches = match_selectors(listing_selectors, text)
            report.listings.append(ListingPage(url, fetched.status, fetched.error, links, next_url, matches))
            report.links.extend(link for link in links if link not in report.links)
            url = next_url
    for url in report.links[:articles]:
        fetched = fetch(url)
        check = ArticleCheck(url, fetched.status, fetched.error)
        if fetched.ok:
            try:
                extraction = extract_article(fetched.body, url, site=site, http_charset=fetched.charset)
            except Exception as error:  # report it like the spider does, and go on
                check.error = f"extraction error: {error!r}"[:200]
            else:
                check.record, check.field_sources = extraction.record, extraction.field_sources
                check.problems = list(extraction.problems)
                check.selectors = match_selectors(article_selectors, decode_html(fetched.body, fetched.charset)[0])
        elif not check.error:
            check.error = f"http {fetched.status}"
        report.articles.append(check)
    return report


def _preview(name: str, value) -> str:
    if name == "body":
        paragraphs = [p for p in (value or "").split("\n\n") if p]
        text = f"{len(paragraphs)} paragraphs, {len(value or '')} chars: {paragraphs[0] if paragraphs else ''}"
    elif name == "images":
        text = f"{len(value)}: " + ", ".join(image["url"] for image in value)
    elif isinstance(value, list):
        text = f"{len(value)}: " + ", ".join(value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= VALUE_WIDTH else text[:VALUE_WIDTH - 1] + "…"


def _cut(text: str, width: int = LINE_WIDTH) -> str:
    """``text`` on one line (line breaks and tabs as spaces), at most ``width`` characters."""
    text = re.sub(r"[\r\n\t]+", " ", text)
    return text if len(text) <= width else text[:width - 1] + "…"


def _selector_lines(results: list[SelectorResult]) -> list[str]:
    lines = []
    for result in results:
        line = f"  selector {result.name:<15}{result.state:<14}{result.css}"
        if result.error:  # the reason, without the "invalid CSS selector '…'" the line already says
            line += f"  ({result.error.removeprefix(f'invalid CSS selector {result.css!r}: ')})"
        lines.append(_cut(line))
    return lines


def _image_lines(images: list[dict]) -> list[str]:
    """One line per image: its URL and caption (the images field's captions)."""
    lines = []
    for number, image in enumerate(images, 1):
        caption = " ".join((image.get("caption") or "").split())
        caption = f"\"{_cut(caption, 90)}\"" if caption else "(none)"
        lines.append(_cut(f"    image {number}  caption: {caption}  {image.get('url', '')}", 160))
    return lines


def _selector_summary(pages: list[list[SelectorResult]], what: str) -> list[str]:
    """Per selector, on how many of the checked pages it matched."""
    by_name: dict[str, list[SelectorResult]] = {}
    for results in pages:
        for result in results:
            by_name.setdefault(result.name, []).append(result)
    lines = []
    for name, results in by_name.items():
        invalid = next((result for result in results if result.error), None)
        if invalid:
            state = f"invalid: {invalid.error}"
        else:
            matched = sum(1 for result in results if result.matched)
            state = f"matched on {matched}/{len(results)} {what}" if matched else f"no match on {len(results)} {what}"
        lines.append(_cut(f"selector {name:<15}{state}"))
    return lines


def format_report(report: CheckReport) -> list[str]:
    """The lines ``unionnews sites check`` prints."""
    lines = []
    for page in report.listings:
        state = page.error or f"{page.status}"
        lines.append(f"listing {page.url}  [{state}]  {len(page.links)} article links"
                     + (f"  next: {page.next_url}" if page.next_url else ""))
        lines.extend(_selector_lines(page.selectors))
    for number, check in enumerate(report.articles, 1):
        lines.append(f"article {number}/{len(report.articles)} {check.url}  [{check.error or check.status}]")
        if not check.record:
            continue
        if check.record["url"] != check.url:
            lines.append(f"  {'canonical':<13}{check.field_sources.get('url', ''):<21}{check.record['url']}")
        for name in REPORTED_FIELDS:
            value = check.record.get(name)
            origin = check.field_sources.get(name, "-") if value else "-"
            lines.append(f"  {name:<13}{origin:<21}{_preview(name, value) if value else '(missing)'}")
            if name == "images" and value:
                lines.extend(_image_lines(value))
        lines.extend(_selector_lines(check.selectors))
        if check.problems:
            lines.append(f"  problems: {', '.join(check.problems)}")
    fetched = [article for article in report.articles if article.record]
    lines.append(f"{len(report.listings)} listing pages, {len(report.links)} article links found, "
                 f"{report.extracted}/{len(report.articles)} articles extracted")
    missing = {name: count for name, count in report.missing().items() if count}
    if fetched:
        lines.append("fields missing: " + (", ".join(f"{name} {count}/{len(fetched)}" for name, count in missing.items())
                                          or "none"))
        counts: dict[str, dict[str, int]] = {}
        for article in fetched:
            for name in REPORTED_FIELDS:
                if article.record.get(name):
                    # "generic:container" / "generic:trafilatura" count as "generic"
                    origin = article.field_sources.get(name, "?").split(":")[0]
                    counts.setdefault(origin, {}).setdefault(name, 0)
                    counts[origin][name] += 1
        for origin, by_field in sorted(counts.items()):
            lines.append(f"from {origin}: " + ", ".join(f"{name} {count}" for name, count in by_field.items()))
    lines.extend(_selector_summary([page.selectors for page in report.listings if page.status == 200 and not page.error],
                                   "listing pages"))
    lines.extend(_selector_summary([article.selectors for article in fetched], "articles"))
    lines.extend(f"hint: {hint}" for applies, hint in HINTS if applies(report))
    return lines
