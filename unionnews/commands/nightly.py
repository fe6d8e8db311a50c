"""``unionnews nightly`` and ``unionnews status``: the scheduled incremental crawl and its reports."""
from __future__ import annotations

import json
import logging

import click

from unionnews.commands.crawl import crawl_targets
from archive.home import Home


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def print_reextracted(reextracted: dict) -> None:
    """One line per site re-extracted because its registry entry or the extraction version changed."""
    for site, done in sorted((reextracted or {}).items()):
        fields = ", ".join(f"{name} {count}" for name, count in sorted(done["fields"].items(), key=lambda kv: -kv[1]))
        click.echo(f"re-extracted {site} ({done['reason']}): {done['articles']} article(s), "
                   f"{done['changed']} changed, {done['unchanged']} unchanged, {done['failed']} failed"
                   + (f"; changed fields: {fields}" if fields else ""))


def print_health(report: list[dict]) -> None:
    """One line per site: requests, article outcomes, field completeness, and ok/FLAGGED.

    ``sel`` is the lowest share of title/date/body found by the site's own selectors
    (a redesign shows there first: the generic fallback keeps completeness up).
    """
    click.echo(f"{'site':<20}{'req':>5}{'new':>5}{'upd':>5}{'same':>6}{'fail':>6}  "
               f"{'title':>6}{'date':>6}{'body':>6}{'author':>7}{'sel':>6}  health")
    for health in report:
        shares = [health["completeness"].get(name) for name in ("title", "published_at", "body", "author")]
        selector_shares = [share for share in (health.get("selector_share") or {}).values() if share is not None]
        shares.append(min(selector_shares) if selector_shares else None)
        shown = "".join(f"{_percent(share):>{width}}" for share, width in zip(shares, (6, 6, 6, 7, 6)))
        click.echo(f"{health['site']:<20}{health['requests']:>5}{health['new']:>5}{health['updated']:>5}"
                   f"{health['unchanged']:>6}{health['failed']:>6}  {shown}  {'FLAGGED' if health['flags'] else 'ok'}")
    totals = {key: sum(int(health[key]) for health in report) for key in ("requests", "new", "updated", "failed")}
    click.echo(f"{len(report)} site(s): {totals['requests']} requests, {totals['new']} new, "
               f"{totals['updated']} updated, {totals['failed']} failed")


@click.command()
@crawl_targets
@click.option("--recheck-days", default=3, show_default=True, type=click.IntRange(min=0),
              help="Re-check known articles published in the last N days (conditional requests).")
@click.option("--overlap", default=1, show_default=True, type=click.IntRange(min=1),
              help="Listing pages with nothing new before a site's pagination stops.")
