"""Export: each format round-trips the store exactly; filters, order, queries, failures.

The corpus is ~20 hand-written Vietnamese records across four sites, with the awkward
cases in it: date-only publication times, missing optional fields, empty tag lists,
quotes/commas/newlines that CSV must quote, and one republished copy.
"""
from __future__ import annotations

import csv
import io
import json
import unicodedata

import pytest
from click.testing import CliRunner

from unionnews.cli import cli
from archive.errors import UserError
from archive.dataset.schema import DEFAULT_FIELDS

SITES = (
    ("laodongthudo", "Hà Nội", "https://laodongthudo.vn"),
    ("ldldhcm", "Thành phố Hồ Chí Minh", "https://ldld.hochiminhcity.gov.vn"),
    ("congdoannghean", "Nghệ An", "https://congdoannghean.vn"),
    ("ldldkiengiang", "Kiên Giang", "https://ldld.kiengiang.gov.vn"),
)
TITLES = (
    "Từng bước xây dựng Công đoàn cơ sở vững mạnh",
    "Chăm lo Tết cho đoàn viên, người lao động có hoàn cảnh khó khăn",
    'Hội nghị "Đối thoại với công nhân" năm 2021',
    "Tuyên dương 100 chủ tịch công đoàn cơ sở tiêu biểu",
    "Ký kết thỏa ước lao động tập thể ngành dệt may",
    "An toàn, vệ sinh lao động: phòng hơn chống",
    "Mái ấm Công đoàn trao nhà cho đoàn viên nghèo",
    "Đại hội Công đoàn huyện Phúc Thọ lần thứ XXI, nhiệm kỳ 2023–2028",
    "Người lao động được hỗ trợ tiền thuê nhà trọ",
    "Giải bóng đá công nhân, viên chức, lao động",
)
BODY = ("Liên đoàn Lao động tỉnh đã tổ chức {n} hoạt động, thu hút hơn {m} đoàn viên tham gia.\n\n"
        'Đồng chí Chủ tịch nhấn mạnh: "Công đoàn luôn đồng hành cùng người lao động".\n\n'
        "Kinh phí hỗ trợ: {m}.000.000 đồng; trao quà, khám bệnh miễn phí.")


def corpus() -> list[dict]:
    """20 records; published_at mixes full times and date-only days, in no sorted order."""
    records = []
    for n in range(20):
        slug, province, base = SITES[n % 4]
        day = 1 + (n * 7) % 28
        month = 1 + (n * 5) % 12
        full_time = n % 3 != 0
        published = (f"2021-{month:02d}-{day:02d}T{8 + n % 10:02d}:{(n * 13) % 60:02d}:00+07:00"
                     if full_time else f"2021-{month:02d}-{day:02d}")
        records.append({
            "url": f"https://{base.split('://')[1]}/tin-tuc/bai-{n:02d}-{slug}.html",
            "site": slug,
            "province": province,
            "title": TITLES[n % len(TITLES)] + ("" if n < 10 else f" (phần {n - 9})"),
            "summary": "" if n % 5 == 0 else f"Tóm tắt bài {n}: đoàn viên, công nhân lao động.",
            "published_at": published,
            "updated_at": f"2021-{month:02d}-{day:02d}T20:00:00+07:00" if n % 4 == 1 else None,
            "author": None if n % 6 == 0 else "Nguyễn Thị Hằng",
            "source": "Nguồn: baokiengiang.vn" if slug == "ldldkiengiang" else None,
            "tags": [] if n % 3 == 0 else ["công đoàn", "người lao động", "Tết Sum vầy"][: 1 + n % 3],
            "category": "Tin hoạt động" if n % 2 else None,
            "images": [{"url": f"{base}/anh/{n}.jpg", "caption": "Trao quà cho đoàn viên"}],
            "body": BODY.format(n=n + 2, m=(n + 1) * 15),
            "fetched_at": f"2026-11-{1 + n % 20:02d}T09:{n:02d}:00Z",
            "content_hash": f"{n:064x}",
        })
    return records


def fill(store, records=None) -> list[dict]:
    """Upsert the corpus and mark record 7 as a copy of record 3; returns the store view."""
    records = records if records is not None else corpus()
    for record in records:
        store.upsert_article(record, b"<html></html>")
    copy, original = store.get_article(records[7]["url"]), store.get_article(records[3]["url"])
    store.set_duplicate_of(copy["id"], original["id"])
    return records


