"""The site registry: one TOML file per site, selectors as data.

Built-in entries live in ``archive/sites/*.toml``; an operator's own entries (``unionnews
sites add``) live in ``$UNIONNEWS_HOME/sites/*.toml`` and override built-ins of the same slug.
An operator's site is that one file; what a built-in site needs besides (fixtures, a replica
module) is listed in docs/ARCHITECTURE.md, "Adding a site". The registry sits in the ground
package because the crawler, the web app and the CLI all name sites.

Selectors and the URL pattern are validated when an entry is loaded or written: a CSS selector
is tried with parsel's ``Selector.css`` (the call the crawler applies it with, cssselect's
parser and parsel's ``::text``/``::attr()`` translator), so what loads is what the crawler can
apply; an invalid one is an error naming the file and key (``article.title``). A broken entry
in the home is reported in one line (logged at ERROR) and skipped: the other sites still work,
and a command naming that site (:func:`get_site`) fails with the entry's error. A broken
built-in entry is a bug of the project and fails every load.
"""
from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from archive.errors import UserError

BUILTIN_SITES_DIR = Path(__file__).parent / "sites"
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
REQUIRED_KEYS = ("slug", "name", "province", "domain", "start_urls")
ARTICLE_FIELDS = (  # the [article] selector keys, in the order docs and reports list them
    "title", "summary", "published_at", "updated_at", "body", "body_remove", "author", "source",
    "tags", "category", "images", "image_caption", "canonical",
)
ARTICLE_SELECTOR_KEYS = frozenset(ARTICLE_FIELDS)
LISTING_KEYS = frozenset({"article_links", "next_page", "article_url_pattern", "max_pages"})
LISTING_SELECTOR_KEYS = ("article_links", "next_page")
# Article fields whose selector the crawler also applies as elements, without its trailing
# ``::text``/``::attr(x)`` (crawler/extract/selectors.py ``_elements``): checked both ways.
ELEMENT_SELECTOR_KEYS = frozenset({"published_at", "updated_at", "body", "body_remove", "images", "image_caption"})
PSEUDO_SUFFIX = re.compile(r"::(?:text|attr\([^)]*\))\s*$")  # as crawler/extract/selectors.py strips it

log = logging.getLogger(__name__)


class RegistryError(UserError):
    """A site entry that cannot be used, with the file and the reason.

    ``key`` names the offending entry key as a dotted path (``article.title``,
    ``listing.article_url_pattern``, ``article.body_remove[1]``) when there is one, and
    ``problem`` is the message without the file and key, so ``sites add`` can name its own
    option instead.
    """

    def __init__(self, message: str, *, key: str | None = None, problem: str | None = None, slug: str | None = None):
        super().__init__(message)
        self.key, self.problem, self.slug = key, problem or message, slug


_EMPTY_PAGE = None


