"""Attention over time: monthly series of matching articles, laid out as an inline SVG chart.

The geometry is computed here, and so are the SVG (``svg``) and the table rows: a chart over twenty years has
hundreds of bars, drawn twice (desktop and phone), and Jinja macros took ~7 ms a results page
to draw them. Every label is escaped with ``markupsafe.escape``. ``templates/_chart.html`` lays
out the panel around it. No JavaScript library is involved. One series is drawn as bars,
several (one per selected site) as lines with a legend.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from search_web.formatting import vn_month, vn_number

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


def svg(chart: Chart, css_class: str) -> Markup:
    """The chart as an inline ``<svg>`` element; labels escaped, numbers formatted here."""
    parts = [
        f'<svg class="chart {escape(css_class)}" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-label="Biểu đồ số bài phù hợp theo tháng, từ {escape(vn_month(chart.months[0]))} '
        f'đến {escape(vn_month(chart.months[-1]))}">'
    ]
    for y, value in chart.y_ticks:
        parts.append(f'<line class="grid" x1="{chart.plot_left}" x2="{chart.plot_right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis-label" x="{chart.plot_left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{vn_number(value)}</text>')
    for x, month in chart.x_labels:
        parts.append(f'<text class="axis-label" x="{x:.1f}" y="{chart.plot_bottom + 20}" text-anchor="middle">'
                     f'{escape(vn_month(month))}</text>')
    for bar in chart.bars:
        parts.append(f'<rect class="bar" x="{bar.x:.1f}" y="{bar.y:.1f}" width="{bar.width:.1f}" '
                     f'height="{bar.height:.1f}"><title>{escape(vn_month(bar.month))}: {bar.count} bài</title></rect>')
    for line in chart.lines:
        css = escape(line.css_class)
        label = escape(line.label)
        parts.append(f'<polyline class="line {css}" points="{escape(line.points)}"/>')
        parts += [f'<circle class="dot {css}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                  f'<title>{label} — {escape(vn_month(month))}: {count} bài</title></circle>'
                  for x, y, month, count in line.dots]
    parts.append(f'<line class="axis" x1="{chart.plot_left}" x2="{chart.plot_right}" '
                 f'y1="{chart.plot_bottom}" y2="{chart.plot_bottom}"/></svg>')
    return Markup("\n".join(parts))


def table_rows(chart: Chart) -> Markup:
    """The ``<tr>`` rows of the table under the chart: a month and each series' count."""
    return Markup("\n".join(
        f'<tr><th scope="row">{escape(vn_month(month))}</th>'
        + "".join(f"<td>{vn_number(count)}</td>" for count in counts) + "</tr>"
        for month, counts in chart.rows()))