@click.option("--no-index", is_flag=True, help="Do not bring the search index up to date afterwards.")
@click.option("-v", "--verbose", is_flag=True, help="Show the crawler's log on stderr.")
@click.pass_context
def nightly(ctx, sites, replica, replica_url, recheck_days, overlap, no_index, verbose):
    """Crawl enabled sites incrementally, update the index, report; exit 1 if a site is flagged.

    Only new articles are fetched (plus recent ones, re-checked); a run killed half-way
    is finished by the next one. A site whose registry entry (its selectors) or the
    extraction version changed since its articles were extracted has them re-extracted
    from the stored pages (as `unionnews reextract` does) before the index is updated.
    One run at a time: a second one exits at once with code 3. Flags (a site yielding
    nothing, selectors or fields no longer found, failed listing pages) are printed as
    `FLAGGED site: reason` lines on stderr and the exit code is 1, so cron mail or a
    systemd unit failure alerts the operator.

    \b
    Examples:
      unionnews nightly                       # from cron or the systemd timer in deploy/
      unionnews nightly --replica             # against the bundled replicas
    """
    from unionnews.crawling import CrawlOptions, choose_sites, run_crawl
    from unionnews.lock import RunLock
    from unionnews.logs import setup_logging
    from unionnews.monitor import assess_runs
    from archive.store import Store

    home: Home = ctx.obj
    home.ensure()
    setup_logging(home, verbose=verbose, filename="nightly.log")
    log = logging.getLogger("unionnews.nightly")
    with RunLock(home.root / "nightly.lock", "nightly"):
        with Store(home.store_path) as store:
            # Holding the lock, no other nightly is alive: its 'running' rows were killed.
            interrupted = store.mark_interrupted_runs("nightly")
        if interrupted:
            click.echo(f"{interrupted} run(s) of an interrupted nightly found; their sites get a full listing walk.")
        runs = run_crawl(home, CrawlOptions(
            slugs=tuple(sites), replica=replica, replica_url=replica_url, kind="nightly",
            spider_args={"incremental": True, "overlap": overlap, "recheck_days": recheck_days},
        ))
        reextracted, reextract_error = {}, None
        try:  # articles extracted with an older entry or extraction version than the current
            from unionnews.reextract import reextract_stale

            slugs = [site.slug for site in choose_sites(tuple(sites))]
            reextracted = reextract_stale(home, slugs)
        except Exception as error:  # the crawl's report must still be written and shown
            log.exception("re-extraction failed")
            reextract_error = str(error) or type(error).__name__
        index_error = None
        index_command = ctx.find_root().command.get_command(ctx, "index")
        if index_command is not None and not no_index:
            try:
                ctx.invoke(index_command)
            except Exception as error:  # the crawl's report must still be written and shown
                log.exception("index update failed")
                index_error = str(error) or type(error).__name__
        with Store(home.store_path) as store:
            report = [health.as_dict() for health in assess_runs(store, runs)]
            # per site, what its stored articles are now extracted with (version, entry hash)
            extracted_with = {health["site"]: store.extracted_with(health["site"]) for health in report}
            report_run = store.start_run("*", kind="report")
            flagged = [health for health in report if health["flags"]]
            failed = bool(flagged or index_error or reextract_error)
            store.finish_run(report_run, {"sites": report, "flagged": len(flagged), "index_error": index_error,
                                          "reextracted": reextracted, "reextract_error": reextract_error,
                                          "extracted_with": extracted_with},
                             status="flagged" if failed else "finished")
    print_health(report)
    print_reextracted(reextracted)
    for health in flagged:
        click.echo(f"FLAGGED {health['site']}: {'; '.join(health['flags'])}", err=True)
    if reextract_error:
        click.echo(f"FLAGGED reextract: re-extraction failed: {reextract_error}", err=True)
    if index_error:
        click.echo(f"FLAGGED index: update failed: {index_error}", err=True)
    if failed:
        ctx.exit(1)


@click.command()
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="How many runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@click.pass_obj
def status(home: Home, limit: int, as_json: bool):
    """Show the last crawl runs and the latest nightly report.

    \b
    Example:
      unionnews status --limit 20
    """
    from archive.errors import UserError
    from archive.store import Store

    if not home.store_path.exists():
        raise UserError(f"no article store at {home.store_path}; run `unionnews nightly` or `unionnews crawl` first")
    with Store(home.store_path) as store:
        runs = [run for run in store.runs(limit=limit * 3) if run["kind"] != "report"][:limit]
        reports = store.runs(limit=1, kind="report")
    if as_json:
        click.echo(json.dumps({"runs": runs, "last_report": reports[0] if reports else None},
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"{'run':>5}  {'site':<20}{'kind':<9}{'started (UTC)':<22}{'status':<13}"
               f"{'req':>5}{'new':>5}{'fail':>6}")
    for run in runs:
        stats = run["stats"]
        click.echo(f"{run['id']:>5}  {run['site']:<20}{run['kind']:<9}{run['started_at']:<22}{run['status']:<13}"
                   f"{stats.get('downloader/request_count', 0):>5}{stats.get('new', 0):>5}{stats.get('failed', 0):>6}")
    if reports:
        last = reports[0]
        click.echo(f"\nLast nightly report ({last['finished_at']}): {last['status']}")
        print_health(last["stats"].get("sites", []))
        print_reextracted(last["stats"].get("reextracted"))
        for health in last["stats"].get("sites", []):
            if health["flags"]:
                click.echo(f"FLAGGED {health['site']}: {'; '.join(health['flags'])}")
        if last["stats"].get("index_error"):
            click.echo(f"FLAGGED index: update failed: {last['stats']['index_error']}")


def register(cli: click.Group) -> None:
    cli.add_command(nightly)
    cli.add_command(status)
