"""Reading and validating the search parameters shared by the pages, the API and the downloads.

Every route that selects articles takes the same query string as ``unionnews search``:
``q``, ``site`` and ``province`` (repeatable), ``since``, ``until``, ``sort``, ``limit``,
``offset`` (the pages also take ``page``). Anything out of range is refused with a
``ParamError`` (HTTP 400) rather than silently clamped, so a researcher's script never gets
a different result set from the one it asked for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from werkzeug.datastructures import MultiDict

MAX_QUERY_CHARS = 500
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_FILTER_VALUES = 100
MAX_PROVINCE_CHARS = 100
PAGE_SIZE = 20
SORTS = ("relevance", "newest")
# Article ids are SQLite integers (signed 64-bit): a larger id in a URL cannot exist, and
# passing it to SQLite would overflow, so the routes' converter answers 404 for it instead.
MAX_ARTICLE_ID = 2 ** 63 - 1
ARTICLE_ID = f"<int(max={MAX_ARTICLE_ID}):article_id>"

# Same rule as the registry's slugs (archive.registry.SLUG_PATTERN), plus "generic".
_SLUG = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SINGLE_VALUED = ("q", "since", "until", "sort", "limit", "offset", "page")


class ParamError(ValueError):
    """A parameter the user has to correct: a Vietnamese message for pages, English for the API."""

    def __init__(self, message_vi: str, message_en: str):
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass(frozen=True)
class SearchParams:
    """One validated selection of articles (dates are ISO ``YYYY-MM-DD``)."""

    query: str = ""
    sites: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    sort: str = "relevance"
    limit: int = PAGE_SIZE
    offset: int = 0

    @property
    def has_filters(self) -> bool:
        return bool(self.sites or self.provinces or self.since or self.until)

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    def with_changes(self, **changes) -> "SearchParams":
        return replace(self, **changes)

    def query_args(self, *, paging: bool = False) -> list[tuple[str, str]]:
        """The parameters as ``(name, value)`` pairs for a link, dates day-first as typed in the UI."""
        pairs: list[tuple[str, str]] = []
        if self.query:
            pairs.append(("q", self.query))
        pairs += [("site", slug) for slug in self.sites]
        pairs += [("province", name) for name in self.provinces]
        if self.since:
            pairs.append(("since", self.since))
        if self.until:
            pairs.append(("until", self.until))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if paging and self.offset:
            pairs.append(("page", str(self.page)))
        return pairs


def parse_day(value: str, name: str) -> str | None:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY`` (as Vietnamese users write dates) → ISO; empty → None."""
    value = value.strip()
    if not value:
        return None
    match = _DAY_FIRST.match(value)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day).isoformat()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    label = {"since": "Từ ngày", "until": "Đến ngày"}.get(name, name)
    raise ParamError(f"{label} “{value[:40]}” không phải ngày hợp lệ; hãy nhập theo dạng DD/MM/YYYY, ví dụ 09/08/2021.",
                     f"{name}: {value[:40]!r} is not a date; use YYYY-MM-DD, e.g. 2021-08-09")


def _integer(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ParamError(f"Tham số {name} phải là số nguyên.", f"{name} must be an integer") from None
    if not low <= number <= high:
        raise ParamError(f"Tham số {name} phải nằm trong khoảng {low}–{high}.",
                         f"{name} must be between {low} and {high}")
    return number


def _unique(values: list[str]) -> tuple[str, ...]:
    """Values in first-seen order without repeats or blanks (checkbox forms can repeat)."""
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return tuple(seen)


def parse_search_args(args: MultiDict, *, allow_page: bool = False, default_limit: int = PAGE_SIZE) -> SearchParams:
    """Validate a request's query string; raises ``ParamError`` naming the bad parameter."""
    for name in _SINGLE_VALUED:
        if len(args.getlist(name)) > 1:
            raise ParamError(f"Tham số {name} chỉ được có một giá trị.", f"{name} given more than once")

    query = " ".join(args.get("q", "").split())
    if len(query) > MAX_QUERY_CHARS:
        raise ParamError(f"Từ khóa quá dài (tối đa {MAX_QUERY_CHARS} ký tự).",
                         f"q is longer than {MAX_QUERY_CHARS} characters")

    sites = _unique(args.getlist("site"))
    provinces = _unique(args.getlist("province"))
    if len(sites) > MAX_FILTER_VALUES or len(provinces) > MAX_FILTER_VALUES:
        raise ParamError("Quá nhiều bộ lọc.", f"at most {MAX_FILTER_VALUES} site/province values")
    for slug in sites:
        if not _SLUG.match(slug):
            raise ParamError(f"Mã trang “{slug[:40]}” không hợp lệ.", f"site: {slug[:40]!r} is not a site slug")
    for name in provinces:
        if len(name) > MAX_PROVINCE_CHARS:
            raise ParamError("Tên tỉnh quá dài.", f"province longer than {MAX_PROVINCE_CHARS} characters")

    since = parse_day(args.get("since", ""), "since")
    until = parse_day(args.get("until", ""), "until")
    if since and until and since > until:
        raise ParamError("“Từ ngày” phải trước hoặc bằng “Đến ngày”.", f"since {since} is after until {until}")

    # Without words there is nothing to rank, so newest first is the only useful order.
    sort = args.get("sort", "").strip() or ("relevance" if query else "newest")
    if sort not in SORTS:
        raise ParamError("Cách sắp xếp không hợp lệ.", f"sort must be one of {', '.join(SORTS)}")

    limit = _integer(args["limit"], "limit", 1, MAX_LIMIT) if args.get("limit", "").strip() else default_limit
    offset = _integer(args["offset"], "offset", 0, MAX_OFFSET) if args.get("offset", "").strip() else 0
    if allow_page and args.get("page", "").strip():
        page = _integer(args["page"], "page", 1, MAX_OFFSET // limit + 1)
        offset = (page - 1) * limit
    return SearchParams(query=query, sites=sites, provinces=provinces, since=since, until=until,
                        sort=sort, limit=limit, offset=offset)
