"""Search benchmark: ingest, index build, index size and query latency, Whoosh vs SQLite FTS5.

Not a test: prints a table. The corpus is given by path (it is not part of the project) and
scaled to ``--articles`` by the recombination generator in ``bench/corpus.py``.

    .venv/bin/python bench/bench_search.py /path/vi-news-unc.jsonl.gz --articles 10000

Measured, in order:
  import         store upserts (SQLite) of the generated records
  first ingest   `update_index` on a fresh home: segmentation (2 processes) + index build
  re-index       `update_index --rebuild`: segmentation cached, index build only
  queries        a fixed mix, each class run over several query variants and repetitions,
                 through `indexer.search.search` (parsing, engine, snippets from the store)
                 and through FTS5 (`unicode61 remove_diacritics 2`) on the same records.
"""
from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import generate, load_source  # noqa: E402

from indexer.build import update_index  # noqa: E402
from indexer.engine import open_engine  # noqa: E402
from indexer.search import SearchRequest, search  # noqa: E402
from unionnews.home import Home  # noqa: E402
from unionnews.store import Store  # noqa: E402

# class → [(whoosh query, request options, FTS5 MATCH expression, FTS5 extra SQL)]
FILTER_SQL = " AND a.site = 'laodongthudo' AND a.published_at >= '2020-01-01'"
QUERY_MIX = {
    "common word": [(q, {}, q, "") for q in ("người", "năm", "được", "có", "của")],
    "multi-syllable word": [(q, {}, f'"{q}"', "") for q in
                            ("doanh nghiệp", "kinh tế", "thị trường", "chính phủ", "sản xuất")],
    "phrase": [(f'"{q}"', {}, f'"{q}"', "") for q in
               ("phát triển kinh tế", "người tiêu dùng", "thị trường chứng khoán",
                "ngân hàng nhà nước", "dịch covid-19")],
    "unaccented": [(q, {}, q, "") for q in
                   ("doanh nghiep", "kinh te viet nam", "thi truong chung khoan", "nguoi lao dong", "ngan hang")],
    "filtered": [(q, {"sites": ("laodongthudo",), "since": "2020-01-01"}, f'"{q}"', FILTER_SQL) for q in
                 ("doanh nghiệp", "kinh tế", "thị trường", "người", "Việt Nam")],
    "sorted newest": [(q, {"sort": "newest"}, f'"{q}"', "ORDER") for q in
                      ("doanh nghiệp", "kinh tế", "thị trường", "người", "Việt Nam")],
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def build_fts(store_path: Path, fts_path: Path) -> float:
    """Copy the articles into an FTS5 table; returns build seconds."""
    if fts_path.exists():
        fts_path.unlink()
    started = time.perf_counter()
    conn = sqlite3.connect(fts_path)
    conn.execute(f"ATTACH DATABASE '{store_path}' AS store")
    conn.executescript("""
        CREATE TABLE a (id INTEGER PRIMARY KEY, url TEXT, title TEXT, site TEXT, province TEXT, published_at TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, tokenize='unicode61 remove_diacritics 2');
        INSERT INTO a SELECT id, url, title, site, province, published_at FROM store.articles;
        INSERT INTO fts(rowid, title, summary, body) SELECT id, title, summary, body FROM store.articles;
        CREATE INDEX a_site ON a(site, published_at);
        CREATE INDEX a_pub ON a(published_at);
    """)
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def fts_query(conn: sqlite3.Connection, match: str, extra: str) -> int:
    """Top 20 with bm25 (title weighted) plus the hit count and snippets, like a results page."""
    order = "a.published_at DESC" if extra == "ORDER" else "bm25(fts, 3.0, 1.0, 1.0)"
    where = "" if extra == "ORDER" else extra
    rows = conn.execute(
        f"SELECT a.url, a.title, snippet(fts, 2, '<mark>', '</mark>', '…', 24) FROM fts JOIN a ON a.id = fts.rowid"
        f" WHERE fts MATCH ?{where} ORDER BY {order} LIMIT 20", (match,)).fetchall()
    conn.execute(f"SELECT COUNT(*) FROM fts JOIN a ON a.id = fts.rowid WHERE fts MATCH ?{where}", (match,))
    return len(rows)


def run_queries(home: Home, fts_path: Path, repeat: int) -> list[tuple[str, float, float, float, float]]:
    conn = sqlite3.connect(fts_path)
    rows = []
    for name, variants in QUERY_MIX.items():
        whoosh_ms, fts_ms = [], []
        for query, options, match, extra in variants:
            search(home, SearchRequest(query=query, **options))  # warm the OS cache once
            for _ in range(repeat):
                started = time.perf_counter()
                search(home, SearchRequest(query=query, **options))
                whoosh_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                fts_query(conn, match, extra)
                fts_ms.append((time.perf_counter() - started) * 1000)
        rows.append((name, statistics.median(whoosh_ms), percentile(whoosh_ms, 0.95),
                     statistics.median(fts_ms), percentile(fts_ms, 0.95)))
    conn.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", help="JSONL(.gz) with doc_id,url,date,category,title,sentences")
    parser.add_argument("--articles", type=int, default=10_000, help="articles to generate (default 10000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=4, help="runs per query variant (5 variants per class)")
    parser.add_argument("--home", help="work directory (default: a temporary one, removed afterwards)")
    parser.add_argument("--processes", type=int, default=None, help="segmentation processes (default 2)")
    parser.add_argument("--queries-only", action="store_true",
                        help="reuse the store and index already in --home; only time the queries")
    args = parser.parse_args(argv)

    workdir = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="bench-search-"))
    home = Home(workdir).ensure()
    try:
        fts_path = workdir / "fts.sqlite"
        steps = []
        if args.queries_only:
            with Store(home.store_path, readonly=True) as store:
                n = store.count_articles()
                syllables = sum(len(f"{r['title']} {r['summary']} {r['body']}".split())
                                for r in store.iter_articles(order="id"))
        else:
            records = list(generate(load_source(args.corpus), args.articles, args.seed))
            n = len(records)
            syllables = sum(len(f"{r['title']} {r['summary']} {r['body']}".split()) for r in records)
            started = time.perf_counter()
            with Store(home.store_path) as store:
                for record in records:
                    store.upsert_article(record)
            steps.append(("import into store", time.perf_counter() - started))
            started = time.perf_counter()
            update_index(home, rebuild=True, progress=False, processes=args.processes)
            steps.append(("first ingest (segment + index)", time.perf_counter() - started))
            started = time.perf_counter()
            update_index(home, rebuild=True, progress=False, processes=args.processes)
            steps.append(("re-index (segmentation cached)", time.perf_counter() - started))
            steps.append(("FTS5 build (for comparison)", build_fts(home.store_path, fts_path)))
        index_bytes = open_engine(home.index_dir).size_bytes()
        query_rows = run_queries(home, fts_path, args.repeat)

        print(f"\nSearch benchmark: {n} articles ({syllables / n:.0f} syllables each), seed {args.seed}\n")
        print(f"{'step':<38}{'seconds':>10}{'articles/s':>12}")
        for label, seconds in steps:
            print(f"{label:<38}{seconds:>10.1f}{n / seconds:>12.1f}")
        print(f"\nindex size: Whoosh {index_bytes / 1e6:.1f} MB, FTS5 {fts_path.stat().st_size / 1e6:.1f} MB"
              f" (store {home.store_path.stat().st_size / 1e6:.1f} MB)\n")
        print(f"{'query (top 20, ms)':<24}{'whoosh p50':>12}{'whoosh p95':>12}{'fts5 p50':>10}{'fts5 p95':>10}")
        for name, w50, w95, f50, f95 in query_rows:
            print(f"{name:<24}{w50:>12.1f}{w95:>12.1f}{f50:>10.1f}{f95:>10.1f}")
    finally:
        if not args.home:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
