"""The layering of docs/architecture.md, checked on every module (ruff TID251 checks it too, in
each layer's ruff.toml; this also covers the modules ruff lets import their one library)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "residentlog"
#: What each part may import, besides the standard library, third-party code and itself.
BASE = {
    "residentlog",
    "residentlog.errors",
    "residentlog.text",
    "residentlog.fsutil",
    "residentlog.background",
}
MAY_IMPORT: dict[str, set[str]] = {
    "base": set(),
    "ledger": set(),
    "integrity": {"ledger"},
    "deadlines": {"ledger", "integrity"},
    "documents": {"ledger", "integrity", "deadlines"},
    "transfer": {"ledger", "integrity"},
    "api": {"ledger", "integrity"},
    "cli": {"ledger", "integrity", "deadlines", "documents", "transfer", "api"},
}


def _part(module: str) -> str:
    """'residentlog.ledger.store' -> 'ledger'; residentlog.errors and the like -> 'base'."""
    parts = module.split(".")
    if module in BASE or len(parts) < 2 or parts[1].startswith("__"):  # __version__
        return "base"
    return "api" if parts[1] == "api" else parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import (use residentlog.<layer>...)"
            names = [node.module or ""]
            if node.module == "residentlog":
                names = [f"residentlog.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [(node.lineno, n) for n in names if n == "residentlog" or n.startswith("residentlog.")]
    return found


def test_every_module_imports_only_the_layers_below_it() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        me = "base" if len(rel.parts) == 1 else rel.parts[0]
        if rel.parts == ("api.py",):
            me = "api"
        if rel.parts in (("__init__.py",), ("__main__.py",)):
            continue  # the package's lazy exports and `python -m residentlog`
        for line, module in _imports(path):
            other = _part(module)
            if other not in ("base", me) and other not in MAY_IMPORT[me]:
                wrong.append(f"{rel}:{line}: {me} imports {module}")
    assert wrong == []


def test_ruff_refuses_an_import_against_the_layering() -> None:
    """The layer configs are live: a ledger module importing the CLI fails ruff (checked as if
    it were a file in ledger/, read from stdin, so no file is written into the package)."""
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run(
        [str(ruff), "check", "--stdin-filename", str(PACKAGE / "ledger" / "probe.py"), "-"],
        input="from residentlog.cli.console import out\n\nout()\n",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "TID251 `residentlog.cli` is banned: ledger is below cli" in done.stdout
