"""Crawl health: per-site figures for a run and the flags that alert an operator.

A site is flagged when it yields no articles where it used to, when pages stop
becoming articles, or when a field's completeness — or the share of it found by the
site's own selectors — falls well below its usual level (a redesign breaks selectors
before anyone notices; the generic fallback may hide it, the selector share does not).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

MONITORED_FIELDS = ("title", "published_at", "body", "author")
SELECTOR_FIELDS = ("title", "published_at", "body")
DROP_TOLERANCE = 0.25        # absolute drop in a share (0..1) before a site is flagged
HISTORY_RUNS = 5
MAX_FAILURE_SHARE = 0.5      # article pages that failed extraction


@dataclass
class SiteHealth:
    site: str
    run_id: int
    status: str
    requests: int = 0
    listing_pages: int = 0
    listing_links: int = 0
    articles: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    failures_by_reason: dict = field(default_factory=dict)
    completeness: dict = field(default_factory=dict)
    selector_share: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _share(count: int, total: int) -> float | None:
    return round(count / total, 3) if total else None


def measure(run: dict, failures: list[dict]) -> SiteHealth:
    stats = run["stats"]
    articles = int(stats.get("articles", 0))
    health = SiteHealth(
        site=run["site"], run_id=run["id"], status=run["status"],
        requests=int(stats.get("downloader/request_count", 0)),
        listing_pages=int(stats.get("listing_pages", 0)) + int(stats.get("feed_pages", 0)),
        listing_links=int(stats.get("listing_links", 0)),
        articles=articles, new=int(stats.get("new", 0)), updated=int(stats.get("updated", 0)),
        unchanged=int(stats.get("unchanged", 0)), failed=int(stats.get("failed", 0)),
        failures_by_reason=dict(Counter(failure["reason"] for failure in failures)),
    )
    for name in MONITORED_FIELDS:
        health.completeness[name] = _share(int(stats.get(f"field/{name}", 0)), articles)
    for name in SELECTOR_FIELDS:
        health.selector_share[name] = _share(int(stats.get(f"source/{name}/site", 0)), articles)
    return health


def _usual(history: list[SiteHealth], attribute: str, name: str) -> float | None:
    values = [getattr(past, attribute).get(name) for past in history if past.articles]
    values = [value for value in values if value is not None]
    return sum(values) / len(values) if values else None


def flag(health: SiteHealth, history: list[SiteHealth]) -> SiteHealth:
    """Fills ``health.flags`` by comparing the run with the site's previous runs."""
    if health.status not in ("finished",):
        health.flags.append(f"run ended as {health.status!r}")
    used_to_list = any(past.listing_links for past in history)
    if health.listing_links == 0 and (used_to_list or not history):
        health.flags.append("listings yield no article links")
    extraction_failures = sum(count for reason, count in health.failures_by_reason.items()
                              if reason.startswith("no "))
    attempted = health.articles + extraction_failures
    if attempted and extraction_failures / attempted > MAX_FAILURE_SHARE:
        health.flags.append(f"{extraction_failures} of {attempted} article pages gave no title/body")
    if health.articles:
        for attribute, label in (("completeness", "completeness"), ("selector_share", "found by site selectors")):
            for name, value in getattr(health, attribute).items():
                usual = _usual(history, attribute, name)
                if value is not None and usual is not None and value < usual - DROP_TOLERANCE:
                    health.flags.append(f"{name} {label} {value:.0%} (usually {usual:.0%})")
    return health


def assess_runs(store, runs: list[dict]) -> list[SiteHealth]:
    """Health of each run against up to HISTORY_RUNS earlier runs of the same site."""
    report = []
    for run in runs:
        earlier = [past for past in store.runs(limit=HISTORY_RUNS + 20, site=run["site"])
                   if past["id"] < run["id"] and past["kind"] in ("crawl", "nightly") and past["finished_at"]]
        history = [measure(past, store.failures(past["id"])) for past in earlier[:HISTORY_RUNS]]
        report.append(flag(measure(run, store.failures(run["id"])), history))
    return report
