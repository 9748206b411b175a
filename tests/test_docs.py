"""The README stays true: CI runs its test command, and it names every command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app

ROOT = Path(__file__).resolve().parent.parent


def _indented_commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.startswith("    python3 -m venv")]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = _indented_commands((ROOT / "README.md").read_text())
    assert len(readme) == 2
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("python3")]
    assert ci == [readme[1]]
    assert readme[1].endswith("python -m pytest")


def test_readme_names_every_command() -> None:
    readme = (ROOT / "README.md").read_text()
    help_text = CliRunner().invoke(app, ["--help"]).stdout
    commands = re.findall(r"^  ([a-z][\w-]*)\s{2,}", help_text.split("Commands:")[1], flags=re.M)
    assert {"add", "list", "show", "amend", "verify", "checkpoint"} <= set(commands)
    for command in commands:
        assert f"`{command}" in readme, command


def test_docs_describe_the_format() -> None:
    text = (ROOT / "docs" / "format.md").read_text()
    for needle in ("RFC 8785", "0x00", "0x01", "prev", "salt", "checkpoint", "ledger_id"):
        assert needle in text


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
    reason="ruff not installed",
)
def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    dirs = [d for d in ("src", "tests", "bench", "examples") if (ROOT / d).is_dir()]
    r = subprocess.run([ruff, "check", *dirs], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
