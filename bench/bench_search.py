"""Search benchmark: index build, index size and query latency, Whoosh vs tantivy vs SQLite FTS5.

Not a test: prints a table. The corpus is given by path (it is not part of the project) and
scaled to ``--articles`` by the recombination generator in ``bench/corpus.py``.

    .venv/bin/python bench/bench_search.py /path/vi-news-unc.jsonl.gz --articles 10000

Measured, in order:
  segment sources  underthesea over every unique source sentence and title, once (2 processes);
                   ``--segment-cache FILE`` keeps the result for the next run
  import           store upserts of the generated records, plus each article's segmentation
                   assembled from its sentences' and stored (so no engine segments anything)
  <engine> build   `update_index --rebuild` per engine (``--engines``), from the stored
                   segmentation: what re-indexing a home costs
  FTS5 build       the same records into SQLite FTS5 (`unicode61 remove_diacritics 2`)
  queries          a fixed mix, each class run over five query variants and ``--repeat``
                   repetitions, through `indexer.search.search` (parsing, engine, snippets
                   from the store) per engine, and through FTS5 on the same records: common
                   syllables alone, ANDed and in phrases (the expensive class on syllables),
                   words, phrases, unaccented ANDs, OR, exclusion, filters, date order and
                   5-syllable fragments cut from stored bodies.
``--underthesea`` instead segments every generated article in the first build (the real
first ingest: slow, only sensible up to ~10k articles).
"""
from __future__ import annotations

import argparse
import gzip
import json
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

from corpus import compose_segmentation, generate_with_parts, load_source, segment_sources  # noqa: E402

from indexer.build import update_index  # noqa: E402
from indexer.engines import ENGINES, detect_engine, open_engine, set_configured_engine  # noqa: E402
from indexer.search import SearchRequest, search  # noqa: E402
from archive.home import Home  # noqa: E402
from archive.store import Store  # noqa: E402

# class → [(query, request options, FTS5 MATCH expression, FTS5 extra SQL)]
FILTER_SQL = " AND a.site = 'laodongthudo' AND a.published_at >= '2020-01-01'"
QUERY_MIX = {
    "common syllable": [(q, {}, q, "") for q in ("công", "người", "được", "có", "của")],
    "two common ANDed": [(q, {}, q, "") for q in ("người động", "công nhân", "được có", "năm của", "người việc")],
    "multi-syllable word": [(q, {}, f'"{q}"', "") for q in
                            ("doanh nghiệp", "kinh tế", "thị trường", "chính phủ", "sản xuất")],
    "phrase": [(f'"{q}"', {}, f'"{q}"', "") for q in
               ("phát triển kinh tế", "người tiêu dùng", "thị trường chứng khoán",
                "ngân hàng nhà nước", "dịch covid-19")],
    "common phrase": [(f'"{q}"', {}, f'"{q}"', "") for q in
                      ("người lao động", "của các", "trong năm", "có thể", "được tổ chức")],
    "unaccented AND": [(q, {}, q, "") for q in
                       ("doanh nghiep", "kinh te viet nam", "thi truong chung khoan", "nguoi lao dong", "ngan hang")],
    "OR": [(q, {}, q, "") for q in ("lương OR thưởng", "doanh nghiệp OR công ty", "xuất OR nhập khẩu",
                                     "bệnh viện OR trường học", "covid OR dịch")],
    "exclusion": [(q, {}, q.replace(" -", " NOT "), "") for q in
                  ("kinh tế -covid", "người -năm", "doanh nghiệp -ngân", "thị trường -chứng", "công -nhân")],
    "filtered": [(q, {"sites": ("laodongthudo",), "since": "2020-01-01"}, f'"{q}"', FILTER_SQL) for q in
                 ("doanh nghiệp", "kinh tế", "thị trường", "người", "Việt Nam")],
    "sorted newest": [(q, {"sort": "newest"}, f'"{q}"', "ORDER") for q in
                      ("doanh nghiệp", "kinh tế", "thị trường", "người", "Việt Nam")],
    "5-syllable fragment": [],  # five runs of 5 syllables cut from stored bodies (fragment_queries)
}
BATCH = 2000  # records per segmentation write


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def sentence_table(source: list[dict], cache: Path | None, processes: int) -> dict:
    if cache and cache.exists():
        with gzip.open(cache, "rt", encoding="utf-8") as handle:
            return {text: (words, offsets) for text, words, offsets in json.load(handle)}
    table = segment_sources(source, processes)
    if cache:
        with gzip.open(cache, "wt", encoding="utf-8") as handle:
            json.dump([[text, words, offsets] for text, (words, offsets) in table.items()], handle, ensure_ascii=False)
    return table


