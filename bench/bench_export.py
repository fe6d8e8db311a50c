"""Benchmark ``unionnews export`` (and ``import``): articles per second and peak memory.

Fills a fresh store with N synthetic but realistic records (Vietnamese titles and
multi-paragraph bodies of a few KB, built from a small vocabulary; or the records of a
JSONL file, cycled with new URLs), then exports every format in its own subprocess so
that each peak RSS (``ru_maxrss``) belongs to one format alone. A baseline child that only
imports the modules shows how much of the peak is the interpreter and libraries.

    .venv/bin/python bench/bench_export.py                 # 100,000 records
    .venv/bin/python bench/bench_export.py -n 10000 --import
    .venv/bin/python bench/bench_export.py --jsonl crawl.jsonl -n 50000

Not a test: it prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SITES = [("laodongthudo", "Hà Nội", "laodongthudo.vn"), ("ldldhcm", "Thành phố Hồ Chí Minh", "ldld.hochiminhcity.gov.vn"),
         ("congdoannghean", "Nghệ An", "congdoannghean.vn"), ("ldldkiengiang", "Kiên Giang", "ldld.kiengiang.gov.vn"),
         ("congdoandanang", "Đà Nẵng", "congdoandanang.vn"), ("ldldbinhduong", "Bình Dương", "ldld.binhduong.gov.vn")]
SUBJECTS = ["Liên đoàn Lao động tỉnh", "Công đoàn cơ sở", "Ban Chấp hành Công đoàn ngành", "Đoàn viên công đoàn",
            "Người lao động", "Chủ tịch Công đoàn", "Công nhân khu công nghiệp", "Ban Nữ công"]
VERBS = ["tổ chức", "phối hợp triển khai", "trao tặng", "tuyên dương", "ký kết", "thăm hỏi", "hỗ trợ",
         "tập huấn", "đối thoại về", "giám sát việc thực hiện"]
OBJECTS = ["thỏa ước lao động tập thể", "chương trình Tết Sum vầy", "Mái ấm Công đoàn", "an toàn, vệ sinh lao động",
           "tiền lương tối thiểu vùng", "quà cho công nhân có hoàn cảnh khó khăn", "giải bóng đá công nhân",
           "nhà trọ cho người lao động", "bảo hiểm xã hội tự nguyện", "Tháng Công nhân năm 2023"]
TAGS = ["công đoàn", "người lao động", "đoàn viên", "Tết Sum vầy", "an toàn lao động", "việc làm", "tiền lương"]


def sentence(rng: random.Random) -> str:
    return (f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}, thu hút "
            f"{rng.randint(50, 5000)} người tham gia với tổng kinh phí {rng.randint(10, 900)} triệu đồng.")


def synthetic_records(count: int, seed: int = 6):
    rng = random.Random(seed)
    for n in range(count):
        slug, province, domain = SITES[n % len(SITES)]
        day = f"20{rng.randint(15, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        published = day if rng.random() < 0.2 else f"{day}T{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}:00+07:00"
        paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(4, 12))]
        yield {
            "url": f"https://{domain}/tin-tuc/{slug}-bai-viet-{n}.html", "site": slug, "province": province,
            "title": sentence(rng)[:90], "summary": sentence(rng), "published_at": published,
            "updated_at": None, "author": rng.choice([None, "Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Hằng"]),
            "source": None, "tags": rng.sample(TAGS, rng.randint(0, 3)), "category": "Tin hoạt động",
            "images": [], "body": "\n\n".join(paragraphs), "fetched_at": "2026-11-24T09:00:00Z",
            "content_hash": f"{n:064x}",
        }


def records_from_jsonl(path: Path, count: int):
    """Cycle the file's records, giving each copy its own URL so every one is a new article."""
    from unionnews.importer import BadRecord, parse_record

    made, lap = 0, 0
    while made < count:
        with path.open("rb") as handle:
            for line in handle:
                try:
                    record = parse_record(line)
                except BadRecord:
                    continue
                record.pop("duplicate_of", None)
                if lap:
                    record["url"] = f"{record['url']}#copy{lap}"
                    record["content_hash"] = f"{made:064x}"
                yield record
                made += 1
                if made >= count:
                    return
        lap += 1
        if made == 0:
            raise SystemExit(f"{path} holds no valid record")


