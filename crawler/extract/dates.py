"""Day-first Vietnamese date parsing to ISO 8601 with the site's local offset.

Every format found on the union sites is one entry of :data:`DATE_PATTERNS`, an
ordered list of (compiled regex, builder). All patterns are searched; the match that
starts first in the text wins, ties go to the earlier (more specific) pattern, and an
impossible date (31/02, hour 25) is skipped rather than repaired. Dates are always
read day-first (``08/11/2020`` is 8 November) and nothing is guessed from words:
"tháng năm" is never a date, only digits are.

Times may be 24-hour or 12-hour with a Vietnamese or English day-part word after them
(:data:`DAY_PART_RULES`: "6:01:53 CH" = 18:01:53, "12:05 SA" = 00:05, "7:15 tối" =
19:15), with or without seconds, written ``6:01``, ``6h01``, ``6g01`` or ``6 giờ 01``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from archive.text import normalize_text

MIN_YEAR, MAX_YEAR = 1990, 2100

# Day-part words after a 12-hour time, and how each maps the hour (1-12) to 0-23, in
# order. "SA" (sáng) = AM and "CH" (chiều) = PM as Vietnamese Windows locales print
# them; "12:xx SA" is 00:xx, "12:xx CH" is 12:xx; a 24-hour hour (18:01 CH) is kept.
DAY_PART_RULES: list[tuple[tuple[str, ...], Callable[[int], int]]] = [
    (("am", "sa", "sáng"), lambda h: 0 if h == 12 else h),
    (("pm", "ch", "chiều", "tối"), lambda h: h + 12 if h < 12 else h),
    # "12 giờ trưa" = 12:00, "1 giờ trưa" = 13:00, "11 giờ trưa" = 11:00
    (("trưa",), lambda h: h + 12 if h < 11 else h),
    # "10 giờ đêm" = 22:00, "2 giờ đêm" = 02:00, "12 giờ đêm" = 00:00
    (("đêm", "khuya"), lambda h: 0 if h == 12 else h + 12 if 6 <= h < 12 else h),
]
_DAY_PARTS = {word: rule for words, rule in DAY_PART_RULES for word in words}
_AMPM = "|".join(sorted(map(re.escape, _DAY_PARTS), key=len, reverse=True))

_TIME = (r"(?P<hour>\d{1,2})\s*(?:[:hg]|giờ)\s*(?P<minute>\d{2})(?:\s*phút)?(?::(?P<second>\d{2}))?"
         r"(?:\s*(?P<ampm>" + _AMPM + r")\b)?")
_DMY = r"(?<!\d)(?P<day>\d{1,2})\s*(?P<sep>[/.\-])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*(?P<year>\d{4})(?!\d)"
_GMT = r"(?:\s*\(?\s*(?:gmt|utc)\s*(?P<gmt>[+\-]\s*\d{1,2})(?::?(?P<gmtmin>\d{2}))?\s*\)?)?"
_OFFSET_RE = re.compile(r"^([+\-])(\d{2}):?(\d{2})$")

Parsed = tuple[datetime | date, timezone | None]


def _tz(offset: str) -> timezone:
    if offset in ("Z", "z"):
        return timezone.utc
    sign, hours, minutes = _OFFSET_RE.match(offset).groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def _hour(m: re.Match) -> int:
    hour = int(m["hour"])
    rule = _DAY_PARTS.get((m["ampm"] or "").lower())
    return rule(hour) if rule and 1 <= hour <= 12 else hour


def _explicit_gmt(m: re.Match) -> timezone | None:
    if not m.groupdict().get("gmt"):
        return None
    hours = int(m["gmt"].replace(" ", ""))
    minutes = int(m["gmtmin"] or 0) * (1 if hours >= 0 else -1)
    return timezone(timedelta(hours=hours, minutes=minutes))


def _build_datetime(m: re.Match) -> Parsed:
    value = datetime(int(m["year"]), int(m["month"]), int(m["day"]),
                     _hour(m), int(m["minute"]), int(m["second"] or 0))
    return value, _explicit_gmt(m)


def _build_date(m: re.Match) -> Parsed:
    return date(int(m["year"]), int(m["month"]), int(m["day"])), None


def _build_iso(m: re.Match) -> Parsed:
    if m["hour"] is None:
        return _build_date(m)
    value = datetime(int(m["year"]), int(m["month"]), int(m["day"]),
                     int(m["hour"]), int(m["minute"]), int(m["second"] or 0))
    return value, _tz(m["offset"]) if m["offset"] else None


_Builder = Callable[[re.Match], Parsed]

DATE_PATTERNS: list[tuple[re.Pattern, _Builder]] = [
    # ISO 8601 from <meta content> / <time datetime>: 2021-08-09T15:51:00+07:00
    (re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
                r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
                r"\s*(?P<offset>Z|[+\-]\d{2}:?\d{2})?)?(?!\d)", re.I), _build_iso),
    # Time then date: "15:51 | 09/08/2021", "(15:51 | 09/08/2021)", "12:18 28/09/2021",
    # "Cập nhật lúc 03:36 ngày 10/10/2015"
    (re.compile(_TIME + r"\s*(?:[|,\-–]\s*)?(?:ngày\s+)?" + _DMY + _GMT, re.I), _build_datetime),
    # Date then time: "28/09/2021 12:18", "09/12/2023 - 15:21",
    # "Thứ hai, 28/9/2021, 12:18 (GMT+7)", "10/10/2015 lúc 03:36"
    (re.compile(_DMY + r"\s*(?:[|,\-–]\s*)?(?:lúc\s+)?" + _TIME + _GMT, re.I), _build_datetime),
    # "Ngày 28 tháng 9 năm 2021" (digits only: "tháng năm" must never match)
    (re.compile(r"(?<!\d)(?P<day>\d{1,2})\s+tháng\s+(?P<month>\d{1,2})\s*(?:năm|,)\s*(?P<year>\d{4})(?!\d)"
                r"(?:\s*(?:,\s*)?(?:lúc\s+)?" + _TIME + ")?", re.I),
     lambda m: _build_datetime(m) if m["hour"] else _build_date(m)),
    # Date only: "09/08/2021", "18.04.2014", "1-12-2020"
    (re.compile(_DMY, re.I), _build_date),
]


def _iter_candidates(text: str):
    found = []
    for order, (pattern, builder) in enumerate(DATE_PATTERNS):
        for m in pattern.finditer(text):
            found.append((m.start(), order, m, builder))
    found.sort(key=lambda item: (item[0], item[1]))
    for _, _, m, builder in found:
        yield m, builder


def parse_vn_datetime(text: str | None, *, default_tz: str = "+07:00") -> str | None:
    """Return the first valid date in `text` as ISO 8601, or None.

    With a time: ``2021-08-09T15:51:00+07:00`` (any explicit offset is converted to
    `default_tz`; naive times are taken as `default_tz`). Without: ``2021-08-09``.
    """
    text = normalize_text(text)
    if not text:
        return None
    local = _tz(default_tz)
    for m, builder in _iter_candidates(text):
        try:
            value, tz = builder(m)
        except (ValueError, OverflowError):
            continue  # 31/02, 25:00 ... : skip, never repair
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            continue
        if isinstance(value, datetime):
            value = value.replace(tzinfo=tz).astimezone(local) if tz else value.replace(tzinfo=local)
            return value.isoformat(timespec="seconds")
        return value.isoformat()
    return None