def import_records(home: Home, source: list[dict], count: int, seed: int, table: dict | None) -> int:
    """Stream generated records into the store (with composed segmentation); syllable total."""
    syllables = 0
    with Store(home.store_path) as store:
        batch: list[tuple[dict, dict]] = []

        def flush():
            ids = dict(store.conn.execute(
                f"SELECT url, id FROM articles WHERE url IN ({', '.join('?' * len(batch))})",
                [record["url"] for record, _ in batch]).fetchall())
            store.set_segmentations((ids[record["url"]], 1, compose_segmentation(parts, table))
                                    for record, parts in batch)
            batch.clear()

        for record, parts in generate_with_parts(source, count, seed):
            store.upsert_article(record)
            syllables += len(f"{record['title']} {record['summary']} {record['body']}".split())
            if table is not None:
                batch.append((record, parts))
                if len(batch) >= BATCH:
                    flush()
        if batch:
            flush()
    return syllables


def use_index(home: Home, engine: str) -> None:
    """Make ``index.<engine>`` the live index (each engine's build is kept beside it)."""
    current = detect_engine(home.index_dir)
    if current == engine:
        return
    if current:
        home.index_dir.rename(home.root / f"index.{current}")
    (home.root / f"index.{engine}").rename(home.index_dir)


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


def fragment_queries(store_path: Path, seed: int, count: int = 5) -> list[tuple]:
    """Five syllables copied from the middle of stored bodies, starting anywhere (inside a word
    too): a researcher pasting a fragment. FTS5 gets the same syllables ANDed."""
    import random

    from indexer.syllables import iter_syllables

    rng = random.Random(seed)
    with Store(store_path, readonly=True) as store:
        total = store.count_articles()
        picked = []
        for article_id in rng.sample(range(1, total + 1), min(total, count * 3)):
            article = store.get_article(article_id)
            syllables = [s for s, _, _ in iter_syllables(article["body"] if article else "")]
            if len(syllables) >= 20:
                start = rng.randrange(0, len(syllables) - 5)
                query = " ".join(syllables[start:start + 5])
                picked.append((query, {}, " ".join(f'"{s}"' for s in syllables[start:start + 5]), ""))
            if len(picked) == count:
                break
    return picked


def time_engine(home: Home, repeat: int) -> dict[str, tuple[float, float]]:
    rows = {}
    for name, variants in QUERY_MIX.items():
        took = []
        for query, options, _, _ in variants:
            search(home, SearchRequest(query=query, **options))  # warm the OS cache once
            for _ in range(repeat):
                started = time.perf_counter()
                search(home, SearchRequest(query=query, **options))
                took.append((time.perf_counter() - started) * 1000)
        rows[name] = (statistics.median(took), percentile(took, 0.95))
    return rows


