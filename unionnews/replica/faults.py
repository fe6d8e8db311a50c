"""Switchable faults for the replica web: the ways real provincial servers misbehave.

Faults are data: :data:`FAULTS` maps a fault name to what it does. Switch them on per site::

    server.set_faults("laodongthudo", {"status_429": {"fraction": 0.3, "retry_after": 2},
                                       "session_ids": {}})
    server.fault_urls("laodongthudo")   # {"status_429": "https://laodongthudo.vn/su-co-...-990003.html", ...}
    server.fault_log                    # [(monotonic time, slug, fault, path?query, status), ...]

Two scopes:

* ``url`` faults replace one response. They hit an *extra* URL (``extra: true``): a fake
  article linked from page 1 of the site's first listing that always misbehaves, so the
  real articles are still served correctly; and/or the first ``times`` GETs of a stable
  ``fraction`` of the site's real pages (listings, articles, feeds; never robots.txt or
  images), after which the page is served normally, so a crawler that retries loses nothing.
* ``site`` faults change the whole site: session ids on every link, an endless pagination
  trap, site-wide bursts of 503.

However faults combine, no real page gets more than ``MAX_FAILURES_PER_URL`` injected
failures, so a crawler with that many retries can always recover it.
"""
from __future__ import annotations

import hashlib
import random
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable

from .content import Article
from .fault_bodies import (FILLER_PARAGRAPH, FILLER_TITLE, corrupt_utf8, filler_html, gzip_bomb, huge_chunks,
                           trickle)
from .sites.base import Page

RESET = object()  # a reply body meaning "reset the TCP connection, send nothing"
MAX_FAILURES_PER_URL = 2
EXTRA_ID_BASE = 990000
# Where an off-site redirect chain wanders before coming back (reserved example domains).
FOREIGN_HOPS = ("go.example.net", "cdn.example.org")
HOP_PARAM = "_hop"
HOP_QUERY = re.compile(r"(?:^|&)_hop=(\d+)")
SESSION_PARAM = re.compile(r"(?:^|&)(?:PHPSESSID|utm_[a-z]+|fbclid)=[^&]*", re.I)
JSESSIONID = re.compile(r";jsessionid=[^/?#]*", re.I)
A_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")', re.I)
HTML_UTF8 = "text/html; charset=utf-8"



@dataclass
class Request:
    """One GET/HEAD as a fault sees it."""
    slug: str
    domain: str
    key: str                       # path?query with session ids and the hop parameter removed
    hop: int | None                # position in a redirect chain, from ``_hop=N``
    consume: bool                  # GET (True) or HEAD (False): HEADs never use up a fault
    normal: Callable[[], tuple]    # the correct (status, headers, body) for this page
    stop: threading.Event


@dataclass(frozen=True)
class Fault:
    name: str
    summary: str
    scope: str                              # "url" | "site"
    defaults: dict = field(default_factory=dict)
    reply: Callable | None = None           # url faults: (params, Request) -> (status, headers, body)
    fraction_ok: bool = True                # may hit real pages (it recovers on a later GET)


# ---- url fault replies: (params, Request) -> (status, headers, body) ------------------
def _page_or_filler(request: Request, name: str) -> tuple[dict, bytes]:
    """The real page when there is one (fraction mode), else a filler page (extra URL)."""
    if request.hop is None:
        status, headers, body = request.normal()
        if status == 200 and isinstance(body, bytes):
            return headers, body
    return {"Content-Type": HTML_UTF8}, filler_html(name).encode()


def _slow(params, request):
    headers, body = _page_or_filler(request, "slow")
    return 200, {**headers, "Content-Length": str(len(body))}, trickle(body, params["seconds"], request.stop)


def _status(code, text):
    def reply(params, request):
        headers = {"Content-Type": HTML_UTF8}
        if params.get("retry_after"):
            headers["Retry-After"] = str(params["retry_after"])
        return code, headers, f"<html><body><h1>{code} {text}</h1></body></html>".encode()
    return reply


def _redirect(location):
    return 302, {"Location": location, "Content-Type": HTML_UTF8}, b""


def _hop_url(request: Request, hop: int, via: str | None = None) -> str:
    """``request``'s page with ``_hop=N``; through a foreign domain ``via`` as ``https://via/{site}{page}``."""
    sep = "&" if "?" in request.key else "?"
    prefix = f"https://{via}/{request.domain}" if via else f"https://{request.domain}"
    return f"{prefix}{request.key}{sep}{HOP_PARAM}={hop}"


def _redirect_loop(params, request):
    # a -> a?_hop=1 -> a -> ...: the same URL again, which a dupe filter silently drops
    return _redirect(f"https://{request.domain}{request.key}" if request.hop else _hop_url(request, 1))


