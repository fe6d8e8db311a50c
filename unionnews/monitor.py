"""Crawl health: per-site figures for a run and the flags that alert an operator.

A site is flagged when its run did not end cleanly, when its listings yield no article
links, when listing pages failed, when most article pages gave no title/body, or when a
field's completeness — or the share of it found by the site's own selectors — falls well
below its usual level (a redesign breaks selectors before anyone notices; the generic
fallback may hide it in the completeness, the selector share does not).

A nightly run sees only a few new articles per site, so "below its usual level" must not
be noise: a drop is flagged only when it is both large (``DROP_TOLERANCE``) and unlikely
under the site's usual rate (binomial tail below ``SIGNIFICANCE``). One article of three
without an author on a site where a third lack one is normal; three of three titles found
by the generic fallback on a site whose selector always found them is a redesign.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from math import comb

MONITORED_FIELDS = ("title", "published_at", "body", "author")
SELECTOR_FIELDS = ("title", "published_at", "body")
DROP_TOLERANCE = 0.25        # absolute drop in a share (0..1) before a site can be flagged
SIGNIFICANCE = 0.01          # chance of a drop at least this deep at the usual rate
BASELINE_ARTICLES = 100      # articles of recent runs pooled into the usual rates
HISTORY_RUNS = 30            # earlier runs looked at, newest first
MAX_FAILURE_SHARE = 0.5      # article pages that failed extraction


@dataclass
class SiteHealth:
    site: str
    run_id: int
    status: str
    requests: int = 0
    listing_pages: int = 0
    listing_links: int = 0
    listing_failed: int = 0
    articles: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    failures_by_reason: dict = field(default_factory=dict)
    field_counts: dict = field(default_factory=dict)      # field -> articles that have it
    selector_counts: dict = field(default_factory=dict)   # field -> articles where site selectors found it
    completeness: dict = field(default_factory=dict)      # the same as shares (None without articles)
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
        listing_failed=int(stats.get("listing_failed", 0)),
        articles=articles, new=int(stats.get("new", 0)), updated=int(stats.get("updated", 0)),
        unchanged=int(stats.get("unchanged", 0)), failed=int(stats.get("failed", 0)),
        failures_by_reason=dict(Counter(failure["reason"] for failure in failures)),
    )
    for name in MONITORED_FIELDS:
        health.field_counts[name] = int(stats.get(f"field/{name}", 0))
        health.completeness[name] = _share(health.field_counts[name], articles)
    for name in SELECTOR_FIELDS:
        health.selector_counts[name] = int(stats.get(f"source/{name}/site", 0))
        health.selector_share[name] = _share(health.selector_counts[name], articles)
    return health


def binomial_tail(hits: int, trials: int, rate: float) -> float:
    """P(X <= hits) for X ~ Binomial(trials, rate)."""
    return sum(comb(trials, k) * rate ** k * (1 - rate) ** (trials - k) for k in range(hits + 1))


def baseline(history: list[SiteHealth]) -> list[SiteHealth]:
    """The most recent runs with articles, until BASELINE_ARTICLES are pooled."""
    pooled, total = [], 0
    for past in history:
        if past.articles:
            pooled.append(past)
            total += past.articles
            if total >= BASELINE_ARTICLES:
                break
    return pooled


def field_drops(health: SiteHealth, pooled: list[SiteHealth], attribute: str) -> list[str]:
    """``name (hits of n, usually x%)`` for each field whose count dropped significantly."""
    drops = []
    trials = health.articles
    past_trials = sum(past.articles for past in pooled)
    if not trials or not past_trials:
        return drops
    for name, hits in getattr(health, attribute).items():
        past_hits = sum(getattr(past, attribute).get(name, 0) for past in pooled)
        usual = past_hits / past_trials
        # Laplace's rule: a site that always had a field is not certain to, so one miss
        # in a small run is not a certainty broken.
        expected_rate = (past_hits + 1) / (past_trials + 2)
        if hits / trials < usual - DROP_TOLERANCE and binomial_tail(hits, trials, expected_rate) < SIGNIFICANCE:
            drops.append(f"{name} ({hits} of {trials}, usually {usual:.0%})")
    return drops


def flag(health: SiteHealth, history: list[SiteHealth]) -> SiteHealth:
    """Fills ``health.flags`` by comparing the run with the site's earlier runs (newest first)."""
    if health.status != "finished":
        health.flags.append(f"run ended as {health.status!r}")
    used_to_list = any(past.listing_links for past in history)
    if health.listing_links == 0 and (used_to_list or not history):
        health.flags.append("listings yield no article links")
    if health.listing_failed:
        reasons = sorted(reason for reason in health.failures_by_reason if reason.startswith("listing "))
        health.flags.append(f"{health.listing_failed} listing page(s) failed ({', '.join(reasons)})")
    extraction_failures = sum(count for reason, count in health.failures_by_reason.items()
                              if reason.startswith("no "))
    attempted = health.articles + extraction_failures
    if attempted and extraction_failures / attempted > MAX_FAILURE_SHARE:
        health.flags.append(f"{extraction_failures} of {attempted} article pages gave no title/body")
    pooled = baseline(history)
    selector_drops = field_drops(health, pooled, "selector_counts")
    if selector_drops:
        health.flags.append("site selectors no longer finding " + ", ".join(selector_drops))
    missing = field_drops(health, pooled, "field_counts")
    if missing:
        health.flags.append("fields missing: " + ", ".join(missing))
    return health


def assess_runs(store, runs: list[dict]) -> list[SiteHealth]:
    """Health of each run against the site's earlier finished crawl runs."""
    report = []
    for run in runs:
        earlier = [past for past in store.runs(limit=HISTORY_RUNS + 20, site=run["site"])
                   if past["id"] < run["id"] and past["kind"] in ("crawl", "nightly") and past["finished_at"]]
        history = [measure(past, store.failures(past["id"])) for past in earlier[:HISTORY_RUNS]]
        report.append(flag(measure(run, store.failures(run["id"])), history))
    return report
