"""Re-extraction: the stored raw pages run through the current registry and extraction rules.

A fixed selector or extraction rule reaches the stored articles only this way. Each page is
extracted again exactly as the crawl extracts it (``crawler.extract.extract_article`` with
the site's current registry entry, then the pipelines' NFC pass and title/body check) and
stored through the same path as a crawl (``Store.put_article``): the whole record is
compared, a changed article keeps its old version in the history and gets a change-log entry
(so the next ``unionnews index`` picks it up incrementally), an unchanged one only records
what it was extracted with. The article keeps its URL and ``fetched_at`` (the page is the
same; a canonical link that now reads differently does not move it).

Extraction is CPU-bound: pages are extracted in worker processes, in small batches, while
the main process is the store's only writer. Each article is its own transaction, so a
killed run loses nothing; what it had not reached is still stale and is done next time.

``nightly`` calls :func:`reextract_stale`: per site, the articles extracted with another
``EXTRACTION_VERSION`` or another registry entry (``crawler.provenance.entry_hash``) than
the current ones.
"""
from __future__ import annotations

import logging
import sys
import time
import zlib
from collections import Counter, deque
from dataclasses import asdict, dataclass, field

from archive.home import Home
from archive.store import COMPARED_KEYS, Store

logger = logging.getLogger(__name__)

BATCH = 16            # pages per task sent to a worker
WINDOW_PER_WORKER = 3  # tasks in flight per worker (bounded memory, workers never idle)


@dataclass
class ReextractStats:
    """Counts of one re-extraction, overall, per site and per field."""

    articles: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    fields: Counter = field(default_factory=Counter)      # record key -> articles where it changed
    sites: dict = field(default_factory=dict)             # site -> {"changed", "unchanged", "failed"}
    failures: list = field(default_factory=list)          # (url, reason)
    skipped: Counter = field(default_factory=Counter)     # site not in the registry -> articles
    seconds: float = 0.0

    def count(self, site: str, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.sites.setdefault(site, Counter())[outcome] += 1

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["fields"] = dict(self.fields)
        data["sites"] = {site: dict(counts) for site, counts in self.sites.items()}
        data["skipped"] = dict(self.skipped)
        data["failures"] = [list(failure) for failure in self.failures[:100]]
        data["rate"] = round(self.rate, 1)
        return data


# -- the workers' side (also run inline with one process) -------------------------------------

_REGISTRY: dict = {}


def _init_worker(sites_dir: str | None) -> None:
    from pathlib import Path

    from archive.registry import load_registry, reload_registry

    reload_registry()
    _REGISTRY.clear()
    _REGISTRY.update(load_registry(Path(sites_dir) if sites_dir else None))


def extract_stored(page: dict, site) -> tuple[dict | None, dict | None, str | None]:
    """One stored page (``Store.raw_pages`` row) extracted again as the crawl does:
    ``(record, field_sources, None)``, or ``(None, None, reason)`` when it is no article."""
    from crawler.extract import extract_article
    from crawler.provenance import missing_required, nfc_deep

    html = zlib.decompress(page["html_zlib"])
    extraction = extract_article(html, page["url"], site=site, http_charset=page.get("encoding"),
                                 fetched_at=page.get("fetched_at"))
    record = nfc_deep(extraction.record)
    reason = missing_required(record)
    if reason:
        return None, None, reason
    record["url"] = page["url"]  # the article's identity does not move
    return record, extraction.field_sources, None


def _extract_batch(pages: list[dict]) -> list[tuple[int, dict | None, dict | None, str | None]]:
    results = []
    for page in pages:
        try:
            record, sources, reason = extract_stored(page, _REGISTRY.get(page["site"]))
        except Exception as error:  # one broken page never stops the run
            record, sources, reason = None, None, f"extraction error: {type(error).__name__}: {error}"[:300]
        results.append((page["id"], record, sources, reason))
    return results


# -- the main process -------------------------------------------------------------------------

def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, disable=not show, file=sys.stderr, unit=" art", dynamic_ncols=True,
                desc="re-extracting")


def _batches(store: Store, ids: list[int]):
    for start in range(0, len(ids), BATCH):
        yield store.raw_pages(ids[start:start + BATCH])


class _Extractor:
    """Extracts batches of stored pages, in worker processes when there is more than one;
    ``results(batches)`` yields ``(pages, results)`` in order, with a bounded number of
    batches in flight (never the whole store in memory)."""

    def __init__(self, processes: int, sites_dir: str | None):
        self.processes = processes
        self.pool = None
        if processes > 1:
            import multiprocessing

            # fork: the workers share the parent's loaded extraction code (lxml, trafilatura)
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self.pool = context.Pool(processes, initializer=_init_worker, initargs=(sites_dir,))
        else:
            _init_worker(sites_dir)

    def results(self, batches):
        if self.pool is None:
            for pages in batches:
                yield pages, _extract_batch(pages)
            return
        pending: deque = deque()
        for pages in batches:
            pending.append((pages, self.pool.apply_async(_extract_batch, (pages,))))
            if len(pending) >= self.processes * WINDOW_PER_WORKER:
                done, job = pending.popleft()
                yield done, job.get()
        while pending:
            done, job = pending.popleft()
            yield done, job.get()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


