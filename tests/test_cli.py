"""The CLI: every command has help with an example; user errors never show a traceback."""
from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from unionnews.cli import cli


def all_commands(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize("path,command", list(all_commands(cli)), ids=lambda value: " ".join(value) if isinstance(value, tuple) else "")
def test_every_command_has_help_with_an_example(path, command):
    assert command.help and len(command.help.strip()) > 20, f"{' '.join(path)} has no help"
    assert "unionnews " in command.help, f"{' '.join(path)}'s help shows no example"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output


def test_top_level_help_lists_examples():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "unionnews crawl --replica" in result.output


def test_user_error_is_one_line_without_traceback(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "unionnews", "--home", str(tmp_path), "crawl", "no_such_site"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 2
    assert "unknown site 'no_such_site'" in completed.stderr
    assert "Traceback" not in completed.stderr
