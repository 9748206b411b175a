"""Shared fixtures. Every test runs against a temporary store, never the user's real one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.store import Store

NOW = datetime(2026, 11, 23, 18, 40, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point RESIDENTLOG_STORE at a fresh temporary directory for every test."""
    root = tmp_path / "store"
    monkeypatch.setenv("RESIDENTLOG_STORE", str(root))
    monkeypatch.delenv("RESIDENTLOG_DEBUG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return root


@pytest.fixture
def store(isolated_store: Path) -> Iterator[Store]:
    with Store.create(isolated_store) as s:
        yield s


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
