"""Shared pytest fixtures: a temporary unionnews home and sample article records."""
from __future__ import annotations

import pytest

from archive.home import Home
from archive.store import Store


@pytest.fixture
def home(tmp_path, monkeypatch) -> Home:
    """An empty unionnews home in a temporary directory, also exported as $UNIONNEWS_HOME."""
    monkeypatch.setenv("UNIONNEWS_HOME", str(tmp_path / "home"))
    return Home(tmp_path / "home").ensure()


@pytest.fixture
def store(home) -> Store:
    with Store(home.store_path) as opened:
        yield opened
