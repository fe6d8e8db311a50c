"""Crash safety: SIGKILL the crawler, the indexer and an export at seeded random moments.

A SIGKILL runs no cleanup code at all (no ``finally``, no signal handler), so whatever the
process leaves on disk at that instant is what the next run finds. After each kill:

* the store passes ``PRAGMA integrity_check``;
* the index, when there is one, opens and answers searches;
* an export leaves no partial file: either nothing, or the complete file and its package,
  and no ``.part``/temporary leftovers;
* running the same command again converges to the state of an uninterrupted run: the same
  articles with the same content hashes, the same search hits and totals, byte-identical
  export files (the data package differs only in its ``created`` time).

Each kill moment is ``fraction × duration of the uninterrupted run``, the fraction drawn
from ``random.Random(seed)``; a failure message names the seed and the delay, so a failing
case can be replayed.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.home import Home
from archive.store import Store

pytestmark = pytest.mark.slow  # end-to-end: real processes, servers or kills

SEEDS = (11, 23, 47)
QUERIES = ("công đoàn", "cong doan", '"người lao động"', "an toàn -tết", "thợ mỏ")


def cli(home: Path, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "unionnews", "--home", str(home), *arguments]


def run_to_end(command: list[str], cwd: Path | None = None, started=None) -> float:
    """Run a command to completion; seconds from ``started()`` first holding to the end.

    ``started`` (default: the process start) marks where the interesting work begins, e.g.
    the first temporary export file; the figure only places the kills, it is never asserted.
    """
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    began = time.perf_counter() if started is None else None
    while process.poll() is None:
        if began is None and started(process.pid):
            began = time.perf_counter()
        time.sleep(0.005)
    _out, err = process.communicate()
    assert process.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    return time.perf_counter() - (began or time.perf_counter())


def kill_at(command: list[str], delay: float, cwd: Path | None = None, started=None) -> bool:
    """Start ``command``; once ``started(pid)`` holds, wait ``delay`` seconds, then SIGKILL
    its whole process group. Returns whether it was still running when killed (a run that
    finished first is fine for the checks, but says the kill landed after the end)."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # own group: segmentation workers die too
    while started is not None and process.poll() is None and not started(process.pid):
        time.sleep(0.002)
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return True


def kill_delay(seed: int, duration: float, low: float = 0.0, high: float = 0.9) -> float:
    return random.Random(seed).uniform(low, high) * duration


