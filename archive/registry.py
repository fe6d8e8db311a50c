"""The site registry: one TOML file per site, selectors as data.

Built-in entries live in ``archive/sites/*.toml``; an operator's own entries (``unionnews
sites add``) live in ``$UNIONNEWS_HOME/sites/*.toml`` and override built-ins of the same slug.
An operator's site is that one file; what a built-in site needs besides (fixtures, a replica
module) is listed in docs/ARCHITECTURE.md, "Adding a site". The registry sits in the ground
package because the crawler, the web app and the CLI all name sites.
"""
from __future__ import annotations

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
ARTICLE_SELECTOR_KEYS = frozenset({
    "title", "summary", "published_at", "updated_at", "body", "body_remove", "author", "source",
    "tags", "category", "images", "image_caption", "canonical",
})
LISTING_KEYS = frozenset({"article_links", "next_page", "article_url_pattern", "max_pages"})


class RegistryError(UserError):
    """A site entry that cannot be used, with the file and the reason."""


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
    if not SLUG_PATTERN.match(data["slug"]):
        raise RegistryError(f"{where}slug {data['slug']!r} must be lowercase letters, digits or _")
    unknown = set(data.get("article", {})) - ARTICLE_SELECTOR_KEYS
    if unknown:
        raise RegistryError(f"{where}unknown [article] keys: {', '.join(sorted(unknown))}")
    unknown = set(data.get("listing", {})) - LISTING_KEYS
    if unknown:
        raise RegistryError(f"{where}unknown [listing] keys: {', '.join(sorted(unknown))}")
    pattern = data.get("listing", {}).get("article_url_pattern")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as error:
            raise RegistryError(f"{where}article_url_pattern is not a valid regex: {error}") from None
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


def _load_dir(directory: Path) -> dict[str, Site]:
    sites: dict[str, Site] = {}
    if not directory.is_dir():
        return sites
    for path in sorted(directory.glob("*.toml")):
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise RegistryError(f"{path}: cannot read site entry: {error}") from None
        site = site_from_dict(data, path)
        sites[site.slug] = site
    return sites


def builtin_sites() -> dict[str, Site]:
    """The entries shipped in ``archive/sites/``, without any home's own."""
    return _load_dir(BUILTIN_SITES_DIR)


def user_sites_dir() -> Path | None:
    home = os.environ.get("UNIONNEWS_HOME")
    return Path(home).expanduser() / "sites" if home else None


@lru_cache(maxsize=8)
def _load_registry(user_dir: str | None) -> dict[str, Site]:
    sites = _load_dir(BUILTIN_SITES_DIR)
    if user_dir:
        sites.update(_load_dir(Path(user_dir)))
    return dict(sorted(sites.items()))


def load_registry(user_dir: Path | None = None) -> dict[str, Site]:
    """All sites, built-in plus the home's own (``$UNIONNEWS_HOME/sites``), by slug."""
    chosen = user_dir if user_dir is not None else user_sites_dir()
    return _load_registry(str(chosen) if chosen else None)


def reload_registry() -> None:
    _load_registry.cache_clear()


def get_site(slug: str, user_dir: Path | None = None) -> Site:
    sites = load_registry(user_dir)
    if slug not in sites:
        raise RegistryError(f"unknown site {slug!r}; known: {', '.join(sites)}")
    return sites[slug]


def site_for_url(url: str, user_dir: Path | None = None) -> Site | None:
    """The registered site whose domain serves ``url``, or None for an unknown domain."""
    for site in load_registry(user_dir).values():
        if site.owns_url(url):
            return site
    return None
