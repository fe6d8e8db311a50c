"""Export: the Frictionless data package next to each file, and failures that leave nothing.

The data package is checked against the shape the Data Package / Table Schema specs
require (without the frictionless library, which is not a dependency): required keys,
valid names, allowed field types, a ``sha256:`` hash that matches the file's bytes.
"""
from __future__ import annotations

import hashlib
import json
import os
import re

import pytest

from test_export import corpus, fill, run
from archive import __version__
from unionnews.cli import main
from archive.errors import UserError

TABLE_SCHEMA_TYPES = {"string", "number", "integer", "boolean", "object", "array", "date", "time",
                      "datetime", "year", "yearmonth", "duration", "geopoint", "geojson", "any"}
NAME_RE = re.compile(r"^[a-z0-9._-]+$")


def check_frictionless_shape(package: dict, data_file) -> dict:
    """Assert the Data Package essentials; return the single resource."""
    assert NAME_RE.match(package["name"])
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", package["created"])
    assert isinstance(package["resources"], list) and len(package["resources"]) == 1
    resource = package["resources"][0]
    assert NAME_RE.match(resource["name"])
    assert resource["path"] == data_file.name  # relative: the pair can move together
    assert not os.path.isabs(resource["path"])
    for key in ("format", "mediatype", "hash", "bytes", "schema"):
        assert key in resource, key
    algorithm, digest = resource["hash"].split(":")
    assert algorithm == "sha256"
    assert digest == hashlib.sha256(data_file.read_bytes()).hexdigest()
    assert resource["bytes"] == data_file.stat().st_size
    names = [field["name"] for field in resource["schema"]["fields"]]
    assert len(names) == len(set(names))
    for field in resource["schema"]["fields"]:
        assert field["type"] in TABLE_SCHEMA_TYPES, field
        assert field["description"]
    return resource


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_datapackage_describes_the_file(home, store, tmp_path, fmt):
    fill(store)
    out = tmp_path / f"cong-doan.{fmt}"
    result = run(home, "export", "--format", fmt, "--out", str(out), "--site", "laodongthudo",
                 "--since", "2021-01-01")
    assert result.exit_code == 0, result.output
    package = json.loads((tmp_path / f"cong-doan.{fmt}.datapackage.json").read_text(encoding="utf-8"))
    resource = check_frictionless_shape(package, out)
    assert resource["format"] == fmt
    types = {field["name"]: field["type"] for field in resource["schema"]["fields"]}
    assert types["id"] == "integer" and types["url"] == "string" and types["fetched_at"] == "datetime"
    assert types["tags"] == ("string" if fmt == "csv" else "array")
    if fmt == "parquet":
        assert "encoding" not in resource and types["published_at_text"] == "string"
    else:
        assert resource["encoding"] == "utf-8"
    assert package["software"]["version"] == __version__
    assert package["count"] == 5
    assert package["filters"] == {"sites": ["laodongthudo"], "since": "2021-01-01"}
    assert package["command"] == (f"unionnews export --format {fmt} --out {out} "
                                  "--site laodongthudo --since 2021-01-01")
    lao_dong = [r for r in corpus() if r["site"] == "laodongthudo"]
    assert package["sites"] == {"laodongthudo": {
        "count": 5,
        "first_published": min(r["published_at"] for r in lao_dong),
        "last_published": max(r["published_at"] for r in lao_dong),
    }}


def test_excel_csv_declares_its_bom(home, store, tmp_path):
    fill(store)
    out = tmp_path / "excel.csv"
    assert run(home, "export", "--format", "csv", "--out", str(out), "--excel").exit_code == 0
    resource = json.loads((tmp_path / "excel.csv.datapackage.json").read_text())["resources"][0]
    assert resource["encoding"] == "utf-8-sig" and resource["dialect"]["lineTerminator"] == "\r\n"


def assert_refused(result, message_part: str):
    assert isinstance(result.exception, UserError), result.output
    assert message_part in str(result.exception)


@pytest.mark.parametrize("args, message", [
    (["--fields", "url,luong"], "unknown field(s): luong"),
    (["--since", "09/08/2021"], "is not a date"),
    (["--since", "2022-01-01", "--until", "2021-01-01"], "is after"),
    (["--site", "khong-co"], "no articles match"),
])
def test_bad_options_and_empty_results_leave_no_file(home, store, tmp_path, args, message):
    fill(store)
    out = tmp_path / "out.csv"
    assert_refused(run(home, "export", "--format", "csv", "--out", str(out), *args), message)
    assert list(tmp_path.iterdir()) == [home.root]


def test_exit_codes_through_the_console_entry_point(home, store, tmp_path, capsys):
    fill(store)
    with pytest.raises(SystemExit) as exited:
        main(["export", "--format", "csv", "--out", str(tmp_path / "a.csv"), "--since", "hôm qua"])
    assert exited.value.code == 2
    assert "Error: --since 'hôm qua' is not a date" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["export", "--format", "csv", "--out", str(tmp_path / "a.csv"), "--province", "Huế"])
    assert exited.value.code == 1


def test_existing_file_needs_force(home, store, tmp_path):
    fill(store)
    out = tmp_path / "keep.jsonl"
    out.write_text("mine\n")
    assert_refused(run(home, "export", "--format", "jsonl", "--out", str(out)), "--force")
    assert out.read_text() == "mine\n"
    assert run(home, "export", "--format", "jsonl", "--out", str(out), "--force").exit_code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 20


def test_unwritable_destinations_are_refused(home, store, tmp_path):
    fill(store)
    assert_refused(run(home, "export", "--format", "csv", "--out", str(tmp_path / "nope" / "a.csv")),
                   "does not exist")
    assert_refused(run(home, "export", "--format", "csv", "--out", str(tmp_path)), "is a directory")
    assert_refused(run(home, "export", "--format", "parquet", "--out", "-"), "stdout")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: permissions are not enforced")
        assert_refused(run(home, "export", "--format", "csv", "--out", str(locked / "a.csv")),
                       "permission denied")
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_interrupt_mid_export_leaves_no_file(home, store, tmp_path, monkeypatch, fmt):
    from archive.dataset import writers

    fill(store)
    writer_class = writers.WRITERS[fmt]
    calls = {"n": 0}
    original_write = writer_class.write

    def write_then_interrupt(self, row):
        calls["n"] += 1
        if calls["n"] == 10:
            raise KeyboardInterrupt
        original_write(self, row)

    monkeypatch.setattr(writer_class, "write", write_then_interrupt)
    out = tmp_path / f"half.{fmt}"
    result = run(home, "export", "--format", fmt, "--out", str(out))
    assert result.exit_code != 0 and calls["n"] == 10
    assert list(tmp_path.iterdir()) == [home.root]  # no data file, no package, no .part file


def test_no_store_is_a_user_error(home, tmp_path):
    assert_refused(run(home, "export", "--format", "csv", "--out", str(tmp_path / "a.csv")), "no article store")


def test_formats_share_a_folder_and_files_get_usual_permissions(home, store, tmp_path):
    fill(store)
    for fmt in ("csv", "parquet"):
        assert run(home, "export", "--format", fmt, "--out", str(tmp_path / f"union.{fmt}")).exit_code == 0
    names = sorted(path.name for path in tmp_path.iterdir() if path != home.root)
    assert names == ["union.csv", "union.csv.datapackage.json", "union.parquet",
                     "union.parquet.datapackage.json"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "union.csv").stat().st_mode & 0o777 == 0o666 & ~umask
