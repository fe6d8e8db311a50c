"""Benchmark generic extraction against plain trafilatura on hand-made fixture pages.

For every ``<name>.html`` with a ``<name>.json`` (expected ``title``, ``published_at``,
``body`` as a list of paragraphs, optional ``page_url``) under PATH, it runs

* ours: ``crawler.extract.extract_article(raw_bytes, url, site=None)``;
* trafilatura: ``trafilatura.extract`` for the body (default settings, plain text) and
  ``trafilatura.bare_extraction(..., with_metadata=True)`` for title and date, both on
  the page as our decoder reads it (so decoding is not what is compared),

and prints per page and in total:

* body F1: bag of words, i.e. the multiset overlap of lowercase word tokens (after NFC)
  between the extracted body and the expected body;
* title: exact match after normalisation (NFC, whitespace collapsed, case folded);
* date: ``=`` exact ISO value, ``d`` right day but wrong/missing time (trafilatura only
  ever returns a day), ``x`` wrong or missing. The totals count exact and right-day.

    .venv/bin/python bench/bench_extract.py
    .venv/bin/python bench/bench_extract.py tests/fixtures/generic --markdown

Not a test: it prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
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


def date_mark(got: str | None, expected: str) -> str:
    if got and got == expected:
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default=str(ROOT / "tests" / "fixtures" / "generic"),
                        help="directory of <name>.html + <name>.json pages")
    parser.add_argument("--url", default=DEFAULT_URL, help="page URL when a JSON has no page_url")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)

    files = pages(Path(args.path))
    if not files:
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
            mark = date_mark(got["date"], expected["published_at"])
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
    if args.markdown:
        for i, row in enumerate(table):
            print("| " + " | ".join(row) + " |")
            if i == 0:
                print("|" + "---|" * len(row))
    else:
        widths = [max(len(r[i]) for r in table) for i in range(len(header))]
        for i, row in enumerate(table):
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
            if i == 0 or i == len(table) - 2:
                print("  ".join("-" * w for w in widths))
    print(f"\n{n} pages; time: ours {seconds['ours']:.2f}s, trafilatura {seconds['traf']:.2f}s "
          f"(date: '=' exact, 'd' right day only, 'x' wrong/missing)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
