"""The one-way layers (docs/ARCHITECTURE.md) hold: import-linter's contracts in pyproject.toml.

``archive`` is the ground, ``crawler`` and ``indexer`` stand on it side by side, ``search_web``
on ``indexer``, and ``unionnews`` (the application) on all of them. The contracts also forbid
Scrapy below the crawler and engines or Flask in the ground. A second test proves the check
bites: the same contracts run over a copy of the tree with one upward import added.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("archive", "crawler", "indexer", "search_web", "unionnews")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: install the test extras (`make install`)")
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
                          cwd=tree, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
                          capture_output=True, text=True, timeout=120)


def copy_tree(destination: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, destination / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.json", "*.html", "*.toml"))
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def test_the_import_contracts_hold_on_this_tree():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("archive/errors.py", "import unionnews.cli", "One-way layers"),
    ("crawler/items.py", "from indexer import search", "One-way layers"),
    ("indexer/syntax.py", "import scrapy", "never loads the crawler or Scrapy"),
    ("archive/clock.py", "import flask", "The ground stands on no engine"),
])
def test_an_upward_or_forbidden_import_breaks_the_build(tmp_path, module, line, broken):
    tree = copy_tree(tmp_path)
    with (tree / module).open("a", encoding="utf-8") as handle:
        handle.write(f"\n{line}  # added by the test\n")
    result = lint_imports(tree)
    assert result.returncode != 0, result.stdout
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout, result.stdout
