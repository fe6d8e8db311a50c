"""Attention over time: monthly series of matching articles, laid out as an inline SVG chart.

The geometry is computed here and drawn by ``templates/_chart.html`` (so Jinja escapes every
label); no JavaScript library is involved. One series is drawn as bars, several (one per
selected site) as lines with a legend.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 34  # room for the axis labels
MAX_X_LABELS = 9
COMPACT = {"width": 360, "height": 220, "max_x_labels": 4}  # phones: ~1:1 scale at 375 px
MAX_BAR_WIDTH = 36
MAX_SERIES = 6  # colours in style.css (.series-0 … .series-5)


@dataclass
class Series:
    key: str  # site slug, or "" for all matching articles
    label: str
    counts: dict[str, int]  # "YYYY-MM" → matching articles


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    month: str
    count: int


@dataclass
class Line:
    label: str
    css_class: str
    points: str  # SVG polyline points
    dots: list[tuple[float, float, str, int]] = field(default_factory=list)  # x, y, month, count


@dataclass
class Chart:
    months: list[str]
    series: list[Series]
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)  # y, value
    x_labels: list[tuple[float, str]] = field(default_factory=list)  # x, month
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def total(self) -> int:
        return sum(sum(s.counts.values()) for s in self.series)

    def rows(self) -> list[tuple[str, list[int]]]:
        """One row per month with each series' count (the table under the chart and the CSV)."""
        return [(month, [s.counts.get(month, 0) for s in self.series]) for month in self.months]


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive (``YYYY-MM``), so gaps show as zero."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return months


def continuous_months(series: list[Series]) -> list[str]:
    present = sorted({month for s in series for month, count in s.counts.items() if count})
    return month_range(present[0], present[-1]) if present else []


def nice_ceiling(value: int) -> tuple[int, int]:
    """(axis maximum, tick step) with 1-2-5 steps and at most five ticks above zero."""
    if value <= 0:
        return 1, 1
    magnitude = 10 ** max(0, int(math.log10(value)) - 1)
    for step in (1, 2, 5, 10, 20, 50, 100):
        step *= magnitude
        if math.ceil(value / step) <= 5:
            return int(math.ceil(value / step) * step), int(step)
    return value, max(1, value // 5)


def build_chart(series: list[Series], *, width: int = WIDTH, height: int = HEIGHT,
                max_x_labels: int = MAX_X_LABELS) -> Chart | None:
    """The chart for these series, or None when no article has a date.

    An SVG scales as a whole, so a phone gets its own narrower layout (``COMPACT``) rather
    than the desktop one shrunk until its labels are unreadable.
    """
    series = series[:MAX_SERIES]
    months = continuous_months(series)
    if not months:
        return None
    chart = Chart(months=months, series=series, width=width, height=height,
                  plot_right=width - RIGHT, plot_bottom=height - BOTTOM)
    plot_width = chart.plot_right - chart.plot_left
    plot_height = chart.plot_bottom - TOP
    peak = max(max(s.counts.get(m, 0) for m in months) for s in series)
    top, step = nice_ceiling(peak)
    chart.y_ticks = [(chart.plot_bottom - plot_height * value / top, value) for value in range(0, top + 1, step)]

    slot = plot_width / len(months)
    every = max(1, math.ceil(len(months) / max_x_labels))
    chart.x_labels = [(chart.plot_left + slot * (i + 0.5), month)
                      for i, month in enumerate(months) if i % every == 0]

    def y_of(count: int) -> float:
        return chart.plot_bottom - plot_height * count / top

    if len(series) == 1:
        # few months would make slabs of the bars: cap their width and centre them in the slot
        width = max(min(slot * 0.8, MAX_BAR_WIDTH), 1)
        for i, month in enumerate(months):
            count = series[0].counts.get(month, 0)
            y = y_of(count)
            chart.bars.append(Bar(x=chart.plot_left + slot * i + (slot - width) / 2, y=y, width=width,
                                  height=chart.plot_bottom - y, month=month, count=count))
    else:
        for index, one in enumerate(series):
            dots = [(chart.plot_left + slot * (i + 0.5), y_of(one.counts.get(month, 0)), month,
                     one.counts.get(month, 0)) for i, month in enumerate(months)]
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in dots)
            chart.lines.append(Line(label=one.label, css_class=f"series-{index}", points=points, dots=dots))
    return chart