def css_problem(css: str) -> str | None:
    """Why parsel cannot apply the CSS selector ``css``, or None when it can."""
    global _EMPTY_PAGE
    from cssselect import SelectorError
    from parsel import Selector

    if _EMPTY_PAGE is None:
        _EMPTY_PAGE = Selector(text="<html><body></body></html>")
    try:
        _EMPTY_PAGE.css(css)
    except (SelectorError, ValueError) as error:  # ValueError: parsel's "XPath error: …"
        return f"invalid CSS selector {css!r}: {error}"
    return None


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a regular expression, or None when it is."""
    try:
        re.compile(pattern)
    except re.error as error:
        return f"invalid regular expression {pattern!r}: {error}"
    return None


def selector_entries(data: dict):
    """``(key path, field, css)`` of every selector an entry (or ``{"listing": site.listing,
    "article": site.article}``) configures, listing first, fields in :data:`ARTICLE_FIELDS` order.
    An empty selector means "not set"; callers skip it."""
    listing, article = data.get("listing") or {}, data.get("article") or {}
    for name in LISTING_SELECTOR_KEYS:
        if name in listing:
            yield f"listing.{name}", name, listing[name]
    for name in sorted(article, key=ARTICLE_FIELDS.index):
        value = article[name]
        if name == "body_remove" and isinstance(value, list):
            for index, item in enumerate(value):
                yield f"article.{name}[{index}]", name, item
        else:
            yield f"article.{name}", name, value


def _check_values(data: dict) -> tuple[str, str] | None:
    """The first ``(key, problem)`` among an entry's selectors and URL pattern, or None."""
    for key, name, css in selector_entries(data):
        if name == "body_remove" and key == "article.body_remove" and not isinstance(css, list):
            return key, "must be a list of CSS selectors"
        if not isinstance(css, str):
            return key, f"must be a CSS selector (a string), not {css!r}"
        if not css.strip():
            continue
        if problem := css_problem(css):
            return key, problem
        bare = PSEUDO_SUFFIX.sub("", css)
        if name in ELEMENT_SELECTOR_KEYS and bare != css and (problem := css_problem(bare)):
            detail = problem.split(": ", 1)[1]
            return key, (f"invalid CSS selector {css!r}: this field also applies it without "
                         f"{css[len(bare):].strip()!r}, and {bare!r} is not a selector: {detail}")
    listing = data.get("listing") or {}
    pattern = listing.get("article_url_pattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            return "listing.article_url_pattern", f"must be a regular expression (a string), not {pattern!r}"
        if pattern and (problem := regex_problem(pattern)):
            return "listing.article_url_pattern", problem
    if "max_pages" in listing and (isinstance(listing["max_pages"], bool) or not isinstance(listing["max_pages"], int)
                                   or listing["max_pages"] < 1):
        return "listing.max_pages", f"must be a whole number ≥ 1, not {listing['max_pages']!r}"
    return None


@dataclass(frozen=True)
class Site:
    """One registered site; ``article`` maps record fields to CSS selectors."""

    slug: str
    name: str
    province: str
    domain: str
    start_urls: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    enabled: bool = True
    listing: dict = field(default_factory=dict)
    article: dict = field(default_factory=dict)
    source_path: Path | None = None

    @property
    def domains(self) -> tuple[str, ...]:
        return (self.domain, *self.aliases)

    @property
    def max_pages(self) -> int:
        return int(self.listing.get("max_pages", 50))

    def owns_url(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return host in self.domains

    def is_article_url(self, url: str) -> bool:
        pattern = self.listing.get("article_url_pattern")
        return bool(re.search(pattern, url)) if pattern else self.owns_url(url)


def site_from_dict(data: dict, source_path: Path | None = None) -> Site:
    """Validate one registry entry; raises RegistryError naming the file and the problem."""
    where = f"{source_path}: " if source_path else ""
    missing = [key for key in REQUIRED_KEYS if not data.get(key)]
    if missing:
        raise RegistryError(f"{where}missing {', '.join(missing)}")
    if not isinstance(data["slug"], str) or not SLUG_PATTERN.match(data["slug"]):
        raise RegistryError(f"{where}slug {data['slug']!r} must be lowercase letters, digits or _")
    unknown = set(data.get("article", {})) - ARTICLE_SELECTOR_KEYS
    if unknown:
        raise RegistryError(f"{where}unknown [article] keys: {', '.join(sorted(unknown))}")
    unknown = set(data.get("listing", {})) - LISTING_KEYS
    if unknown:
        raise RegistryError(f"{where}unknown [listing] keys: {', '.join(sorted(unknown))}")
    found = _check_values(data)
    if found:
        key, problem = found
        raise RegistryError(f"{where}{key}: {problem}", key=key, problem=problem, slug=data["slug"])
    return Site(
        slug=data["slug"],
        name=data["name"],
        province=data["province"],
        domain=data["domain"].lower(),
        aliases=tuple(alias.lower() for alias in data.get("aliases", ())),
        start_urls=tuple(data["start_urls"]),
        feeds=tuple(data.get("feeds", ())),
        enabled=bool(data.get("enabled", True)),
        listing=dict(data.get("listing", {})),
        article=dict(data.get("article", {})),
        source_path=source_path,
    )


def _load_file(path: Path) -> Site:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RegistryError(f"{path}: cannot read site entry: {error}", slug=path.stem) from None
    try:
        return site_from_dict(data, path)
    except RegistryError as error:
        slug = data.get("slug")
        error.slug = slug if isinstance(slug, str) and slug else path.stem
        raise


def _load_dir(directory: Path, broken: dict[str, RegistryError] | None = None) -> dict[str, Site]:
    """The entries of ``directory``; with ``broken``, an entry that cannot be used is logged in
    one line and recorded there under its slug (or file name) instead of failing the load."""
    sites: dict[str, Site] = {}
    if not directory.is_dir():
        return sites
    for path in sorted(directory.glob("*.toml")):
        try:
            site = _load_file(path)
        except RegistryError as error:
            if broken is None:
                raise
            log.error("skipped site entry %s", error)
            broken[error.slug] = error
            continue
        sites[site.slug] = site
    return sites


def builtin_sites() -> dict[str, Site]:
    """The entries shipped in ``archive/sites/``, without any home's own."""
    return _load_dir(BUILTIN_SITES_DIR)


def user_sites_dir() -> Path | None:
    home = os.environ.get("UNIONNEWS_HOME")
    return Path(home).expanduser() / "sites" if home else None


@lru_cache(maxsize=8)
def _load_registry(user_dir: str | None) -> tuple[dict[str, Site], dict[str, RegistryError]]:
    sites = _load_dir(BUILTIN_SITES_DIR)
    broken: dict[str, RegistryError] = {}
    if user_dir:
        own = _load_dir(Path(user_dir), broken)
        sites.update(own)
        for slug in set(broken) - set(own):  # meant to replace a built-in: no silent fallback to it
            sites.pop(slug, None)
    return dict(sorted(sites.items())), broken


def _chosen(user_dir: Path | None) -> str | None:
    chosen = user_dir if user_dir is not None else user_sites_dir()
    return str(chosen) if chosen else None


def load_registry(user_dir: Path | None = None) -> dict[str, Site]:
    """All usable sites, built-in plus the home's own (``$UNIONNEWS_HOME/sites``), by slug.

    A home entry that cannot be used is logged and left out, with any built-in entry of the
    same slug (see :func:`broken_entries`)."""
    return _load_registry(_chosen(user_dir))[0]


def broken_entries(user_dir: Path | None = None) -> dict[str, RegistryError]:
    """The home's entries left out of the registry, by slug (the file name when unreadable)."""
    return _load_registry(_chosen(user_dir))[1]


def reload_registry() -> None:
    _load_registry.cache_clear()


def get_site(slug: str, user_dir: Path | None = None) -> Site:
    sites = load_registry(user_dir)
    broken = broken_entries(user_dir)
    if slug in broken and slug not in sites:
        raise broken[slug]
    if slug not in sites:
        raise RegistryError(f"unknown site {slug!r}; known: {', '.join(sites)}")
    return sites[slug]


def site_for_url(url: str, user_dir: Path | None = None) -> Site | None:
    """The registered site whose domain serves ``url``, or None for an unknown domain."""
    for site in load_registry(user_dir).values():
        if site.owns_url(url):
            return site
    return None
