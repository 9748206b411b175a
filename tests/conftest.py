"""Shared fixtures. Every test runs against a temporary store, never the user's real one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.ledger.store import Store

NOW = datetime(2026, 11, 23, 18, 40, tzinfo=UTC)


def raw(store: Store) -> sqlite3.Connection:
    """A plain connection to the store's database with its guards (the append-only and
    next-number triggers) dropped, as someone editing the file would."""
    conn = sqlite3.connect(store.root / "ledger.sqlite", isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND name LIKE '%_no_%'"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TRIGGER ledger_next_seq")
    return conn


@pytest.fixture(autouse=True)
def isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point RESIDENTLOG_STORE at a fresh temporary directory for every test."""
    root = tmp_path / "store"
    monkeypatch.setenv("RESIDENTLOG_STORE", str(root))
    monkeypatch.delenv("RESIDENTLOG_DEBUG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return root


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A small stand-in photo to attach."""
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"\xff\xd8 the door held open with a wedge")
    return p


@pytest.fixture
def initialised(isolated_store: Path) -> Path:
    """The default store made as a resident makes it (``residentlog init``): only init makes one."""
    from residentlog.cli.app import app

    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    return isolated_store


@pytest.fixture
def store(isolated_store: Path) -> Iterator[Store]:
    with Store.create(isolated_store) as s:
        yield s


@pytest.fixture
def fixed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The small ledger with every random part fixed that rendering tests share (support_render)."""
    from .support_render import make_fixed_store

    return make_fixed_store(tmp_path, monkeypatch)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


EXAMPLE_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "build-example-ledger.sh"


@pytest.fixture(scope="session")
def example_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example ledger, built once per test session through the CLI; copy it before changing it."""
    import os
    import shutil
    import subprocess
    import sys

    if os.name != "posix" or shutil.which("sh") is None or " " in sys.executable:
        pytest.skip("the example script needs a POSIX shell and an interpreter path without spaces")
    base = tmp_path_factory.mktemp("example-ledger")
    env = dict(os.environ)
    env.pop("RESIDENTLOG_DEBUG", None)
    env.update(
        RESIDENTLOG=f"{sys.executable} -m residentlog",
        RESIDENTLOG_STORE=str(base / "default-store-must-stay-unused"),
        XDG_DATA_HOME=str(base / "xdg"),
        TMPDIR=str(base),
    )
    built = subprocess.run(
        [str(EXAMPLE_SCRIPT), str(base / "store")], env=env, capture_output=True, text=True, timeout=900
    )
    assert built.returncode == 0, f"stdout:\n{built.stdout}\nstderr:\n{built.stderr}"
    return base / "store"


def copy_example(example_ledger: Path, dest: Path) -> Path:
    """A private copy of the example ledger's store at ``dest``."""
    import shutil

    shutil.copytree(example_ledger, dest)
    return dest