def time_fts(fts_path: Path, repeat: int) -> dict[str, tuple[float, float]]:
    conn = sqlite3.connect(fts_path)
    rows = {}
    for name, variants in QUERY_MIX.items():
        took = []
        for _, _, match, extra in variants:
            fts_query(conn, match, extra)
            for _ in range(repeat):
                started = time.perf_counter()
                fts_query(conn, match, extra)
                took.append((time.perf_counter() - started) * 1000)
        rows[name] = (statistics.median(took), percentile(took, 0.95))
    conn.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", help="JSONL(.gz) with doc_id,url,date,category,title,sentences")
    parser.add_argument("--articles", type=int, default=10_000, help="articles to generate (default 10000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=4, help="runs per query variant (5 variants per class)")
    parser.add_argument("--home", help="work directory (default: a temporary one, removed afterwards)")
    parser.add_argument("--processes", type=int, default=2, help="segmentation processes (default 2)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated (default: whoosh,tantivy)")
    parser.add_argument("--no-fts", action="store_true", help="skip the FTS5 comparison")
    parser.add_argument("--segment-cache", type=Path, help="file keeping the segmented source sentences")
    parser.add_argument("--underthesea", action="store_true",
                        help="segment every generated article in the first build (no composed segmentation)")
    parser.add_argument("--queries-only", action="store_true",
                        help="reuse the store and the indexes already in --home; only time the queries")
    args = parser.parse_args(argv)
    engines = [name for name in args.engines.split(",") if name]

    workdir = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="bench-search-"))
    home = Home(workdir).ensure()
    fts_path = workdir / "fts.sqlite"
    steps, sizes = [], {}
    try:
        if args.queries_only:
            with Store(home.store_path, readonly=True) as store:
                n = store.count_articles()
            syllables = None
            if not args.no_fts and not fts_path.exists():
                steps.append(("FTS5 build", build_fts(home.store_path, fts_path), n))
        else:
            source = load_source(args.corpus)
            table = None
            if not args.underthesea:
                started = time.perf_counter()
                table = sentence_table(source, args.segment_cache, args.processes)
                steps.append((f"segment {len(table)} source sentences", time.perf_counter() - started, None))
            started = time.perf_counter()
            syllables = import_records(home, source, args.articles, args.seed, table)
            n = args.articles
            steps.append(("import into store" + ("" if args.underthesea else " + segmentation"),
                          time.perf_counter() - started, n))
            for engine in engines:
                set_configured_engine(home, engine)
                started = time.perf_counter()
                stats = update_index(home, rebuild=True, progress=False, processes=args.processes)
                label = f"{engine} build" + (" (segmenting)" if stats.segmented else " (stored segmentation)")
                steps.append((label, time.perf_counter() - started, n))
                home.index_dir.rename(home.root / f"index.{engine}")
            if not args.no_fts:
                steps.append(("FTS5 build", build_fts(home.store_path, fts_path), n))
        QUERY_MIX["5-syllable fragment"] = fragment_queries(home.store_path, args.seed)
        latency = {}
        for engine in engines:
            use_index(home, engine)
            sizes[engine] = open_engine(home.index_dir).size_bytes()
            latency[engine] = time_engine(home, args.repeat)
        if not args.no_fts and fts_path.exists():
            sizes["fts5"] = fts_path.stat().st_size
            latency["fts5"] = time_fts(fts_path, args.repeat)

        per_article = f" ({syllables / n:.0f} syllables each)" if syllables else ""
        print(f"\nSearch benchmark: {n} articles{per_article}, seed {args.seed}\n")
        print(f"{'step':<44}{'seconds':>10}{'articles/s':>12}")
        for label, seconds, count in steps:
            rate = f"{count / seconds:>12.0f}" if count else ""
            print(f"{label:<44}{seconds:>10.1f}{rate}")
        print("\nindex size: " + ", ".join(f"{name} {size / 1e6:.1f} MB ({size / n / 1e3:.1f} kB an article)"
                                         for name, size in sizes.items())
              + f" (store {home.store_path.stat().st_size / 1e6:.1f} MB)\n")
        columns = list(latency)
        print(f"{'query (top 20, ms)':<22}" + "".join(f"{name + ' p50':>14}{name + ' p95':>14}" for name in columns))
        for kind in QUERY_MIX:
            print(f"{kind:<22}" + "".join(f"{latency[name][kind][0]:>14.1f}{latency[name][kind][1]:>14.1f}"
                                          for name in columns))
    finally:
        if not args.home:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
