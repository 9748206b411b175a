"""PDF output on a machine that lacks WeasyPrint's system libraries, or where WeasyPrint warns.

Letters need WeasyPrint; the chronology PDF is typeset by Typst and needs neither.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.documents import pdf
from residentlog.errors import MissingDependency

ROOT = Path(__file__).resolve().parents[2]


class _Loader:
    """A stand-in ``weasyprint`` whose import warns (as WeasyPrint 70 does without
    libharfbuzz-subset0) or fails (as it does without Pango)."""

    def __init__(self, *, fail: bool) -> None:
        self.fail = fail

    def find_spec(self, name: str, path: object = None, target: object = None) -> object:
        if name != "weasyprint":
            return None
        import importlib.util

        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec: object) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        import warnings

        warnings.warn("HarfBuzz-Subset will be required.", DeprecationWarning, stacklevel=2)
        if self.fail:
            raise OSError("cannot load library 'libpango-1.0-0': cannot open shared object file")

        class HTML:
            def __init__(self, string: str, base_url: str | None = None) -> None:
                self.string = string

            def write_pdf(self) -> bytes:
                warnings.warn("a font warning", UserWarning, stacklevel=2)
                return b"%PDF-fake " + self.string.encode()

        module.HTML = HTML  # type: ignore[attr-defined]


@pytest.fixture
def fake_weasyprint(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    def install(*, fail: bool) -> None:
        # setitem first records what was there (the real module, or nothing), so that undoing
        # restores it and the fake never outlives the test; then the import goes to the loader.
        monkeypatch.setitem(sys.modules, "weasyprint", None)
        monkeypatch.delitem(sys.modules, "weasyprint")
        monkeypatch.setattr(sys, "meta_path", [_Loader(fail=fail), *sys.meta_path])

    return install


def test_a_warning_from_weasyprint_is_not_an_error(fake_weasyprint: Callable[..., None]) -> None:
    fake_weasyprint(fail=False)
    assert pdf.html_to_pdf("<p>x</p>") == b"%PDF-fake <p>x</p>"


def test_missing_pango_names_the_packages(fake_weasyprint: Callable[..., None]) -> None:
    fake_weasyprint(fail=True)
    with pytest.raises(MissingDependency) as caught:
        pdf.html_to_pdf("<p>x</p>")
    message = str(caught.value)
    assert "\n" not in message
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core" in message
    assert "cannot load library 'libpango-1.0-0'" in message


def test_cli_letter_pdf_without_pango_exits_2_and_writes_nothing(
    fake_weasyprint: Callable[..., None], runner: CliRunner, tmp_path: Path, isolated_store: Path
) -> None:
    assert runner.invoke(app, ["init", "--name", "Sam", "--landlord", "Example HA"]).exit_code == 0
    assert runner.invoke(app, ["add", "lift", "Lift 2 stuck", "--when", "1 March 2020 10:00"]).exit_code == 0
    fake_weasyprint(fail=True)
    out = tmp_path / "chronology.pdf"
    result = runner.invoke(app, ["chronology", "-o", str(out)])
    assert result.exit_code == 0, result.output  # Typst, not WeasyPrint: no system library needed
    assert out.read_bytes().startswith(b"%PDF-")
    letter = tmp_path / "letter.pdf"
    result = runner.invoke(app, ["letter", "repair-report", "--format", "pdf", "-o", str(letter)])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert "apt-get install libpango-1.0-0" in result.stderr
    assert not letter.exists()
    listed = runner.invoke(app, ["list", "--json"])
    assert listed.stdout.count('"number"') == 1  # the letter was not recorded as sent


def test_readme_ci_and_code_name_the_same_system_packages() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    (listed,) = re.findall(r'^SYSTEM_PACKAGES="([^"]+)"$', ci, flags=re.M)
    assert tuple(listed.split()) == pdf.SYSTEM_PACKAGES
    readme = (ROOT / "README.md").read_text()
    assert f"sudo apt-get install {listed}" in readme
    assert "apt-get install" in ci