def assert_store_intact(store_path: Path) -> None:
    connection = sqlite3.connect(store_path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()


def store_state(store_path: Path) -> dict[str, str]:
    """url → content hash: what a converged store must hold."""
    with Store(store_path, readonly=True) as store:
        return {article["url"]: article["content_hash"] for article in store.iter_articles()}


def search_state(home: Home) -> dict:
    """query → (total, every hit id) for the fixed queries.

    Newest-first hits keep their order (every test article has its own date); relevance hits
    are compared as a set, because equal scores are ordered by position in the index, which
    legitimately differs between an index built in one go and one updated in steps.
    """
    from indexer.search import SearchRequest, search

    state = {}
    for query in QUERIES:
        for sort in ("relevance", "newest"):
            result = search(home, SearchRequest(query=query, sort=sort, limit=1000))
            ids = [hit.id for hit in result.hits]
            state[(query, sort)] = (result.total, ids if sort == "newest" else sorted(ids))
    return state


def assert_index_usable_if_present(home: Home) -> None:
    from indexer.engines import open_engine

    if open_engine(home.index_dir).exists():
        search_state(home)  # opens and searches without raising


# -- synthetic Vietnamese articles (deterministic; no external corpus) -----------------------

WORDS = ("công đoàn", "người lao động", "đoàn viên", "an toàn", "vệ sinh", "thợ mỏ", "doanh nghiệp",
         "tiền lương", "nhà ở", "chăm lo", "Tết", "hỗ trợ", "đối thoại", "hội nghị", "ban chấp hành",
         "khu công nghiệp", "công nhân", "phong trào", "thi đua", "năm", "tỉnh", "huyện", "cơ sở")
SITES = (("laodongthudo", "laodongthudo.vn", "Hà Nội"), ("congdoannghean", "congdoannghean.vn", "Nghệ An"),
         ("congdoanquangninh", "congdoanquangninh.org.vn", "Quảng Ninh"))


def synthetic_records(count: int, *, words_per_body: int = 80, seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for number in range(count):
        slug, domain, province = SITES[number % len(SITES)]
        title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
        summary = " ".join(rng.choice(WORDS) for _ in range(12)) + "."
        sentences = [" ".join(rng.choice(WORDS) for _ in range(10)).capitalize() + "."
                     for _ in range(max(1, words_per_body // 10))]
        body = "\n\n".join(" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3))
        records.append({
            "url": f"https://{domain}/bai-{number}.html", "site": slug, "province": province,
            "title": title, "summary": summary,
            "published_at": f"20{15 + number % 10}-{1 + number % 12:02d}-{1 + number % 28:02d}T08:00:00+07:00",
            "updated_at": None, "author": None, "source": None, "tags": [rng.choice(WORDS)],
            "category": "Công đoàn", "images": [], "body": body, "fetched_at": "2026-11-24T02:00:00Z",
            "content_hash": hashlib.sha256(f"{title}\n{summary}\n{body}".encode()).hexdigest(),
        })
    return records


def fill_store(home: Home, records: list[dict]) -> None:
    with Store(home.store_path) as store:
        for record in records:
            store.upsert_article(record, b"<html></html>")


def copy_home(source: Home, target: Path) -> Home:
    shutil.copytree(source.root, target)
    return Home(target)


# -- crawler ---------------------------------------------------------------------------------

def crawl_started(home: Path):
    return lambda _pid: (home / "store.sqlite").exists()


@pytest.fixture(scope="module")
def crawl_reference(tmp_path_factory):
    from unionnews.replica.server import ReplicaServer

    home = tmp_path_factory.mktemp("crawl-ref") / "home"
    with ReplicaServer(port=0) as server:
        duration = run_to_end(cli(home, "crawl", "--replica-url", server.url), started=crawl_started(home))
    state = store_state(home / "store.sqlite")
    assert state, "the uninterrupted crawl stored nothing"
    return {"state": state, "duration": duration}


@pytest.mark.parametrize("seed", SEEDS)
def test_killed_crawl_leaves_a_sound_store_and_converges(tmp_path, crawl_reference, seed):
    from unionnews.replica.server import ReplicaServer

    home = tmp_path / "home"
    delay = kill_delay(seed, crawl_reference["duration"])
    with ReplicaServer(port=0) as server:
        command = cli(home, "crawl", "--replica-url", server.url)
        killed = kill_at(command, delay, started=crawl_started(home))
        if (home / "store.sqlite").exists():
            assert_store_intact(home / "store.sqlite")
        run_to_end(command)  # resumes (Scrapy JOBDIR) and completes
    assert_store_intact(home / "store.sqlite")
    state = store_state(home / "store.sqlite")
    context = f"seed {seed}, killed after {delay:.2f}s (still running: {killed})"
    assert set(state) == set(crawl_reference["state"]), context
    assert state == crawl_reference["state"], context


# -- indexer ---------------------------------------------------------------------------------

INDEX_ARTICLES = 300
INCREMENTAL_SPLIT = 200


@pytest.fixture(scope="module")
def index_setup(tmp_path_factory):
    """Homes for the three ways the indexer runs, and the uninterrupted result."""
    from indexer.build import update_index

    root = tmp_path_factory.mktemp("index")
    records = synthetic_records(INDEX_ARTICLES)

    fresh = Home(root / "fresh").ensure()  # store only: the run segments and builds
    fill_store(fresh, records)

    reference = copy_home(fresh, root / "reference")
    duration = run_to_end(cli(reference.root, "index"), started=index_started(reference))
    expected = search_state(reference)
    assert any(total for total, _ in expected.values())

    indexed = copy_home(reference, root / "indexed")  # for --rebuild: a live index exists

    partial = Home(root / "partial").ensure()  # index of the first part, then new articles
    fill_store(partial, records[:INCREMENTAL_SPLIT])
    update_index(partial, progress=False, processes=1)
    fill_store(partial, records[INCREMENTAL_SPLIT:])
    return {"fresh": fresh, "indexed": indexed, "partial": partial, "expected": expected,
            "duration": duration}


def index_started(home: Home):
    def started(pid: int) -> bool:
        try:
            return (home.root / "index.lock").read_text().strip() == str(pid)
        except OSError:
            return False
    return started


# one seed per way of running, so every seed kills a different kind of index run
INDEX_CASES = [(11, "fresh", ()), (23, "indexed", ("--rebuild",)), (47, "partial", ())]


@pytest.mark.parametrize("seed, start, options", INDEX_CASES)
def test_killed_index_run_leaves_a_usable_index_and_converges(tmp_path, index_setup, seed, start, options):
    home = copy_home(index_setup[start], tmp_path / "home")
    had_index = (home.index_dir / "").exists()
    delay = kill_delay(seed, index_setup["duration"], 0.0, 0.8)
    killed = kill_at(cli(home.root, "index", *options), delay, started=index_started(home))
    context = f"seed {seed}, {start} {options}, killed after {delay:.2f}s (still running: {killed})"

    assert_store_intact(home.store_path)
    if had_index:  # a rebuild or an update never takes the live index away
        from indexer.engines import open_engine

        assert open_engine(home.index_dir).exists(), context
    assert_index_usable_if_present(home)

    run_to_end(cli(home.root, "index", *options))
    assert_store_intact(home.store_path)
    assert search_state(home) == index_setup["expected"], context
    leftovers = sorted(path.name for path in home.root.iterdir() if path.name.startswith("index."))
    assert leftovers in ([], ["index.lock"]), f"{context}: {leftovers}"


# -- export ----------------------------------------------------------------------------------

EXPORT_ARTICLES = 4000


@pytest.fixture(scope="module")
def export_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    home = Home(root / "home").ensure()
    fill_store(home, synthetic_records(EXPORT_ARTICLES, words_per_body=120, seed=9))
    references = {}
    for fmt in ("jsonl", "parquet"):
        folder = root / f"reference-{fmt}"
        folder.mkdir()
        duration = run_to_end(cli(home.root, "export", "--format", fmt, "--out", f"archive.{fmt}"), cwd=folder,
                              started=export_started(folder))
        references[fmt] = (folder, duration)
    return {"home": home, "references": references}


def export_started(folder: Path):
    # an unnamed O_TMPFILE is invisible; fall back on the process having opened the store
    def started(pid: int) -> bool:
        if any(path.name.endswith(".part") for path in folder.iterdir()):
            return True
        try:
            return any(os.readlink(f"/proc/{pid}/fd/{fd}").startswith(str(folder))
                       for fd in os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            return False
    return started


def package_without_time(path: Path) -> dict:
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor.pop("created", None)
    return descriptor


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_killed_export_leaves_no_partial_file_and_converges(tmp_path, export_setup, fmt, seed):
    home = export_setup["home"]
    reference_folder, duration = export_setup["references"][fmt]
    name = f"archive.{fmt}"
    command = cli(home.root, "export", "--format", fmt, "--out", name)
    delay = kill_delay(seed, duration, 0.0, 0.9)
    killed = kill_at(command, delay, cwd=tmp_path, started=export_started(tmp_path))
    context = f"seed {seed}, {fmt}, killed after {delay:.2f}s (still running: {killed})"

    left = sorted(path.name for path in tmp_path.iterdir())
    assert left in ([], [name, f"{name}.datapackage.json"]), f"{context}: {left}"
    assert_store_intact(home.store_path)

    run_to_end(command + (["--force"] if left else []), cwd=tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == [name, f"{name}.datapackage.json"], context
    assert (tmp_path / name).read_bytes() == (reference_folder / name).read_bytes(), context
    package = package_without_time(tmp_path / f"{name}.datapackage.json")
    expected = package_without_time(reference_folder / f"{name}.datapackage.json")
    if left:  # the re-run needed --force, which the recorded command line says
        expected["command"] = expected["command"] + " --force"
    assert package == expected, context
