"""Import: JSONL records into the store; bad lines skipped by number; export round trip."""
from __future__ import annotations

import json

from test_export import corpus, fill, read_jsonl, run
from archive.home import Home
from unionnews.importer import content_hash, parse_record
from archive.store import Store


def write_lines(path, lines) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def test_export_import_export_is_identical_except_ids(home, store, tmp_path):
    fill(store)
    first = tmp_path / "first.jsonl"
    assert run(home, "export", "--format", "jsonl", "--out", str(first)).exit_code == 0

    other = Home(tmp_path / "other").ensure()
    result = run(other, "import", str(first))
    assert result.exit_code == 0, result.output
    assert "20 new, 0 updated, 0 unchanged, 0 skipped" in result.stdout

    second = tmp_path / "second.jsonl"
    assert run(other, "export", "--format", "jsonl", "--out", str(second)).exit_code == 0
    strip_id = lambda rows: [{k: v for k, v in row.items() if k != "id"} for row in rows]  # noqa: E731
    assert strip_id(read_jsonl(second)) == strip_id(read_jsonl(first))
    # duplicate_of survived as a link to the original's new id
    with Store(other.store_path) as copy_store:
        copy = copy_store.get_article(corpus()[7]["url"])
        assert copy_store.get_article(copy["duplicate_of"])["url"] == corpus()[3]["url"]
        assert copy_store.get_article(corpus()[0]["url"])["images"] == []  # not in the default export

    again = run(other, "import", str(first))
    assert "0 new, 0 updated, 20 unchanged, 0 skipped" in again.stdout


def test_images_round_trip_when_exported(home, store, tmp_path):
    fill(store)
    out = tmp_path / "img.jsonl"
    fields = "url,site,title,body,images,content_hash"
    assert run(home, "export", "--format", "jsonl", "--out", str(out), "--fields", fields).exit_code == 0
    other = Home(tmp_path / "other").ensure()
    assert run(other, "import", str(out)).exit_code == 0
    with Store(other.store_path) as copy_store:
        assert copy_store.get_article(corpus()[5]["url"])["images"] == corpus()[5]["images"]


def test_bad_lines_are_reported_by_number_and_skipped(home, tmp_path):
    good = {"url": "https://congdoan.vn/a.html", "title": "Công đoàn cơ sở", "body": "Nội dung."}
    lines = [
        json.dumps(good, ensure_ascii=False),
        "{not json",
        json.dumps({"url": "https://congdoan.vn/b.html", "title": "Thiếu nội dung"}),
        json.dumps({**good, "url": "https://congdoan.vn/c.html", "tags": "công đoàn"}),
        "",
        json.dumps({**good, "url": "https://congdoan.vn/d.html", "title": 5}),
        json.dumps([1, 2]),
        json.dumps({**good, "url": "https://congdoan.vn/e.html", "luong": 1}),
        json.dumps({**good, "url": "https://congdoan.vn/f.html", "site": "laodongthudo",
                    "tags": ["việc làm"]}, ensure_ascii=False),
    ]
    path = tmp_path / "mixed.jsonl"
    write_lines(path, lines)
    result = run(home, "import", str(path))
    assert result.exit_code == 0
    assert "2 new, 0 updated, 0 unchanged, 6 skipped" in result.stdout
    stderr = result.stderr
    assert f"{path}:2: skipped: invalid JSON" in stderr
    assert f"{path}:3: skipped: missing 'body'" in stderr
    assert f"{path}:4: skipped: 'tags' must be a list of strings" in stderr
    assert f"{path}:6: skipped: 'title' must be a string" in stderr
    assert f"{path}:7: skipped: expected a JSON object" in stderr
    assert f"{path}:8: skipped: unknown key(s): luong" in stderr
    assert ":5:" not in stderr and ":1:" not in stderr and ":9:" not in stderr
    with Store(home.store_path) as store:
        article = store.get_article("https://congdoan.vn/a.html")
        assert article["site"] == "generic" and article["summary"] == ""
        assert article["content_hash"] == content_hash("Công đoàn cơ sở", "", "Nội dung.")
        assert store.get_article("https://congdoan.vn/f.html")["tags"] == ["việc làm"]


def test_content_hash_follows_the_crawler_rule_and_text_is_made_nfc():
    nfd_title = "Công đoàn".replace("ô", "o\u0302")  # decomposed, as some sites send it
    record = parse_record(json.dumps({"url": "https://x.vn/1", "title": nfd_title, "body": "Thân bài."}).encode())
    assert record["title"] == "Công đoàn"
    from archive.record import content_hash as crawler_hash
    assert record["content_hash"] == crawler_hash("Công đoàn", "", "Thân bài.")
    given = parse_record(json.dumps({"url": "https://x.vn/1", "title": "T", "body": "B",
                                     "content_hash": "abc"}).encode())
    assert given["content_hash"] == "abc"


def test_updates_are_counted_and_a_null_duplicate_unlinks(home, store, tmp_path):
    fill(store)
    copy_url = corpus()[7]["url"]
    changed = {**corpus()[0], "body": "Nội dung đã sửa.", "content_hash": None}
    unlinked = {**corpus()[7], "duplicate_of": None}
    path = tmp_path / "changes.jsonl"
    write_lines(path, [json.dumps(changed, ensure_ascii=False), json.dumps(unlinked, ensure_ascii=False)])
    result = run(home, "import", str(path))
    assert "0 new, 1 updated, 1 unchanged, 0 skipped" in result.stdout
    assert store.get_article(corpus()[0]["url"])["body"] == "Nội dung đã sửa."
    assert store.get_article(copy_url)["duplicate_of"] is None


def test_unreadable_or_all_bad_files_fail(home, tmp_path):
    missing = run(home, "import", str(tmp_path / "khong-co.jsonl"))
    assert missing.exit_code != 0 and "cannot read" in str(missing.exception)
    bad = tmp_path / "bad.jsonl"
    write_lines(bad, ["{", "[]"])
    result = run(home, "import", str(bad))
    assert result.exit_code == 1 and "0 new, 0 updated, 0 unchanged, 2 skipped" in result.stdout


def test_import_from_stdin(home, tmp_path):
    record = {"url": "https://congdoan.vn/stdin.html", "title": "Từ stdin", "body": "Nội dung."}
    result = run(home, "import", "-", input=json.dumps(record, ensure_ascii=False) + "\n")
    assert result.exit_code == 0 and "1 new" in result.stdout