def _redirect_chain(params, request):
    hop = request.hop or 0
    if hop >= params["hops"]:
        return 200, {"Content-Type": HTML_UTF8}, filler_html("redirect_chain").encode()
    return _redirect(_hop_url(request, hop + 1))


def _redirect_offsite(params, request):
    # site -> go.example.net -> cdn.example.org -> back to the site (_hop=3), where a page exists
    if request.hop is None:
        return _redirect(_hop_url(request, 1, FOREIGN_HOPS[0]))
    return 200, {"Content-Type": HTML_UTF8}, filler_html("redirect_offsite").encode()


def _huge(params, request):
    size, chunks = huge_chunks(params["size_mb"] << 20, "huge")
    headers = {"Content-Type": HTML_UTF8}
    if params["declare_length"]:
        headers["Content-Length"] = str(size)
    return 200, headers, chunks


def _binary(params, request):
    noise = random.Random(request.key).randbytes(params["size_kb"] << 10)
    return 200, {"Content-Type": HTML_UTF8}, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + noise


def _gzip_bomb(params, request):
    size, chunks = gzip_bomb(params["inflated_mb"])
    return 200, {"Content-Type": HTML_UTF8, "Content-Encoding": "gzip", "Content-Length": str(size)}, chunks


def _invalid_utf8(params, request):
    return 200, {"Content-Type": HTML_UTF8}, corrupt_utf8(filler_html("invalid_utf8"), params["every"])


FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("slow", "the page trickles out over `seconds` (beyond the download timeout)", "url",
          {"seconds": 60}, _slow),
    Fault("reset", "the TCP connection is reset before any response", "url", {}, lambda p, r: (0, {}, RESET)),
    Fault("status_429", "429 Too Many Requests with Retry-After", "url", {"retry_after": 1},
          _status(429, "Too Many Requests")),
    Fault("status_503", "503 Service Unavailable (Retry-After when set)", "url", {"retry_after": 0},
          _status(503, "Service Unavailable")),
    Fault("empty", "200 with an empty body", "url", {}, lambda p, r: (200, {"Content-Type": HTML_UTF8}, b"")),
    Fault("redirect_loop", "302 to itself via a second URL, forever", "url", {}, _redirect_loop, False),
    Fault("redirect_chain", "a chain of `hops` same-site 302s before the page", "url", {"hops": 8},
          _redirect_chain, False),
    Fault("redirect_offsite", "302s through off-registry domains and back", "url", {}, _redirect_offsite, False),
    Fault("huge", "an HTML page of `size_mb` MiB, chunked unless `declare_length`", "url",
          {"size_mb": 20, "declare_length": False}, _huge, False),
    Fault("binary", "binary bytes (a JPEG) served as text/html", "url", {"size_kb": 64}, _binary, False),
    Fault("gzip_bomb", "~1 KB/MiB gzip inflating to `inflated_mb` MiB (Content-Encoding: gzip)", "url",
          {"inflated_mb": 4096}, _gzip_bomb, False),
    Fault("invalid_utf8", "declared UTF-8, every `every`-th multi-byte letter cut short", "url",
          {"every": 3}, _invalid_utf8, False),
    Fault("session_ids", "a new session id on every link (`style` php: ?PHPSESSID=, java: ;jsessionid=), "
          "plus tracking parameters when `tracking`", "site", {"style": "php", "tracking": True}),
    Fault("pagination_trap", "every listing page links to a next page, forever", "site", {}),
    Fault("burst_503", "site-wide: `length` requests in every `every` answer 503", "site",
          {"every": 10, "length": 3, "retry_after": 0}),
)}
URL_DEFAULTS = {"extra": True, "fraction": 0.0, "times": 1}


