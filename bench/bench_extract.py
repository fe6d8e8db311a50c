"""Benchmark generic extraction against plain trafilatura on hand-made fixture pages.

For every ``<name>.html`` with a ``<name>.json`` (expected ``title``, ``published_at``
(ISO 8601, or null when the page states no date of its own), ``body`` as a list of
paragraphs, optional ``page_url``) under PATH, it runs

* ours: ``crawler.extract.extract_article(raw_bytes, url, site=None)``;
* trafilatura: ``trafilatura.extract`` for the body (default settings, plain text) and
  ``trafilatura.bare_extraction(..., with_metadata=True)`` for title and date, both on
  the page as our decoder reads it (so decoding is not what is compared),

and prints per page and in total:

* body F1: bag of words, i.e. the multiset overlap of lowercase word tokens (after NFC)
  between the extracted body and the expected body;
* title: exact match after normalisation (NFC, whitespace collapsed, case folded);
* date: ``=`` exact (the same ISO value, or the same instant when both carry an offset;
  no date when the expected one is null), ``d`` right day but wrong/missing time
  (trafilatura only ever returns a day), ``x`` wrong or missing. The totals count exact
  and right-day.

When PATH holds one subdirectory per layout family (``tests/fixtures/extract_corpus``),
it prints one row per family instead (pages, mean body F1, titles and dates exact, median
ms/page, ours vs trafilatura side by side) and an overall row (mean F1, exact %, median
and p95 ms, ratio ours/trafilatura); ``--per-page`` adds the per-page table. Time per page
is the time to get body, title and date from the page's bytes: ours is one
``extract_article`` call, trafilatura's is decoding plus one
``trafilatura.extract(..., with_metadata=True)`` call; each page is timed ``--repeat``
times (the fastest counts), after one warm-up page.

    .venv/bin/python bench/bench_extract.py
    .venv/bin/python bench/bench_extract.py tests/fixtures/generic --markdown
    .venv/bin/python bench/bench_extract.py tests/fixtures/extract_corpus
    .venv/bin/python bench/bench_extract.py tests/fixtures/extract_corpus --markdown --repeat 3

Not a test: it prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract import extract_article  # noqa: E402
from crawler.extract.encoding import decode_html  # noqa: E402
from archive.text import normalize_text  # noqa: E402

DEFAULT_URL = "https://congdoan.example.vn/tin-tuc/bai-viet-1.html"
_WORD_RE = re.compile(r"\w+")


def tokens(text: str | None) -> Counter:
    return Counter(_WORD_RE.findall(normalize_text(text).lower()))


def body_f1(got: str | None, expected: str) -> float:
    got_tokens, want_tokens = tokens(got), tokens(expected)
    if not got_tokens or not want_tokens:
        return float(got_tokens == want_tokens)
    overlap = sum((got_tokens & want_tokens).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got_tokens.values()), overlap / sum(want_tokens.values())
    return 2 * precision * recall / (precision + recall)


def same_title(got: str | None, expected: str) -> bool:
    return normalize_text(got).casefold() == normalize_text(expected).casefold()


def _instant(value: str):
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and "T" in value else None


def date_mark(got: str | None, expected: str | None) -> str:
    if expected is None:
        return "=" if not got else "x"
    if got and got == expected:
        return "="
    if got and _instant(got) is not None and _instant(got) == _instant(expected):
        return "="
    if got and got[:10] == expected[:10]:
        return "d"
    return "x"


def run_ours(raw: bytes, url: str) -> dict:
    record = extract_article(raw, url, site=None, fetched_at="2025-01-01T00:00:00Z").record
    return {"body": record["body"], "title": record["title"], "date": record["published_at"]}


def run_trafilatura(raw: bytes, url: str) -> dict:
    import trafilatura

    html = decode_html(raw)[0]
    body = trafilatura.extract(html, url=url)
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    meta = doc.as_dict() if hasattr(doc, "as_dict") else (doc or {})
    return {"body": body or "", "title": meta.get("title"), "date": meta.get("date")}


def pages(path: Path) -> list[Path]:
    return sorted(p for p in path.glob("*.json") if p.with_suffix(".html").exists())


def family_pages(path: Path) -> list[Path]:
    """Pages one level down (``<family>/<name>.json``); the family is the subdirectory."""
    return sorted(p for p in path.glob("*/*.json") if p.with_suffix(".html").exists())


def time_ours(raw: bytes, url: str) -> float:
    started = time.perf_counter()
    extract_article(raw, url, site=None, fetched_at="2025-01-01T00:00:00Z")
    return time.perf_counter() - started


def time_trafilatura(raw: bytes, url: str) -> float:
    import trafilatura

    started = time.perf_counter()
    trafilatura.extract(decode_html(raw)[0], url=url, with_metadata=True)
    return time.perf_counter() - started


def print_table(table: list[list[str]], markdown: bool, rules: tuple[int, ...]) -> None:
    if markdown:
        for i, row in enumerate(table):
            print("| " + " | ".join(row) + " |")
            if i == 0:
                print("|" + "---|" * len(row))
        return
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i in rules:
            print("  ".join("-" * w for w in widths))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def evaluate(json_path: Path, default_url: str, repeat: int) -> dict:
    """One page: quality of ours and trafilatura's, and each one's best time of ``repeat`` runs."""
    expected = json.loads(json_path.read_text("utf-8"))
    raw = json_path.with_suffix(".html").read_bytes()
    url = expected.get("page_url", default_url)
    want_body = "\n\n".join(expected["body"])
    result = {"family": json_path.parent.name, "page": json_path.stem}
    for name, runner, timer in (("ours", run_ours, time_ours), ("traf", run_trafilatura, time_trafilatura)):
        got = runner(raw, url)
        result[name] = {"f1": body_f1(got["body"], want_body),
                        "title": same_title(got["title"], expected["title"]),
                        "date": date_mark(got["date"], expected.get("published_at")),
                        "seconds": min(timer(raw, url) for _ in range(max(1, repeat)))}
    return result


def main_families(files: list[Path], args) -> int:
    time_ours(files[0].with_suffix(".html").read_bytes(), args.url)        # warm-up: imports, caches
    time_trafilatura(files[0].with_suffix(".html").read_bytes(), args.url)
    results = [evaluate(f, args.url, args.repeat) for f in files]
    if args.per_page:
        header = ["family/page", "F1 ours", "F1 traf", "title ours", "title traf", "date ours", "date traf",
                  "ms ours", "ms traf", ""]
        rows = [[f"{r['family']}/{r['page']}", f"{r['ours']['f1']:.3f}", f"{r['traf']['f1']:.3f}",
                 "ok" if r["ours"]["title"] else "x", "ok" if r["traf"]["title"] else "x",
                 r["ours"]["date"], r["traf"]["date"], f"{r['ours']['seconds'] * 1000:.1f}",
                 f"{r['traf']['seconds'] * 1000:.1f}", "" if r["ours"]["f1"] >= r["traf"]["f1"] else "BELOW"]
                for r in results]
        print_table([header, *rows], args.markdown, (0,))
        print()
    by_family = defaultdict(list)
    for r in results:
        by_family[r["family"]].append(r)
    header = ["family", "pages", "F1 ours", "F1 traf", "title ours", "title traf", "date ours", "date traf",
              "ms ours", "ms traf", ""]
    rows = []
    for family, group in sorted(by_family.items()):
        n = len(group)
        f1 = {k: sum(r[k]["f1"] for r in group) / n for k in ("ours", "traf")}
        rows.append([family, str(n), f"{f1['ours']:.3f}", f"{f1['traf']:.3f}",
                     *(f"{sum(r[k]['title'] for r in group)}/{n}" for k in ("ours", "traf")),
                     *(f"{sum(r[k]['date'] == '=' for r in group)}/{n}" for k in ("ours", "traf")),
                     *(f"{statistics.median(r[k]['seconds'] for r in group) * 1000:.1f}" for k in ("ours", "traf")),
                     "" if f1["ours"] >= f1["traf"] - 1e-9 else "BELOW"])
    n = len(results)
    ms = {k: [r[k]["seconds"] * 1000 for r in results] for k in ("ours", "traf")}
    f1 = {k: sum(r[k]["f1"] for r in results) / n for k in ("ours", "traf")}
    below = sum(1 for row in rows if row[-1])
    total = [f"ALL ({len(by_family)} families)", str(n), f"{f1['ours']:.3f}", f"{f1['traf']:.3f}",
             *(f"{100 * sum(r[k]['title'] for r in results) / n:.0f}%" for k in ("ours", "traf")),
             *(f"{100 * sum(r[k]['date'] == '=' for r in results) / n:.0f}%" for k in ("ours", "traf")),
             *(f"{statistics.median(ms[k]):.1f}" for k in ("ours", "traf")),
             f"{below} below"]
    print_table([header, *rows, total], args.markdown, (0, len(rows)))
    med = {k: statistics.median(ms[k]) for k in ms}
    tail = {k: p95(ms[k]) for k in ms}
    day = {k: sum(r[k]["date"] in "=d" for r in results) for k in ("ours", "traf")}
    print(f"\n{n} pages in {len(by_family)} families. Body F1 mean: ours {f1['ours']:.3f}, trafilatura {f1['traf']:.3f}; "
          f"pages below trafilatura: {sum(r['ours']['f1'] < r['traf']['f1'] for r in results)}.")
    print(f"Titles exact: ours {sum(r['ours']['title'] for r in results)}/{n}, "
          f"trafilatura {sum(r['traf']['title'] for r in results)}/{n}. "
          f"Dates exact: ours {sum(r['ours']['date'] == '=' for r in results)}/{n} (right day {day['ours']}), "
          f"trafilatura {sum(r['traf']['date'] == '=' for r in results)}/{n} (right day {day['traf']}).")
    print(f"ms/page: ours median {med['ours']:.1f}, p95 {tail['ours']:.1f}; trafilatura median {med['traf']:.1f}, "
          f"p95 {tail['traf']:.1f}; slowest page: ours {max(ms['ours']):.1f}, trafilatura {max(ms['traf']):.1f}; "
          f"ratio ours/trafilatura: median {med['ours'] / med['traf']:.2f}x, "
          f"p95 {tail['ours'] / tail['traf']:.2f}x (best of {max(1, args.repeat)} run(s) per page)")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default=str(ROOT / "tests" / "fixtures" / "generic"),
                        help="directory of <name>.html + <name>.json pages, or of one subdirectory of them "
                             "per layout family (e.g. tests/fixtures/extract_corpus)")
    parser.add_argument("--url", default=DEFAULT_URL, help="page URL when a JSON has no page_url")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--per-page", action="store_true", help="with families: also print every page")
    parser.add_argument("--repeat", type=int, default=1, help="with families: time each page N times, keep the fastest")
    args = parser.parse_args(argv)

    files = pages(Path(args.path))
    if not files:
        grouped = family_pages(Path(args.path))
        if grouped:
            return main_families(grouped, args)
        parser.error(f"no <name>.html + <name>.json pages in {args.path}")
    rows, totals = [], {"ours": Counter(), "traf": Counter()}
    seconds = Counter()
    for json_path in files:
        expected = json.loads(json_path.read_text("utf-8"))
        raw = json_path.with_suffix(".html").read_bytes()
        url = expected.get("page_url", args.url)
        want_body = "\n\n".join(expected["body"])
        row = [json_path.stem]
        results = {}
        for name, runner in (("ours", run_ours), ("traf", run_trafilatura)):
            started = time.perf_counter()
            got = runner(raw, url)
            seconds[name] += time.perf_counter() - started
            f1 = body_f1(got["body"], want_body)
            title_ok = same_title(got["title"], expected["title"])
            mark = date_mark(got["date"], expected.get("published_at"))
            results[name] = (f1, title_ok, mark)
            totals[name].update({"f1": f1, "title": int(title_ok), "date": int(mark == "="),
                                 "day": int(mark in "=d")})
        (of1, ot, od), (tf1, tt, td) = results["ours"], results["traf"]
        row += [f"{of1:.3f}", f"{tf1:.3f}", "ok" if ot else "x", "ok" if tt else "x", od, td,
                "" if of1 >= tf1 else "BELOW"]
        rows.append(row)

    n = len(files)
    header = ["page", "F1 ours", "F1 traf", "title ours", "title traf", "date ours", "date traf", ""]
    total_row = ["TOTAL (mean / correct)", f"{totals['ours']['f1'] / n:.3f}", f"{totals['traf']['f1'] / n:.3f}",
                 f"{totals['ours']['title']}/{n}", f"{totals['traf']['title']}/{n}",
                 f"{totals['ours']['date']}/{n} (day {totals['ours']['day']}/{n})",
                 f"{totals['traf']['date']}/{n} (day {totals['traf']['day']}/{n})",
                 f"{sum(1 for r in rows if r[-1])} below"]
    table = [header, *rows, total_row]
    print_table(table, args.markdown, (0, len(table) - 2))
    print(f"\n{n} pages; time: ours {seconds['ours']:.2f}s, trafilatura {seconds['traf']:.2f}s "
          f"(date: '=' exact, 'd' right day only, 'x' wrong/missing)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