def fill_store(home_dir: Path, records) -> tuple[int, float]:
    from archive.store import Store

    started = time.perf_counter()
    with Store(home_dir / "store.sqlite") as store:
        count = sum(1 for record in records if store.upsert_article(record) == "new")
    return count, time.perf_counter() - started


def child(args) -> None:
    """Runs in its own process: one export (or import) and its figures as one JSON line."""
    from archive.home import Home

    home = Home(Path(args.home))
    started = time.perf_counter()
    if args.child == "baseline":
        import pyarrow.parquet  # noqa: F401  (what every export child loads)

        import unionnews.export  # noqa: F401
        count = 0
    elif args.child == "import":
        from unionnews.importer import import_jsonl
        from archive.store import Store

        target = Home(Path(args.out)).ensure()
        with Store(target.store_path) as store:
            count = import_jsonl(store, Path(args.source)).imported
    else:
        from unionnews.export import ExportRequest, run_export

        count = run_export(home, ExportRequest(format=args.child, out=args.out, force=True), progress=False).count
    seconds = time.perf_counter() - started
    print(json.dumps({"count": count, "seconds": seconds,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_child(kind: str, home: Path, out: Path, source: Path | None = None) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--home", str(home), "--out", str(out)]
    if source is not None:
        command += ["--source", str(source)]
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--records", type=int, default=100_000, help="articles in the store")
    parser.add_argument("--jsonl", type=Path, help="build records from this JSONL file instead")
    parser.add_argument("--dir", type=Path, help="work directory (default: a temporary one, removed)")
    parser.add_argument("--formats", default="jsonl,csv,parquet")
    parser.add_argument("--import", dest="do_import", action="store_true",
                        help="also time importing the JSONL export into an empty home")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    with tempfile.TemporaryDirectory(prefix="bench-export-") as temporary:
        work = args.dir or Path(temporary)
        home = work / "home"
        home.mkdir(parents=True, exist_ok=True)
        records = records_from_jsonl(args.jsonl, args.records) if args.jsonl else synthetic_records(args.records)
        count, seconds = fill_store(home, records)
        store_mb = (home / "store.sqlite").stat().st_size / 2**20
        print(f"store: {count:,} articles in {seconds:.1f} s ({count / seconds:,.0f}/s), {store_mb:,.0f} MB")
        baseline = run_child("baseline", home, work / "none")
        print(f"baseline (interpreter + pyarrow + unionnews.export): peak RSS {baseline['maxrss_mb']:.0f} MB")
        print(f"{'format':<9}{'articles':>10}{'seconds':>9}{'articles/s':>12}{'peak RSS MB':>13}{'file MB':>9}")
        for fmt in args.formats.split(","):
            out = work / f"export.{fmt}"
            figures = run_child(fmt, home, out)
            print(f"{fmt:<9}{figures['count']:>10,}{figures['seconds']:>9.1f}"
                  f"{figures['count'] / figures['seconds']:>12,.0f}{figures['maxrss_mb']:>13.0f}"
                  f"{out.stat().st_size / 2**20:>9.0f}")
        if args.do_import:
            source = work / "export.jsonl"
            if not source.exists():
                run_child("jsonl", home, source)
            figures = run_child("import", home, work / "imported", source=source)
            print(f"{'import':<9}{figures['count']:>10,}{figures['seconds']:>9.1f}"
                  f"{figures['count'] / figures['seconds']:>12,.0f}{figures['maxrss_mb']:>13.0f}")


if __name__ == "__main__":
    main()
