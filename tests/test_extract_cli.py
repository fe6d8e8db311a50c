"""``unionnews extract FILE --url URL``: the full record as JSON for an unknown domain,
and a clear one-line error (no traceback) for files that are not HTML pages."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.record import RECORD_KEYS
from crawler.extract.encoding import page_problem
from unionnews.cli import cli, main
from archive.errors import UserError

FIXTURES = Path(__file__).parent / "fixtures" / "generic"
UNKNOWN_URL = "https://ldld.unknown-province.example.vn/tin-tuc/hoi-thi-2014.html"
# Deterministic "binary garbage": every byte value, repeated.
GARBAGE = bytes(range(256)) * 16


def run(tmp_path, *args, stdin=None):
    return CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "extract", *args], input=stdin)


def test_unknown_domain_prints_the_full_record(tmp_path):
    expected = json.loads((FIXTURES / "legacy_table_3.json").read_text("utf-8"))
    result = run(tmp_path, str(FIXTURES / "legacy_table_3.html"), "--url", UNKNOWN_URL)
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert list(record) == list(RECORD_KEYS)
    assert record["url"] == UNKNOWN_URL and record["site"] == "generic"
    assert record["title"] == expected["title"]
    assert record["published_at"] == expected["published_at"]
    assert record["author"] == expected["author"]
    assert record["body"] == "\n\n".join(expected["body"])
    assert record["tags"] == [] and record["source"] is None


def test_sources_flag_adds_field_sources(tmp_path):
    result = run(tmp_path, str(FIXTURES / "wordpress_3.html"), "--url", UNKNOWN_URL, "--sources")
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["_field_sources"]["published_at"] == "generic"
    assert output["_problems"] == []


def test_reads_standard_input(tmp_path):
    raw = (FIXTURES / "divsoup_3.html").read_bytes()
    result = run(tmp_path, "-", "--url", UNKNOWN_URL, stdin=raw)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["published_at"] == "2019-05-20T09:05:00+07:00"


@pytest.mark.parametrize("content,problem", [
    (b"", "empty"),
    (b"  \r\n\t\n", "empty"),
    (GARBAGE, "binary data, not text"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" * 50, "binary data, not text"),
    ("Chỉ là một dòng chữ, không có thẻ HTML nào.".encode(), "no HTML markup"),
])
def test_bad_file_is_a_user_error(tmp_path, content, problem):
    bad = tmp_path / "bad.html"
    bad.write_bytes(content)
    result = run(tmp_path, str(bad), "--url", UNKNOWN_URL)
    assert isinstance(result.exception, UserError), result.output
    assert f"not an HTML page ({problem})" in str(result.exception)


def test_bad_file_from_the_console_is_one_line_without_traceback(tmp_path, capsys):
    bad = tmp_path / "garbage.bin"
    bad.write_bytes(GARBAGE)
    with pytest.raises(SystemExit) as exit_info:
        main(["--home", str(tmp_path / "home"), "extract", str(bad), "--url", UNKNOWN_URL])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "binary data" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_file_is_a_usage_error(tmp_path):
    result = run(tmp_path, str(tmp_path / "nope.html"), "--url", UNKNOWN_URL)
    assert result.exit_code == 2 and "does not exist" in result.output


def test_every_fixture_page_passes_the_page_check():
    for page in FIXTURES.glob("*.html"):
        assert page_problem(page.read_bytes()) is None, page.name
