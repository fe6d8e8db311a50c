"""Load benchmark: `unionnews serve` under concurrent clients while the index is updated.

Not a test: prints figures. Builds (or reuses, ``--home``) a home of ``--articles`` generated
articles (``bench/corpus.py``, recombined real sentences), starts ``unionnews serve`` on
127.0.0.1 on a free port in a subprocess, and drives it with ``--clients`` threads (each a
keep-alive ``http.client`` connection, no think time) for ``--duration`` seconds over a fixed
query mix. A quarter of the way in, ``--extra`` new articles are written to the store and
``unionnews index`` runs in its own process, so the figures include searching while the
index is committed and the searchers refresh.

    .venv/bin/python bench/bench_load.py /path/vi-news-unc.jsonl.gz --articles 100000 --home /tmp/load100k

Prints requests, throughput, error count and p50/p95/p99 latency overall, per query class,
and split into "while indexing" / "otherwise". Target: no errors, p95 < 300 ms at 8 clients.
The indexing run is niced (``--index-nice``, default 10) as the nightly job is in ``deploy/``:
background work yields the CPU to searches.
Other processes on the machine skew the figures: run it on an idle box.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import generate, load_source  # noqa: E402

from indexer.engines import open_engine  # noqa: E402
from archive.home import Home  # noqa: E402
from archive.store import Store  # noqa: E402

# class → request paths; the same classes as bench_search.py, through the HTTP API, plus the
# HTML results page (facets + monthly histogram + chart) and article reads.
def _api(q: str, **extra) -> str:
    return "/api/search?" + urlencode([("q", q), *extra.items()])


QUERY_MIX: dict[str, list[str]] = {
    "word": [_api(q) for q in ("người", "năm", "được", "công nhân", "lao động")],
    "multi-syllable": [_api(q) for q in ("doanh nghiệp", "kinh tế", "thị trường", "chính phủ", "sản xuất")],
    "phrase": [_api(f'"{q}"') for q in ("phát triển kinh tế", "người tiêu dùng", "thị trường chứng khoán",
                                         "ngân hàng nhà nước", "người lao động")],
    "unaccented": [_api(q) for q in ("doanh nghiep", "kinh te viet nam", "thi truong chung khoan",
                                      "nguoi lao dong", "ngan hang")],
    "filtered": [_api(q, site="laodongthudo", since="2020-01-01") for q in
                 ("doanh nghiệp", "kinh tế", "thị trường", "người", "Việt Nam")],
    "sorted": [_api(q, sort="newest") for q in ("doanh nghiệp", "kinh tế", "thị trường", "người", "Việt Nam")],
    "html page": ["/?" + urlencode({"q": q}) for q in ("công đoàn", "an toan lao dong", "Việt Nam")],
    "article": [],  # filled in by main(): ids spread over the store
}


@dataclass
class Sample:
    kind: str
    started: float  # seconds since the load began
    ms: float
    ok: bool


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def cli(home: Path, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "unionnews", "--home", str(home), *arguments]


def prepare_home(home: Home, corpus: str, articles: int, seed: int, processes: int | None) -> None:
    """Fill the store to ``articles`` and index it, unless a previous run already did."""
    home.ensure()
    with Store(home.store_path) as store:
        have = store.count_articles()
    if have < articles:
        started = time.perf_counter()
        records = itertools.islice(generate(load_source(corpus), articles, seed), have, None)
        with Store(home.store_path) as store:
            for record in records:
                store.upsert_article(record)
        print(f"store: {articles - have} articles imported in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    command = cli(home.root, "index", "--no-progress") + (["--processes", str(processes)] if processes else [])
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    print(f"index: brought up to date in {time.perf_counter() - started:.0f} s "
          f"({open_engine(home.index_dir).size_bytes() / 1e6:.0f} MB)", flush=True)


def start_server(home: Path, threads: int, workers: int | None = None,
                 cache_seconds: float | None = None) -> tuple[subprocess.Popen, int]:
    arguments = ["serve", "--port", "0", "--threads", str(threads)]
    if workers is not None:
        arguments += ["--workers", str(workers)]
    if cache_seconds is not None:
        arguments += ["--cache-seconds", str(cache_seconds)]
    process = subprocess.Popen(cli(home, *arguments),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        raise SystemExit(f"server did not start: {line}{process.stdout.read()}")
    # keep draining its output so the pipe never fills and blocks the server
    threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
    return process, int(match.group(1))


def client(port: int, number: int, deadline: float, origin: float, samples: list[Sample], lock) -> None:
    """One client: the whole mix in a fixed order, starting at a different place per client."""
    plan = [(kind, path) for kind, paths in QUERY_MIX.items() for path in paths]
    own: list[Sample] = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    position = number * 7
    while time.perf_counter() < deadline:
        kind, path = plan[position % len(plan)]
        position += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        own.append(Sample(kind, started - origin, (time.perf_counter() - started) * 1000, ok))
    connection.close()
    with lock:
        samples.extend(own)


def add_articles(home: Home, corpus: str, count: int, seed: int) -> int:
    """``count`` further generated articles (numbered after the store's), written to the store."""
    with Store(home.store_path) as store:
        have = store.count_articles()
        for record in itertools.islice(generate(load_source(corpus), have + count, seed), have, None):
            store.upsert_article(record)
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", help="JSONL(.gz) with doc_id,url,date,category,title,sentences")
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the index (default 100000)")
    parser.add_argument("--extra", type=int, default=2_000, help="articles added and indexed during the load")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--threads", type=int, default=4, help="threads per server process (`serve --threads`)")
    parser.add_argument("--workers", type=int, default=None,
                        help="server processes (`serve --workers`; default: serve's, one per CPU, at least 2)")
    parser.add_argument("--cache-seconds", type=float, default=None,
                        help="`serve --cache-seconds` (0: every request searches; default: serve's)")
    parser.add_argument("--index-nice", type=int, default=10,
                        help="niceness of the indexing run (default 10, as deploy/ runs nightly; 0: none)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--processes", type=int, default=None, help="segmentation processes for the build")
    parser.add_argument("--home", help="work directory, reused when it already holds the articles "
                                       "(default: a temporary one, removed afterwards)")
    args = parser.parse_args(argv)

    workdir = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="bench-load-"))
    home = Home(workdir.resolve())
    server = None
    try:
        prepare_home(home, args.corpus, args.articles, args.seed, args.processes)
        with Store(home.store_path) as store:
            base_count = store.count_articles()
        QUERY_MIX["article"] = [f"/api/articles/{1 + base_count * n // 5}" for n in range(5)]
        server, port = start_server(home.root, args.threads, args.workers, args.cache_seconds)

        # Warm-up outside the clock: every path once, so each server thread's searcher is open.
        warm: list[Sample] = []
        client(port, 0, time.perf_counter() + 5, time.perf_counter(), warm, threading.Lock())

        samples: list[Sample] = []
        lock = threading.Lock()
        origin = time.perf_counter()
        deadline = origin + args.duration
        threads = [threading.Thread(target=client, args=(port, n, deadline, origin, samples, lock))
                   for n in range(args.clients)]
        for thread in threads:
            thread.start()

        time.sleep(args.duration / 4)
        index_started = time.perf_counter() - origin
        add_articles(home, args.corpus, args.extra, args.seed)
        niced = ["nice", "-n", str(args.index_nice)] if args.index_nice else []
        indexing = subprocess.run(niced + cli(home.root, "index", "--no-progress"), capture_output=True, text=True)
        index_ended = time.perf_counter() - origin
        for thread in threads:
            thread.join()
        # the load window: clients stop at the deadline, even when indexing runs on past it
        elapsed = max((sample.started + sample.ms / 1000 for sample in samples), default=args.duration)

        report(samples, elapsed, args, base_count, index_started, index_ended, indexing)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.home:
            shutil.rmtree(workdir, ignore_errors=True)