def _coerce(default, value):
    """A parameter given as text (``--faults``) or JSON, as the type of its default."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
    return type(default)(value)


def fault_params(name: str, given: dict | None) -> dict:
    """Defaults merged with ``given``; raises ValueError for unknown faults or parameters."""
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
    fault = FAULTS[name]
    defaults = {**(URL_DEFAULTS if fault.scope == "url" else {}), **fault.defaults}
    unknown = set(given or {}) - set(defaults)
    if unknown:
        raise ValueError(f"fault {name!r} has no parameter(s) {', '.join(sorted(unknown))}")
    params = {key: _coerce(value, given[key]) if key in (given or {}) else value for key, value in defaults.items()}
    if params.get("fraction") and not fault.fraction_ok:
        raise ValueError(f"fault {name!r} only applies to its extra URL")
    return params


def parse_fault_spec(spec: str) -> tuple[str, dict[str, dict]]:
    """``"slug=name[:key=value...],name2"`` (the ``--faults`` option) -> (slug, {name: params})."""
    slug, _, names = spec.partition("=")
    if not slug or not names:
        raise ValueError(f"expected SLUG=FAULT[:key=value...][,FAULT...], got {spec!r}")
    faults = {}
    for item in names.split(","):
        name, *pairs = item.strip().split(":")
        params = dict(pair.split("=", 1) for pair in pairs)
        faults[name] = fault_params(name, params)
    return slug.strip(), faults


def strip_session(path: str, query: str) -> tuple[str, str]:
    """The page a session-id URL really names (real PHP/Java servers accept both)."""
    path = JSESSIONID.sub("", path)
    query = SESSION_PARAM.sub("", query).lstrip("&")
    return path, query


def pop_hop(query: str) -> tuple[int | None, str]:
    """(N of ``_hop=N`` or None, the query without it)."""
    match = HOP_QUERY.search(query)
    if not match:
        return None, query
    return int(match[1]), (query[:match.start()] + query[match.end():]).strip("&")


def selected(name: str, slug: str, key: str, fraction: float) -> bool:
    """Stable choice of a ``fraction`` of a site's pages for fault ``name``."""
    return zlib.crc32(f"{name}:{slug}:{key}".encode()) % 10000 < fraction * 10000


