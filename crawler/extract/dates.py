"""Day-first Vietnamese date parsing to ISO 8601 with the site's local offset.

Every day format found on the sites is one entry of :data:`DATE_PATTERNS` (plus
:data:`ISO_RE` for machine values). All patterns are searched; the match that
starts first in the text wins, ties go to the earlier (more specific) pattern, and an
impossible date (31/02, hour 25) is skipped rather than repaired. Dates are always
read day-first (``08/11/2020`` is 8 November) unless the month is a word ("January 15,
2024"). Month words count only between a day and a year in digits: "Tháng Tư" is April in
"29 Tháng Tư, 2021", while "tháng năm" alone is never a date.

A day is found first (:data:`DATE_PATTERNS`), then a time right after it ("01 Tháng 11
2020 06:58", "29/04/2021 lúc 12:57") or, failing that, right before it, weekday between
("10:05 Thứ năm, 29/04/2021"). "GMT"/"UTC" after the time gives its offset (bare = UTC).

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
    (("am", "a.m.", "sa", "sáng"), lambda h: 0 if h == 12 else h),
    (("pm", "p.m.", "ch", "chiều", "tối"), lambda h: h + 12 if h < 12 else h),
    # "12 giờ trưa" = 12:00, "1 giờ trưa" = 13:00, "11 giờ trưa" = 11:00
    (("trưa",), lambda h: h + 12 if h < 11 else h),
    # "10 giờ đêm" = 22:00, "2 giờ đêm" = 02:00, "12 giờ đêm" = 00:00
    (("đêm", "khuya"), lambda h: 0 if h == 12 else h + 12 if 6 <= h < 12 else h),
]
_DAY_PARTS = {word: rule for words, rule in DAY_PART_RULES for word in words}
_AMPM = "|".join(sorted(map(re.escape, _DAY_PARTS), key=len, reverse=True))

_TIME = (r"(?<![\d:])(?P<hour>\d{1,2})\s*(?:[:hg]|giờ)\s*(?P<minute>\d{2})(?:\s*phút)?(?::(?P<second>\d{2}))?(?!\d)"
         r"(?:\s*(?P<ampm>" + _AMPM + r")(?!\w))?")
_GMT = (r"(?:\s*\(?\s*(?P<gmtword>gmt|utc)(?:\s*(?P<gmt>[+\-]\s*\d{1,2})(?::?(?P<gmtmin>\d{2}))?)?(?!\w)\s*\)?)?")
_OFFSET_RE = re.compile(r"^([+\-])(\d{2}):?(\d{2})$")

# Month words, by number. Vietnamese "Tháng Tư" / "Tháng Mười Một" (only after "tháng",
# so "tháng năm" alone is never a date: a day and a year in digits are required), and
# English, French and German names (and English abbreviations) for foreign layouts.
VN_MONTHS = {"giêng": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7,
             "tám": 8, "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12}
FOREIGN_MONTHS = {
    1: ("january", "jan", "janvier", "januar", "jänner"), 2: ("february", "feb", "février", "fevrier", "februar"),
    3: ("march", "mar", "mars", "märz", "maerz"), 4: ("april", "apr", "avril"), 5: ("may", "mai"),
    6: ("june", "jun", "juin", "juni"), 7: ("july", "jul", "juillet", "juli"),
    8: ("august", "aug", "août", "aout"), 9: ("september", "sep", "sept", "septembre"),
    10: ("october", "oct", "octobre", "oktober"), 11: ("november", "nov", "novembre"),
    12: ("december", "dec", "décembre", "decembre", "dezember"),
}
ENGLISH_MONTHS = {name: n for n, names in FOREIGN_MONTHS.items() for name in names
                  if name.isascii() and name not in ("janvier", "mars", "avril", "mai", "juin", "juillet", "aout",
                                                     "septembre", "octobre", "novembre", "decembre", "fevrier",
                                                     "januar", "februar", "maerz", "juni", "juli", "oktober", "dezember")}
_MONTH_WORDS = {name: n for n, names in FOREIGN_MONTHS.items() for name in names}


def _alternation(words) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_VN_MONTH = r"(?P<month>\d{1,2}|" + _alternation(VN_MONTHS) + r")(?!\w)"
_WORD_MONTH = r"(?<!\w)(?P<month>" + _alternation(_MONTH_WORDS) + r")(?!\w)\.?"
_EN_MONTH = r"(?<!\w)(?P<month>" + _alternation(ENGLISH_MONTHS) + r")(?!\w)\.?"
_YEAR = r"(?P<year>\d{4})(?!\d)"
_DAY = r"(?<![\d.,:/\-])(?P<day>\d{1,2})"
_DMY = _DAY + r"\s*(?P<sep>[/.\-])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*" + _YEAR
_WEEKDAY = (r"(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|monday|tuesday|wednesday|thursday|friday"
            r"|saturday|sunday|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch"
            r"|donnerstag|freitag|samstag|sonntag)(?!\w)")

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
    if not m.groupdict().get("gmtword"):
        return None
    if not m["gmt"]:
        return timezone.utc  # "2:22 PM GMT"
    hours = int(m["gmt"].replace(" ", ""))
    minutes = int(m["gmtmin"] or 0) * (1 if hours >= 0 else -1)
    return timezone(timedelta(hours=hours, minutes=minutes))


def _month(m: re.Match) -> int:
    raw = m["month"].lower()
    if raw.isdigit():
        return int(raw)
    raw = " ".join(raw.split())
    return VN_MONTHS.get(raw) or _MONTH_WORDS[raw]


def _build_date(m: re.Match) -> date:
    return date(int(m["year"]), _month(m), int(m["day"]))


def _build_iso(m: re.Match) -> Parsed:
    if m["hour"] is None:
        return date(int(m["year"]), int(m["month"]), int(m["day"])), None
    value = datetime(int(m["year"]), int(m["month"]), int(m["day"]),
                     int(m["hour"]), int(m["minute"]), int(m["second"] or 0))
    return value, _tz(m["offset"]) if m["offset"] else None


# ISO 8601 from <meta content> / <time datetime>: 2021-08-09T15:51:00+07:00
ISO_RE = re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
                    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
                    r"\s*(?P<offset>Z|[+\-]\d{2}:?\d{2})?)?(?!\d)", re.I)

# Day patterns, most specific first; a time is looked for right after or right before
# the day (see _time_near).
DATE_PATTERNS: list[re.Pattern] = [
    # "Ngày 28 tháng 9 năm 2021", "29 Tháng Tư, 2021", "01 Tháng 11 2020", "1 Tháng Mười Một, 2020"
    re.compile(_DAY + r"\s+tháng\s+" + _VN_MONTH + r"(?:\s*(?:năm|,)\s*|\s+)" + _YEAR, re.I),
    # Month-first with a month word: "Tháng Tư 29, 2021"
    re.compile(r"(?<!\w)tháng\s+(?P<month>" + _alternation(VN_MONTHS) + r")(?!\w)\s+" + _DAY
               + r"(?!\d)\s*,?\s*" + _YEAR, re.I),
    # Numeric day-first: "09/08/2021", "18.04.2014", "1-12-2020"
    re.compile(_DMY, re.I),
    # Day-first with a month word: "12 March 2024", "15 janvier 2024", "15. Januar 2024", "3rd of May, 2022"
    re.compile(_DAY + r"(?:st|nd|rd|th|er)?\.?\s*(?:of\s+)?" + _WORD_MONTH + r"\s*,?\s*" + _YEAR, re.I),
    # English month-first: "January 15, 2024", "Jan. 5 2024", "June 3rd, 2022"
    re.compile(_EN_MONTH + r"\s*(?P<day>\d{1,2})(?:st|nd|rd|th)?(?!\d)\s*,?\s*" + _YEAR, re.I),
]

# What may stand between a day and the time after it ("09/12/2023 - 15:21",
# "10/10/2015 lúc 03:36", "January 15, 2024 at 2:22 PM", "15 janvier 2024 à 14h22")...
_TIME_AFTER_RE = re.compile(r"\s*(?:[|,\-–·•]\s*)?(?:(?:lúc|vào lúc|at|à|um)\s*:?\s*)?" + _TIME + _GMT, re.I)
# ... and before it ("15:51 | 09/08/2021", "10:05 Thứ năm, 29/04/2021", "03:36 ngày 10/10/2015").
_TIME_BEFORE_RE = re.compile(_TIME + _GMT + r"\s*(?:[|,\-–·•]\s*)?(?:" + _WEEKDAY + r"\s*[,\-–]?\s*)?"
                             r"(?:ngày\s+)?(?:the\s+)?$", re.I)
_BEFORE_WINDOW = 60


def _with_time(day: date, m: re.Match | None) -> Parsed | None:
    if m is None:
        return None
    try:
        value = datetime(day.year, day.month, day.day, _hour(m), int(m["minute"]), int(m["second"] or 0))
    except ValueError:
        return None  # 25:00: the day stands alone
    return value, _explicit_gmt(m)


def _time_near(text: str, m: re.Match, day: date) -> Parsed:
    """`day` with the time written right after it, else right before it, else alone."""
    found = _with_time(day, _TIME_AFTER_RE.match(text, m.end()))
    if found is None:
        window_start = max(0, m.start() - _BEFORE_WINDOW)
        found = _with_time(day, _TIME_BEFORE_RE.search(text[window_start:m.start()]))
    return found or (day, None)


def _iter_candidates(text: str):
    """A builder for every date in `text`, in the order they start (ties: the more
    specific pattern first)."""
    found = [(m.start(), 0, lambda m=m: _build_iso(m)) for m in ISO_RE.finditer(text)]
    for order, pattern in enumerate(DATE_PATTERNS, start=1):
        for m in pattern.finditer(text):
            found.append((m.start(), order, lambda m=m: _time_near(text, m, _build_date(m))))
    found.sort(key=lambda item: (item[0], item[1]))
    for _, _, builder in found:
        yield builder


def parse_vn_datetime(text: str | None, *, default_tz: str = "+07:00") -> str | None:
    """Return the first valid date in `text` as ISO 8601, or None.

    With a time: ``2021-08-09T15:51:00+07:00`` (any explicit offset is converted to
    `default_tz`; naive times are taken as `default_tz`). Without: ``2021-08-09``.
    """
    text = normalize_text(text)
    if not text:
        return None
    local = _tz(default_tz)
    for builder in _iter_candidates(text):
        try:
            value, tz = builder()
        except (ValueError, OverflowError):
            continue  # 31/02, 25:00 ... : skip, never repair
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            continue
        if isinstance(value, datetime):
            value = value.replace(tzinfo=tz).astimezone(local) if tz else value.replace(tzinfo=local)
            return value.isoformat(timespec="seconds")
        return value.isoformat()
    return None
