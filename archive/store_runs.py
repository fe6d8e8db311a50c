"""Crawl bookkeeping of the article store: runs, their stats, and failed URLs.

A mixin of ``archive.store.Store`` (it uses the store's connection and transactions);
kept apart because it is what monitoring and nightly resumption read, not the corpus.
"""
from __future__ import annotations

import json

from archive.clock import utc_now


class RunLog:
    """Runs (one per site and crawl) and the failures recorded during them."""

    def start_run(self, site: str, kind: str = "crawl") -> int:
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO runs(site, kind, started_at) VALUES (?, ?, ?)", (site, kind, utc_now())
            )
        return cursor.lastrowid

    def finish_run(self, run_id: int, stats: dict, status: str = "finished") -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                (utc_now(), status, json.dumps(stats, ensure_ascii=False, default=str), run_id),
            )

    def runs(self, limit: int = 20, site: str | None = None, kind: str | None = None) -> list[dict]:
        where, params = [], []
        if site:
            where.append("site = ?")
            params.append(site)
        if kind:
            where.append("kind = ?")
            params.append(kind)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit)).fetchall()
        return [{**dict(row), "stats": json.loads(row["stats"])} for row in rows]

    def previous_run_finished(self, site: str) -> bool:
        """Whether the site's last crawl walked its listings to the end.

        A killed run stays 'running' (or is marked 'interrupted'); a run stopped by a
        signal finishes as 'shutdown'; a run whose listing pages failed left pages unseen.
        In all three cases articles further down the listings may never have been fetched,
        so the next incremental run must not stop early. The current run is already
        registered when spiders ask, so it is skipped.
        """
        rows = self.conn.execute(
            "SELECT status, finished_at, stats FROM runs WHERE site = ? AND kind IN ('crawl', 'nightly')"
            " ORDER BY id DESC LIMIT 2", (site,)
        ).fetchall()
        if len(rows) < 2:
            return True  # first run ever: an empty store walks everything anyway
        previous = rows[1]
        stats = json.loads(previous["stats"] or "{}")
        return (previous["finished_at"] is not None and previous["status"] == "finished"
                and not stats.get("listing_failed"))

    def mark_interrupted_runs(self, kind: str) -> int:
        """Runs of ``kind`` still 'running' become 'interrupted'; only call this while
        holding the lock that serialises runs of that kind (their processes are dead)."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "UPDATE runs SET status = 'interrupted' WHERE kind = ? AND status = 'running'"
                " AND finished_at IS NULL", (kind,))
        return cursor.rowcount

    def dead_urls(self, site: str) -> set[str]:
        """URLs of the site that answered 404/410 and were never stored: gone, not new."""
        rows = self.conn.execute(
            "SELECT DISTINCT f.url FROM failures f WHERE f.site = ? AND f.reason IN ('http 404', 'http 410')"
            " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = f.url)", (site,))
        return {row[0] for row in rows}

    def record_failure(self, url: str, reason: str, *, site: str | None = None,
                       run_id: int | None = None, detail: str | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO failures(run_id, site, url, reason, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, site, url, reason, detail, utc_now()),
            )

    def failures(self, run_id: int | None = None) -> list[dict]:
        if run_id is None:
            rows = self.conn.execute("SELECT * FROM failures ORDER BY id")
        else:
            rows = self.conn.execute("SELECT * FROM failures WHERE run_id = ? ORDER BY id", (run_id,))
        return [dict(row) for row in rows]