class FaultInjector:
    """The faults switched on per site, and the counters that make them deterministic."""

    def __init__(self, stop: threading.Event):
        self._faults: dict[str, dict[str, dict]] = {}
        self._lock = threading.Lock()
        self._stop = stop
        self._gets: dict[tuple, int] = {}          # (fault, slug, key) -> GETs that fault answered
        self._failures: dict[tuple, int] = {}      # (slug, key) -> injected failures on a real page
        self._site_gets: dict[str, int] = {}       # slug -> page GETs (burst_503 clock)
        self._sessions = 0
        self.log: list[tuple[float, str, str, str, int]] = []

    def set(self, slug: str, faults: dict[str, dict]) -> None:
        checked = {name: fault_params(name, params) for name, params in faults.items()}
        if "gzip_bomb" in checked:
            # builds (and caches) the member now, not inside the first request: it takes ~0.5 s
            gzip_bomb(checked["gzip_bomb"]["inflated_mb"])
        with self._lock:
            self._faults[slug] = checked

    def clear(self, slug: str | None = None) -> None:
        with self._lock:
            if slug is None:
                self._faults.clear()
            else:
                self._faults.pop(slug, None)

    def active(self, slug: str) -> dict[str, dict]:
        with self._lock:
            return dict(self._faults.get(slug, {}))

    # ---- extra URLs ------------------------------------------------------------------
    @staticmethod
    def extra_article(module, name: str) -> Article:
        """The fake article whose URL is fault ``name``'s extra URL on this site."""
        newest = max(module.content.articles, key=lambda a: a.published_at)
        return Article(id=str(EXTRA_ID_BASE + list(FAULTS).index(name)), slug="su-co-" + name.replace("_", "-"),
                       category_id=module.content.categories[0].id, title=FILLER_TITLE.format(name=name),
                       summary=FILLER_PARAGRAPH, published_at=newest.published_at, updated_at=None, author=None,
                       source=None, tags=[], images=[], body=[FILLER_PARAGRAPH], defect=None,
                       republished_of=None, publish_step=0)

    def extras(self, module) -> dict[str, Article]:
        return {name: self.extra_article(module, name) for name, params in self.active(module.slug).items()
                if FAULTS[name].scope == "url" and params["extra"]}

    def fault_urls(self, module) -> dict[str, str]:
        return {name: module.article_url(article) for name, article in self.extras(module).items()}

    # ---- answering -------------------------------------------------------------------
    def answer(self, module, request: Request) -> tuple | None:
        """A faulty reply for this request, or None to serve it normally."""
        faults = self.active(module.slug)
        if not faults:
            return None
        for name, article in self.extras(module).items():
            if module.article_path(article) == request.key:
                return self._fire(name, faults[name], request, counted=False)
        if request.hop is not None or request.key == "/robots.txt":
            return None
        for name, params in faults.items():
            if FAULTS[name].scope == "url" and params["fraction"] and selected(name, module.slug, request.key,
                                                                            params["fraction"]):
                with self._lock:
                    used = self._gets.get((name, module.slug, request.key), 0)
                if used < params["times"] and self._may_fail(module.slug, request):
                    return self._fire(name, params, request, counted=True)
        burst = faults.get("burst_503")
        if burst and request.consume:
            with self._lock:
                tick = self._site_gets[module.slug] = self._site_gets.get(module.slug, 0) + 1
            # calm first, then the burst: the last `length` requests of every `every`
            if (tick - 1) % burst["every"] >= burst["every"] - burst["length"] and self._may_fail(module.slug, request):
                return self._fire("burst_503", burst, request, counted=True, reply=FAULTS["status_503"].reply)
        return None

    def _may_fail(self, slug: str, request: Request) -> bool:
        with self._lock:
            return self._failures.get((slug, request.key), 0) < MAX_FAILURES_PER_URL

    def _fire(self, name, params, request, counted, reply=None):
        status, headers, body = (reply or FAULTS[name].reply)(params, request)
        if request.consume:
            with self._lock:
                self._gets[(name, request.slug, request.key)] = self._gets.get((name, request.slug, request.key), 0) + 1
                if counted:
                    self._failures[(request.slug, request.key)] = self._failures.get((request.slug, request.key), 0) + 1
                self.log.append((time.monotonic(), request.slug, name, request.key, status))
        return status, headers, body

    def answer_foreign(self, path: str, query: str) -> tuple | None:
        """Hops of an off-site redirect chain (``/{foreign}/{site}{page}?_hop=N``) for the
        reserved foreign domains; the last one leads back to the site."""
        foreign, _, rest = path.lstrip("/").partition("/")
        site, _, page = rest.partition("/")
        hop, query = pop_hop(query)
        if foreign not in FOREIGN_HOPS or not site or hop is None:
            return None
        target = f"/{page}" + (f"?{query}" if query else "")
        via = FOREIGN_HOPS[hop] if hop < len(FOREIGN_HOPS) else None
        location = f"https://{via}/{site}{target}" if via else f"https://{site}{target}"
        with self._lock:
            self.log.append((time.monotonic(), "", "redirect_offsite", f"{foreign}/{site}{target}", 302))
        return _redirect(f"{location}{'&' if '?' in target else '?'}{HOP_PARAM}={hop + 1}")

    # ---- site faults -----------------------------------------------------------------
    def listing_page(self, module, path: str, query: dict, step: int) -> Page | None:
        """Render a listing with the extra URLs on page 1 of the first category and, under
        ``pagination_trap``, a next page after every page (the last real page repeats);
        None when no fault changes this page."""
        faults = self.active(module.slug)
        if not faults or path == "/robots.txt":
            return None
        route = module.resolve(path, query)
        if not route or route[0] != "listing":
            return None
        extras = self.extras(module)
        trap = "pagination_trap" in faults
        category, page = route[1], route[2]
        real_pages = module.pages_in(category, step)
        if not (trap or extras) or page < 1 or (page > real_pages and not trap):
            return None
        shown = min(page, real_pages)
        items = module.content.online(step, category.id)[(shown - 1) * module.page_size:shown * module.page_size]
        teasers = [module.teaser(a) for a in items]
        if page == 1 and category.id == module.content.categories[0].id:
            teasers += [module.teaser(a) for a in extras.values()]
        pages = page + 1 if trap else real_pages
        first = max(1, page - 2) if trap else 1
        return Page(200, module.render(
            "listing.html", step=step, category=category, page=page, pages=pages, items=teasers,
            page_urls={n: module.listing_path(category, n) for n in range(first, pages + 1)},
            categories=module.content.categories, latest=module.others(None, step, limit=5)))

    def rewrite_links(self, module, text: str) -> str:
        """Under ``session_ids``: a fresh session id (and tracking parameters) on every
        link to the site, as a PHP/Java site does for a client that keeps no cookies."""
        params = self.active(module.slug).get("session_ids")
        if params is None:
            return text
        with self._lock:
            self._sessions += 1
            session = hashlib.sha1(f"{module.slug}{self._sessions}".encode()).hexdigest()[:26]
        domains = (module.domain, f"www.{module.domain}", *module.aliases)

        def add_session(match):
            href = match[2]
            own = href.startswith("/") and not href.startswith("//") or any(
                href.startswith((f"https://{d}", f"http://{d}")) for d in domains)
            if not own:
                return match[0]
            if params["style"] == "java":
                cut = min((i for i in (href.find("?"), href.find("#")) if i >= 0), default=len(href))
                href = f"{href[:cut]};jsessionid={session.upper()}{href[cut:]}"
            else:
                extra = f"PHPSESSID={session}" + ("&amp;utm_source=zalo&amp;utm_medium=share" if params["tracking"] else "")
                base, hash_, fragment = href.partition("#")
                href = base + ("&amp;" if "?" in base else "?") + extra + hash_ + fragment
            return match[1] + href + match[3]
        return A_HREF.sub(add_session, text)


__all__ = ["FAULTS", "FOREIGN_HOPS", "MAX_FAILURES_PER_URL", "RESET", "Fault", "FaultInjector", "fault_params",
           "gzip_bomb", "parse_fault_spec", "pop_hop", "strip_session"]
