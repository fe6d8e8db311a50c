"""Jinja filters: Vietnamese day-first dates, numbers, and paragraphs of untrusted text."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from flask import Flask
from markupsafe import Markup, escape

VIETNAM_TZ = timezone(timedelta(hours=7))


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def vn_date(value: str | None) -> str:
    """``2021-08-09T15:51:00+07:00`` → ``09/08/2021``; unparseable values pass through as text."""
    parsed = _parse(value)
    if parsed is None:
        return value or ""
    return parsed.strftime("%d/%m/%Y")


def vn_datetime(value: str | None) -> str:
    """Day-first date with the time when the source gave one (``09/08/2021 15:51``).

    Times with an offset are shown in Vietnam time, so a UTC fetch time reads like the rest.
    """
    parsed = _parse(value)
    if parsed is None:
        return value or ""
    if len(value) <= 10:  # the page showed a date only
        return parsed.strftime("%d/%m/%Y")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(VIETNAM_TZ)
    return parsed.strftime("%d/%m/%Y %H:%M")


def vn_month(value: str) -> str:
    """``2021-08`` → ``08/2021``."""
    year, _, month = value.partition("-")
    return f"{month}/{year}" if month else value


def vn_number(value: int | float | None) -> str:
    """Thousands with a dot, as written in Vietnamese (``12.345``)."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{int(value):,}".replace(",", ".")


def paragraphs(text: str | None) -> Markup:
    """Article text (paragraphs split by a blank line) as escaped ``<p>`` elements."""
    parts = [part.strip() for part in (text or "").split("\n\n") if part.strip()]
    return Markup("\n").join(Markup("<p>{}</p>").format(escape(part)) for part in parts)


def is_web_url(url: str | None) -> bool:
    """Only http(s) URLs become links: a stored ``javascript:`` URL must never be clickable."""
    return urlsplit(url or "").scheme in ("http", "https")


def host(url: str | None) -> str:
    """``https://www.laodongthudo.vn/a.html`` → ``laodongthudo.vn``."""
    name = urlsplit(url or "").hostname or ""
    return name[4:] if name.startswith("www.") else name


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(vn_date=vn_date, vn_datetime=vn_datetime, vn_month=vn_month,
                                 vn_number=vn_number, paragraphs=paragraphs)
    app.jinja_env.filters.update(is_web_url=is_web_url, host=host)