def reextract(home: Home, *, sites: tuple[str, ...] = (), since: str | None = None,
              ids: list[int] | None = None, processes: int | None = None, progress: bool | None = None,
              on_failure=None, run_kind: str = "reextract") -> ReextractStats:
    """Extract the chosen stored articles again and store what changed (see the module doc).

    ``sites`` (slugs; default every registered site, and ``generic``), ``since`` (published
    on or after), or explicit ``ids``. ``on_failure(url, reason)`` is called for each page
    that yields no article (it is counted; the stored record is left as it was). Articles
    of a site no longer in the registry are not touched (``stats.skipped``).
    """
    from archive.errors import UserError
    from archive.registry import get_site, load_registry, reload_registry
    from crawler.extract import EXTRACTION_VERSION  # loaded before the workers fork
    from crawler.provenance import entry_hash

    reload_registry()
    registry = load_registry(home.sites_dir)
    for slug in sites:
        get_site(slug, home.sites_dir)  # an unknown slug is a one-line error
    if not home.store_path.exists():
        raise UserError(f"no article store at {home.store_path}; run `unionnews crawl` first")
    stats = ReextractStats()
    started = time.perf_counter()
    with Store(home.store_path) as store:
        chosen = list(sites) or [*registry, "generic"]
        if ids is None:
            ids = store.raw_page_ids(site=chosen, since=since)
            if not sites:
                stats.skipped.update({row["site"]: row["articles"] for row in store.site_counts()
                                      if row["site"] not in chosen})
        hashes = {slug: entry_hash(site) for slug, site in registry.items()}
        run_id = store.start_run(",".join(sites) or "*", kind=run_kind)
        extractor = _Extractor(processes or min(2, _cpu_count()) if len(ids) > BATCH else 1,
                               str(home.sites_dir))
        bar = _progress(len(ids), progress)
        status = "interrupted"
        try:
            for pages, results in extractor.results(_batches(store, ids)):
                for page, (_, record, sources, reason) in zip(pages, results):
                    bar.update(1)
                    stats.articles += 1
                    site = page["site"]
                    if reason is None:
                        try:
                            result = store.put_article(
                                record, None, extraction_version=EXTRACTION_VERSION,
                                entry_hash=hashes.get(site), field_sources=sources)
                        except UserError as error:  # a record the store refuses
                            reason = str(error)
                        else:
                            if result.outcome == "updated":
                                stats.count(site, "changed")
                                stats.fields.update(result.changed)
                            else:
                                stats.count(site, "unchanged")
                            continue
                    stats.count(site, "failed")
                    stats.failures.append((page["url"], reason))
                    store.record_failure(page["url"], f"reextract: {reason}", site=site, run_id=run_id)
                    logger.warning("re-extraction failed for %s: %s", page["url"], reason)
                    if on_failure is not None:
                        on_failure(page["url"], reason)
            status = "finished"
        finally:
            extractor.close()
            bar.close()
            stats.seconds = time.perf_counter() - started
            store.finish_run(run_id, stats.as_dict(), status=status)
    return stats


def _cpu_count() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# -- nightly: what is stale -----------------------------------------------------------------

def stale_sites(home: Home, slugs) -> dict[str, dict]:
    """Per site whose stored articles were extracted with another extraction version or
    registry entry than the current ones: how many, and why (``reason``)."""
    from archive.registry import load_registry, reload_registry
    from crawler.extract import EXTRACTION_VERSION
    from crawler.provenance import entry_hash

    reload_registry()
    registry = load_registry(home.sites_dir)
    stale = {}
    with Store(home.store_path) as store:
        for slug in slugs:
            site = registry.get(slug)
            if site is None:
                continue
            current = entry_hash(site)
            rows = [row for row in store.extracted_with(slug) if row["extraction_version"] is not None
                    and (row["extraction_version"] != EXTRACTION_VERSION or row["entry_hash"] != current)]
            if not rows:
                continue
            reasons = []
            versions = sorted({row["extraction_version"] for row in rows} - {EXTRACTION_VERSION})
            if versions:
                reasons.append(f"extraction version {', '.join(versions)} → {EXTRACTION_VERSION}")
            if any(row["entry_hash"] != current for row in rows):
                known = any(row["entry_hash"] is not None for row in rows if row["entry_hash"] != current)
                reasons.append("registry entry changed" if known else "registry entry not recorded")
            stale[slug] = {"articles": sum(row["articles"] for row in rows), "reason": "; ".join(reasons),
                           "stale_against": (EXTRACTION_VERSION, current)}
    return stale


def reextract_stale(home: Home, slugs, *, progress: bool | None = None) -> dict[str, dict]:
    """Re-extract, site by site, the articles :func:`stale_sites` finds; per site: the
    reason and the counts (changed / unchanged / failed, fields changed)."""
    report = {}
    for slug, stale in stale_sites(home, slugs).items():
        with Store(home.store_path) as store:
            ids = store.raw_page_ids(stale_against={slug: stale["stale_against"]})
        stats = reextract(home, sites=(slug,), ids=ids, progress=progress, run_kind="reextract")
        report[slug] = {"reason": stale["reason"], "articles": stats.articles, "changed": stats.changed,
                        "unchanged": stats.unchanged, "failed": stats.failed, "fields": dict(stats.fields)}
    return report


def field_table(fields: Counter | dict) -> list[str]:
    """``title  12`` lines, record order, for the fields that changed."""
    return [f"  {key:<14}{fields[key]:>7}" for key in COMPARED_KEYS if fields.get(key)]