def expected_rows(store, **filters) -> list[dict]:
    """What an export should contain, built independently from ``get_article``."""
    articles = sorted((store.get_article(r["url"]) for r in corpus()),
                      key=lambda a: (a["published_at"], a["url"]))
    if filters.get("site"):
        articles = [a for a in articles if a["site"] in filters["site"]]
    rows = []
    for article in articles:
        row = {key: article[key] for key in DEFAULT_FIELDS if key != "duplicate_of"}
        original = store.get_article(article["duplicate_of"]) if article["duplicate_of"] else None
        row["duplicate_of"] = original["url"] if original else None
        rows.append({key: row[key] for key in DEFAULT_FIELDS})
    return rows


def run(home, *args, input=None):
    return CliRunner().invoke(cli, ["--home", str(home.root), *args], input=input)


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_round_trips_every_field_in_stable_order(home, store, tmp_path):
    fill(store)
    out = tmp_path / "all.jsonl"
    result = run(home, "export", "--format", "jsonl", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = read_jsonl(out)
    assert rows == expected_rows(store)
    assert list(rows[0]) == list(DEFAULT_FIELDS)
    published = [(r["published_at"], r["url"]) for r in rows]
    assert published == sorted(published) and len(rows) == 20
    # Vietnamese written as text (not \u escapes) and still NFC
    raw = out.read_text(encoding="utf-8")
    assert "Công đoàn" in raw and unicodedata.is_normalized("NFC", raw)
    copy = next(r for r in rows if r["url"] == corpus()[7]["url"])
    assert copy["duplicate_of"] == corpus()[3]["url"]


def test_csv_is_rfc4180_and_reads_back_exactly(home, store, tmp_path):
    fill(store)
    out = tmp_path / "all.csv"
    assert run(home, "export", "--format", "csv", "--out", str(out)).exit_code == 0
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") >= 21  # header + 20 records end in CRLF (bodies hold bare \n)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = expected_rows(store)
    for row, want in zip(rows, expected, strict=True):
        want = {key: "; ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
                for key, value in want.items()}
        assert row == want
    assert rows[0]["body"].count("\n\n") == 2 and '"Công đoàn luôn' in rows[0]["body"]


def test_csv_excel_adds_bom_and_fields_choose_columns(home, store, tmp_path):
    fill(store)
    out = tmp_path / "excel.csv"
    result = run(home, "export", "--format", "csv", "--out", str(out), "--excel", "--fields", "title,url,tags")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbftitle,url,tags\r\n")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["title", "url", "tags"]
    assert [r[1] for r in rows[1:]] == [r["url"] for r in expected_rows(store)]


def test_parquet_has_real_types_and_reads_back_exactly(home, store, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from archive.dataset.schema import parse_local_time, parse_utc_time

    fill(store)
    out = tmp_path / "all.parquet"
    assert run(home, "export", "--format", "parquet", "--out", str(out)).exit_code == 0
    table = pq.read_table(out)
    schema = table.schema
    assert schema.field("id").type == pa.int64()
    # Parquet's coarsest unit is ms (it has no seconds), so ms is what is written and read
    assert schema.field("published_at").type == pa.timestamp("ms", tz="+07:00")
    assert schema.field("fetched_at").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("tags").type == pa.list_(pa.string())
    rows = table.to_pylist()
    for row, want in zip(rows, expected_rows(store), strict=True):
        assert row["published_at_text"] == want["published_at"]
        assert row["updated_at_text"] == want["updated_at"]
        assert row["published_at"] == parse_local_time(want["published_at"])
        assert row["fetched_at"] == parse_utc_time(want["fetched_at"])
        for key in ("id", "url", "site", "province", "title", "summary", "author", "source", "tags",
                    "category", "body", "content_hash", "duplicate_of"):
            assert row[key] == want[key], key
    date_only = next(r for r in rows if len(r["published_at_text"]) == 10)
    assert date_only["published_at"].hour == 0 and date_only["published_at"].utcoffset().seconds == 7 * 3600


def test_parquet_writes_row_groups(home, store, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from archive.dataset import writers

    fill(store)
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP", 6)
    out = tmp_path / "groups.parquet"
    assert run(home, "export", "--format", "parquet", "--out", str(out)).exit_code == 0
    metadata = pq.ParquetFile(out).metadata
    assert metadata.num_rows == 20 and metadata.num_row_groups == 4


def test_filters_select_what_they_should(home, store, tmp_path):
    fill(store)
    out = tmp_path / "f.jsonl"
    args = ["export", "--format", "jsonl", "--out", str(out), "--force"]
    assert run(home, *args, "--site", "laodongthudo", "--site", "ldldhcm").exit_code == 0
    assert read_jsonl(out) == expected_rows(store, site=("laodongthudo", "ldldhcm"))
    assert run(home, *args, "--province", "Nghệ An").exit_code == 0
    assert {r["province"] for r in read_jsonl(out)} == {"Nghệ An"} and len(read_jsonl(out)) == 5
    assert run(home, *args, "--since", "2021-06-01", "--until", "2021-06-30").exit_code == 0
    want = [r["url"] for r in expected_rows(store) if r["published_at"][:7] == "2021-06"]
    assert [r["url"] for r in read_jsonl(out)] == want and want
    assert run(home, *args, "--drop-duplicates").exit_code == 0
    rows = read_jsonl(out)
    assert len(rows) == 19 and all(r["duplicate_of"] is None for r in rows)


def test_stdout_gets_jsonl_and_no_datapackage(home, store, tmp_path, monkeypatch):
    fill(store)
    monkeypatch.chdir(tmp_path)
    result = run(home, "export", "--format", "jsonl", "--out", "-", "--fields", "url,title")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [{"url": r["url"], "title": r["title"]} for r in expected_rows(store)]
    assert list(tmp_path.glob("*datapackage*")) == []
    assert "articles/s" not in result.stderr  # no progress bar when stderr is not a terminal


def test_query_exports_matching_ids_in_stable_order(home, store, tmp_path, monkeypatch):
    import sys
    import types
    from dataclasses import dataclass

    fill(store)
    wanted = [store.get_article(corpus()[n]["url"])["id"] for n in (11, 2, 7, 5)]
    seen = {}

    @dataclass
    class FakeRequest:
        query: str
        sites: tuple = ()
        provinces: tuple = ()
        since: str | None = None
        until: str | None = None
        sort: str = "relevance"

    def fake_matching_ids(home_arg, request):
        seen["request"] = request
        return list(wanted)  # relevance order; the export must re-order them

    module = types.ModuleType("indexer.search")
    module.SearchRequest, module.matching_ids = FakeRequest, fake_matching_ids
    monkeypatch.setitem(sys.modules, "indexer.search", module)
    out = tmp_path / "q.jsonl"
    result = run(home, "export", "--format", "jsonl", "--out", str(out), "--query", "công đoàn",
                 "--site", "laodongthudo")
    assert result.exit_code == 0, result.output
    assert seen["request"].query == "công đoàn" and seen["request"].sites == ("laodongthudo",)
    rows = read_jsonl(out)
    assert [r["url"] for r in rows] == [r["url"] for r in expected_rows(store) if r["id"] in wanted]
    run(home, "export", "--format", "jsonl", "--out", str(out), "--force", "-q", "x", "--drop-duplicates")
    assert corpus()[7]["url"] not in {r["url"] for r in read_jsonl(out)} and len(read_jsonl(out)) == 3
    package = json.loads((tmp_path / "q.jsonl.datapackage.json").read_text(encoding="utf-8"))
    assert package["filters"] == {"query": "x", "drop_duplicates": True}


def test_query_with_the_real_search_module(home, store, tmp_path):
    search = pytest.importorskip("indexer.search", reason="indexer.search is not implemented yet")
    if "index" not in cli.commands:
        pytest.skip("no `unionnews index` command to build the index with")
    fill(store)
    built = run(home, "index")
    assert built.exit_code == 0, built.output
    request = search.SearchRequest(query="công đoàn", sites=(), provinces=(), since=None, until=None,
                                   sort="newest")
    expected = set(search.matching_ids(home, request))
    assert expected  # every record's body says "Công đoàn"
    out = tmp_path / "real.jsonl"
    result = run(home, "export", "--format", "jsonl", "--out", str(out), "--query", "công đoàn")
    assert result.exit_code == 0, result.output
    rows = read_jsonl(out)
    # search collapses republished copies into their original; the export brings them back
    copies = {a["id"] for a in store.iter_articles() if a["duplicate_of"] in expected}
    assert copies and not copies & expected
    assert {r["id"] for r in rows} == expected | copies
    assert all(r["duplicate_of"] for r in rows if r["id"] in copies)
    assert [(r["published_at"], r["url"]) for r in rows] == sorted((r["published_at"], r["url"]) for r in rows)
    dropped = tmp_path / "dropped.jsonl"
    result = run(home, "export", "--format", "jsonl", "--out", str(dropped), "--query", "công đoàn",
                 "--drop-duplicates")
    assert result.exit_code == 0, result.output
    assert {r["id"] for r in read_jsonl(dropped)} == expected