def _row(label: str, chosen: list[Sample], elapsed: float | None = None) -> str:
    ms = [sample.ms for sample in chosen]
    errors = sum(not sample.ok for sample in chosen)
    rate = f"{len(chosen) / elapsed:>9.1f}" if elapsed else f"{'':>9}"
    return (f"{label:<26}{len(chosen):>8}{rate}{errors:>8}{percentile(ms, .5):>9.1f}"
            f"{percentile(ms, .95):>9.1f}{percentile(ms, .99):>9.1f}")


def report(samples, elapsed, args, base_count, index_started, index_ended, indexing) -> None:
    print(f"\nLoad benchmark: {base_count} articles (+{args.extra} indexed during the load), "
          f"{args.clients} clients, server: {args.workers or 'default'} processes × {args.threads} threads, "
          f"cache {'default' if args.cache_seconds is None else f'{args.cache_seconds:g} s'}, "
          f"{elapsed:.0f} s, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end, "
          f"indexing at nice {args.index_nice}\n")
    print(f"indexing run: {index_started:.0f}–{index_ended:.0f} s after start, exit {indexing.returncode}: "
          f"{indexing.stdout.strip() or indexing.stderr.strip()[-300:]}\n")
    print(f"{'':<26}{'requests':>8}{'req/s':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    print(_row("all", samples, elapsed))
    during = [s for s in samples if index_started <= s.started <= index_ended]
    print(_row("  while indexing", during, index_ended - index_started))
    print(_row("  otherwise", [s for s in samples if not index_started <= s.started <= index_ended]))
    for kind in QUERY_MIX:
        print(_row(kind, [s for s in samples if s.kind == kind]))


if __name__ == "__main__":
    main()
